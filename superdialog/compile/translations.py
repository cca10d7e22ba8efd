"""Spoken texts per language: the compiled form, and what ships built in.

A flow that declares ``languages: [en, es]`` gives each spoken text per
language (``{en: "Hello", es: "Hola"}``). The compiler turns such a text into
one ``TranslatedTemplate``: it *is* the default language's template (so every
part of the framework that knows nothing of languages — diagrams, the deep
check, coverage — sees the default text), and carries the others beside it.
The call picks its language's version at the single place it renders a line
(``for_language``), so a language switch needs no change anywhere else.

Shipped here, for the languages a flow need not translate itself:

* ``BUILTIN_MESSAGES``: the runtime's own lines (``messages:``) in en, es, de,
  fr and hi. English is exactly the ``Messages`` defaults (a test holds them
  equal).
* ``BUILTIN_INTENT_PHRASES``: what the built-in intents (human, goodbye,
  repeat, help, start over, never mind) also understand in es, de, fr and hi.
  They match as whole words anywhere, like a flow's own phrases, so they are
  requests wherever they stand ("quiero hablar con una persona"); words that
  are often something else ("no", "otra vez" alone) are left out. Hindi is
  written as Hindi speech recognisers write it: Devanagari, with the English
  words Indian callers mix in written both ways.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from superdialog.compile.templates import CompiledTemplate
from superdialog.spec.yaml_source import Path

__all__ = [
    "BUILTIN_INTENT_PHRASES",
    "BUILTIN_MESSAGES",
    "TranslatedTemplate",
    "builtin_message",
    "builtin_phrases",
    "compile_lines",
    "compile_text",
    "for_language",
    "intent_phrases",
    "translated",
]


@dataclass(frozen=True, slots=True)
class TranslatedTemplate(CompiledTemplate):
    """A spoken text with one compiled template per language.

    Its own fields are the default language's template; ``by_language`` holds
    every declared language's (the default's included).
    """

    by_language: Mapping[str, CompiledTemplate]


def translated(
    default: str, by_language: Mapping[str, CompiledTemplate]
) -> TranslatedTemplate | None:
    """One template per language → a ``TranslatedTemplate``; None when the default is missing."""
    base = by_language.get(default)
    if base is None:
        return None
    return TranslatedTemplate(base.source, base.static, base._template, dict(by_language))


def for_language(template: CompiledTemplate, language: str) -> CompiledTemplate:
    """The version of ``template`` to speak in ``language`` (itself when it has none)."""
    if isinstance(template, TranslatedTemplate):
        return template.by_language.get(language, template)
    return template


BUILTIN_MESSAGES: Mapping[str, Mapping[str, str | tuple[str, ...]]] = {
    "en": {
        "no_input": "Sorry, I didn't hear anything.",
        "not_understood": ("Sorry, I didn't catch that.", "Sorry, could you say that again?"),
        "error": "I'm sorry, something went wrong on our side.",
        "llm_fallback": "Sorry, give me a moment.",
        "help": "I can help you with this call. You can also ask for a person at any time.",
        "max_duration": "I'm sorry, we've run out of time on this call. Goodbye.",
        "no_response": "I haven't heard from you, so I'll end the call now. Goodbye.",
        "not_understood_end": "I'm sorry, I'm having trouble understanding, so I'll end "
        "the call now. Goodbye.",
        "confirm": "I have {{ value }}. Is that right?",
        "confirm_again": "Okay, let's try that again.",
        "confirm_unclear": "Sorry, was that a yes or a no?",
        "corrected": "Okay, I've changed the {{ slot }} to {{ value }}.",
        "cancelled": "Okay, never mind.",
        "resume": "Now,",
    },
    "es": {
        "no_input": "Perdone, no he oído nada.",
        "not_understood": ("Perdone, no le he entendido.", "Perdone, ¿puede repetirlo?"),
        "error": "Lo siento, algo ha fallado por nuestra parte.",
        "llm_fallback": "Perdone, deme un momento.",
        "help": "Puedo ayudarle con esta llamada. También puede pedir hablar con una persona "
        "en cualquier momento.",
        "max_duration": "Lo siento, se nos ha acabado el tiempo de esta llamada. Adiós.",
        "no_response": "No le oigo, así que voy a terminar la llamada. Adiós.",
        "not_understood_end": "Lo siento, me está costando entenderle, así que voy a terminar "
        "la llamada. Adiós.",
        "confirm": "Tengo {{ value }}. ¿Es correcto?",
        "confirm_again": "De acuerdo, volvamos a intentarlo.",
        "confirm_unclear": "Perdone, ¿eso es un sí o un no?",
        "corrected": "De acuerdo, he cambiado {{ slot }} a {{ value }}.",
        "cancelled": "De acuerdo, olvídelo.",
        "resume": "Bien,",
    },
    "de": {
        "no_input": "Entschuldigung, ich habe nichts gehört.",
        "not_understood": (
            "Entschuldigung, das habe ich nicht verstanden.",
            "Entschuldigung, können Sie das bitte wiederholen?",
        ),
        "error": "Es tut mir leid, bei uns ist etwas schiefgelaufen.",
        "llm_fallback": "Entschuldigung, einen Moment bitte.",
        "help": "Ich helfe Ihnen bei diesem Anruf. Sie können auch jederzeit nach einem "
        "Mitarbeiter fragen.",
        "max_duration": "Es tut mir leid, die Zeit für diesen Anruf ist abgelaufen. "
        "Auf Wiederhören.",
        "no_response": "Ich höre Sie leider nicht, deshalb beende ich jetzt den Anruf. "
        "Auf Wiederhören.",
        "not_understood_end": "Es tut mir leid, ich verstehe Sie leider nicht, deshalb beende "
        "ich jetzt den Anruf. Auf Wiederhören.",
        "confirm": "Ich habe {{ value }}. Ist das richtig?",
        "confirm_again": "Gut, dann versuchen wir es noch einmal.",
        "confirm_unclear": "Entschuldigung, war das ein Ja oder ein Nein?",
        "corrected": "In Ordnung, ich habe {{ slot }} auf {{ value }} geändert.",
        "cancelled": "In Ordnung, vergessen wir das.",
        "resume": "Also,",
    },
    "fr": {
        "no_input": "Pardon, je n'ai rien entendu.",
        "not_understood": (
            "Pardon, je n'ai pas compris.",
            "Pardon, pouvez-vous répéter ?",
        ),
        "error": "Je suis désolé, un problème est survenu de notre côté.",
        "llm_fallback": "Pardon, un instant s'il vous plaît.",
        "help": "Je peux vous aider pour cet appel. Vous pouvez aussi demander à parler à "
        "quelqu'un à tout moment.",
        "max_duration": "Je suis désolé, le temps de cet appel est écoulé. Au revoir.",
        "no_response": "Je ne vous entends plus, je vais donc mettre fin à l'appel. Au revoir.",
        "not_understood_end": "Je suis désolé, j'ai du mal à vous comprendre, je vais donc "
        "mettre fin à l'appel. Au revoir.",
        "confirm": "J'ai noté {{ value }}. C'est bien ça ?",
        "confirm_again": "D'accord, on recommence.",
        "confirm_unclear": "Pardon, c'était un oui ou un non ?",
        "corrected": "D'accord, j'ai changé {{ slot }} en {{ value }}.",
        "cancelled": "D'accord, laissons tomber.",
        "resume": "Alors,",
    },
    "hi": {
        "no_input": "माफ़ कीजिए, मुझे कुछ सुनाई नहीं दिया।",
        "not_understood": (
            "माफ़ कीजिए, मैं समझ नहीं पाया।",
            "माफ़ कीजिए, क्या आप फिर से बोल सकते हैं?",
        ),
        "error": "माफ़ कीजिए, हमारी तरफ़ से कुछ गड़बड़ हो गई।",
        "llm_fallback": "माफ़ कीजिए, एक पल दीजिए।",
        "help": "मैं इस कॉल में आपकी मदद कर सकता हूँ। आप कभी भी किसी व्यक्ति से बात करने के लिए कह सकते हैं।",
        "max_duration": "माफ़ कीजिए, इस कॉल का समय ख़त्म हो गया है। नमस्ते।",
        "no_response": "मुझे आपकी आवाज़ नहीं आ रही, इसलिए मैं कॉल ख़त्म कर रहा हूँ। नमस्ते।",
        "not_understood_end": "माफ़ कीजिए, मुझे आपकी बात समझने में दिक़्क़त हो रही है, इसलिए मैं "
        "कॉल ख़त्म कर रहा हूँ। नमस्ते।",
        "confirm": "मैंने {{ value }} लिखा है। क्या यह सही है?",
        "confirm_again": "ठीक है, फिर से कोशिश करते हैं।",
        "confirm_unclear": "माफ़ कीजिए, वह हाँ था या नहीं?",
        "corrected": "ठीक है, मैंने {{ slot }} बदलकर {{ value }} कर दिया है।",
        "cancelled": "ठीक है, कोई बात नहीं।",
        "resume": "तो,",
    },
}
"""The runtime's lines per language, by ``messages`` key (a tuple: varied re-asks)."""


BUILTIN_INTENT_PHRASES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "es": {
        "human": (
            "operador",
            "operadora",
            "un agente",
            "una persona",
            "una persona real",
            "un humano",
            "hablar con alguien",
            "hablar con una persona",
            "pásame con alguien",
            "páseme con un agente",
        ),
        "goodbye": ("adiós", "adios", "hasta luego", "eso es todo", "nada más", "chao"),
        "repeat": (
            "cómo dice",
            "perdón cómo",
            "puede repetir",
            "puedes repetir",
            "repita por favor",
            "repítelo",
            "qué ha dicho",
            "qué dijiste",
            "no le he oído",
        ),
        "start_over": ("empezar de nuevo", "volver a empezar", "desde el principio"),
        "help": ("ayuda", "necesito ayuda", "qué puedes hacer", "qué opciones tengo"),
        "never_mind": ("olvídalo", "olvidalo", "olvídelo", "déjalo", "déjelo", "cancela eso"),
    },
    "de": {
        "human": (
            "einen mitarbeiter",
            "einen menschen",
            "ein mensch",
            "eine echte person",
            "mit jemandem sprechen",
            "verbinden sie mich",
            "kundendienst",
        ),
        "goodbye": ("tschüss", "tschüs", "auf wiederhören", "auf wiedersehen", "das war's"),
        "repeat": (
            "wie bitte",
            "noch einmal bitte",
            "nochmal bitte",
            "können sie das wiederholen",
            "was haben sie gesagt",
            "bitte wiederholen",
        ),
        "start_over": ("von vorne", "nochmal von vorne", "neu anfangen", "von vorn"),
        "help": ("hilfe", "ich brauche hilfe", "was können sie", "welche möglichkeiten"),
        "never_mind": ("vergiss es", "vergessen sie es", "schon gut", "abbrechen"),
    },
    "fr": {
        "human": (
            "un conseiller",
            "une conseillère",
            "un opérateur",
            "un humain",
            "une vraie personne",
            "parler à quelqu'un",
            "parler à une personne",
            "passez-moi quelqu'un",
        ),
        "goodbye": ("au revoir", "bonne journée", "c'est tout", "à bientôt"),
        "repeat": (
            "vous pouvez répéter",
            "pouvez-vous répéter",
            "répétez s'il vous plaît",
            "qu'avez-vous dit",
        ),
        "start_over": ("recommencer", "tout recommencer", "depuis le début", "reprendre à zéro"),
        "help": ("aide", "à l'aide", "j'ai besoin d'aide", "que pouvez-vous faire"),
        "never_mind": ("laissez tomber", "laisse tomber", "oubliez ça", "oublie ça", "annulez"),
    },
    "hi": {
        "human": (
            "किसी इंसान से बात",
            "किसी व्यक्ति से बात",
            "एजेंट से बात",
            "agent से बात",
            "कस्टमर केयर",
            "customer care",
            "इंसान से बात करनी है",
            "किसी से बात करवाइए",
        ),
        "goodbye": ("अलविदा", "धन्यवाद बस", "बस इतना ही", "फिर मिलेंगे", "ठीक है बाय", "bye bye"),
        "repeat": (
            "फिर से बोलिए",
            "दोबारा बोलिए",
            "फिर से बताइए",
            "दोबारा बताइए",
            "क्या कहा",
            "repeat कीजिए",
            "सुनाई नहीं दिया",
        ),
        "start_over": ("शुरू से", "फिर से शुरू", "शुरुआत से", "start over कीजिए"),
        "help": ("मदद चाहिए", "मदद कीजिए", "help चाहिए", "सहायता चाहिए"),
        "never_mind": ("रहने दीजिए", "रहने दो", "छोड़ दीजिए", "कैंसल कीजिए", "cancel कीजिए"),
    },
}
"""What each built-in intent also understands, by language (English: ``BUILTIN_PHRASES``)."""


# --------------------------------------------------------------------- compiling

CompileOne = Callable[[str, Path], CompiledTemplate | None]
"""Compiles one template written at a path (the compiler's, which reports its problems)."""
Report = Callable[[Path, str, str | None], None]
"""Reports a problem at a path: (path, message, hint)."""


def _missing(value_langs: Iterable[str], languages: Sequence[str]) -> list[str]:
    have = set(value_langs)
    return [lang for lang in languages if lang not in have]


def _check_keys(
    value: Mapping[str, object], languages: Sequence[str], path: Path, report: Report
) -> None:
    for lang in value:
        if lang not in languages:
            report(
                (*path, lang),
                f"'{lang}' is not one of the flow's languages ({', '.join(languages)})",
                "add it to 'languages', or remove this translation",
            )
    missing = _missing(value, languages)
    if missing:
        report(
            path,
            f"missing translation for {', '.join(repr(x) for x in missing)}",
            "give this text in every language the flow declares",
        )


def _plain(
    value: str | Sequence[str], languages: Sequence[str], path: Path, report: Report
) -> None:
    """A text without translations in a flow that speaks more than one language."""
    if len(languages) > 1:
        others = ", ".join(repr(x) for x in languages[1:])
        report(
            path,
            f"missing translation for {others}",
            f"give it per language: {{{languages[0]}: ..., {languages[1]}: ...}}",
        )


def compile_text(
    value: str | Mapping[str, str] | None,
    languages: Sequence[str],
    path: Path,
    compile_one: CompileOne,
    report: Report,
) -> CompiledTemplate | None:
    """One spoken line (``Text``): a template, or a ``TranslatedTemplate`` when given per language.

    A plain string is the default language's; in a flow with more languages
    that is a missing translation (reported, and the line still compiles).
    """
    if value is None:
        return None
    if isinstance(value, str):
        _plain(value, languages, path, report)
        return compile_one(value, path)
    _check_keys(value, languages, path, report)
    compiled: dict[str, CompiledTemplate] = {}
    for lang in languages:
        if lang in value:
            t = compile_one(value[lang], (*path, lang))
            if t is not None:
                compiled[lang] = t
    return translated(languages[0], compiled)


def compile_lines(
    value: str | Sequence[str] | Mapping[str, str | Sequence[str]] | None,
    languages: Sequence[str],
    path: Path,
    compile_one: CompileOne,
    report: Report,
) -> tuple[CompiledTemplate, ...]:
    """Spoken lines (``Lines``): variants, each a ``TranslatedTemplate`` when given per language.

    Variants line up by position: the default language's count decides how
    many there are, and a language with fewer cycles through its own.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        _plain(value, languages, path, report)
        t = compile_one(value, path)
        return () if t is None else (t,)
    if not isinstance(value, Mapping):
        _plain(value, languages, path, report)
        out = [compile_one(item, (*path, i)) for i, item in enumerate(value)]
        return tuple(t for t in out if t is not None)
    _check_keys(value, languages, path, report)
    per: dict[str, list[CompiledTemplate]] = {}
    for lang in languages:
        given = value.get(lang)
        if given is None:
            continue
        if isinstance(given, str):
            one = compile_one(given, (*path, lang))
            per[lang] = [one] if one is not None else []
        else:
            many = (compile_one(item, (*path, lang, i)) for i, item in enumerate(given))
            per[lang] = [t for t in many if t is not None]
    default = per.get(languages[0])
    if not default:
        return ()
    lines: list[CompiledTemplate] = []
    for i in range(len(default)):
        variant = {lang: ts[i % len(ts)] for lang, ts in per.items() if ts}
        t = translated(languages[0], variant)
        if t is not None:
            lines.append(t)
    return tuple(lines)


def builtin_message(key: str, languages: Sequence[str]) -> dict[str, list[str]]:
    """The shipped ``messages.<key>`` in each of ``languages`` that has it."""
    out: dict[str, list[str]] = {}
    for lang in languages:
        text = BUILTIN_MESSAGES.get(lang, {}).get(key)
        if text is not None:
            out[lang] = [text] if isinstance(text, str) else list(text)
    return out


def builtin_phrases(intent: str, languages: Sequence[str]) -> list[str]:
    """What the built-in ``intent`` understands in ``languages`` beyond its English grammar."""
    return [p for lang in languages for p in BUILTIN_INTENT_PHRASES.get(lang, {}).get(intent, ())]


def intent_phrases(
    value: Sequence[str] | Mapping[str, Sequence[str]],
    languages: Sequence[str],
    path: Path,
    report: Report,
) -> list[str]:
    """A flow intent's phrases, every language's together (callers mix languages).

    A plain list serves every language (names, codes, words that do not
    change); a mapping must give each declared language.
    """
    if not isinstance(value, Mapping):
        return list(value)
    _check_keys(value, languages, path, report)
    return [p for lang in languages for p in value.get(lang, ())]
