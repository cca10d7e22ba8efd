"""Per-type phrases of es, de, fr and hi, rewritten to the words the English parsers read.

The number-word pass (:func:`superdialog.slots.lang.localise`) serves every
type; some types also need their own words: currencies and "con cincuenta"
for ``amount``, "arroba"/"Punkt"/"tiret bas" for ``email``, "más treinta y
cuatro"/"doble" for ``phone``, "me llamo"/"ich heiße"/"मेरा नाम … है" for
``name``, decimal commas for ``number``. Each rule rewrites a phrase (over the
plain text: lower case, no accents) to its English twin, and the rewriting
keeps, for every character, the span of the caller's words it came from.

Rules run in two groups: ``before`` the number-word pass (words a number
pass would misread: "punto" is a decimal point in a number but a dot in an
address) and ``after`` it (phrases around digits: "12 euros con 50").
Own rules: no maintained library reads spoken emails, names or amounts in
these languages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from ..notation import Notation, notation
from .moments import Rewrite, _dev, correction_rules, instead_rules, plain_chars
from .words import YES_NO

__all__ = ["FILLER_WORDS", "WORD_EDGE", "notation_rules", "phrase_rules", "whole_word"]

WORD_EDGE = r"[\w'\u0900-\u097f-]"
"""A character that continues a word (Devanagari vowel signs count as letters)."""


def whole_word(regex: str) -> re.Pattern[str]:
    """A whole-word pattern (Devanagari vowel signs count as letters)."""
    return re.compile(rf"(?<!{WORD_EDGE})(?:" + regex + rf")(?!{WORD_EDGE})")


def _c(value: str) -> Callable[[re.Match[str]], str]:
    return lambda _m: value


def _words(table: dict[str, str]) -> list[Rewrite]:
    """One rule per phrase, longest first (so "guion bajo" wins over "guion")."""
    out: list[Rewrite] = []
    for said in sorted(table, key=len, reverse=True):
        pattern = " ".join(_dev(w) if _is_devanagari(w) else re.escape(w) for w in said.split())
        out.append((whole_word(pattern), _c(table[said])))
    return out


def _is_devanagari(word: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in word)


FILLER_WORDS: dict[str, frozenset[str]] = {
    "es": frozenset({"eh", "em", "este", "pues", "o sea", "bueno pues", "a ver", "mmm"}),
    "de": frozenset({"ahm", "ah", "ahem", "also", "na ja", "naja", "hm", "mhm", "sozusagen"}),
    "fr": frozenset({"euh", "heu", "ben", "bah", "alors", "bon ben", "hein", "voila"}),
    "hi": frozenset({"बस", "अच्छा", "तो", "मतलब", "हम्म", "उम्म", "acha", "accha", "toh", "to"}),
}
"""Hesitations and discourse words a caller says around a value (plain spelling)."""


# ---------------------------------------------------------------------------- numbers

# 1.200 / 1.200.000 (es, de, fr): thousands, not a decimal point
_THOUSANDS_DOT = (
    whole_word(r"\d{1,3}(?:\.\d{3})+(?!\.?\d)"),
    lambda m: m.group().replace(".", ""),
)
# 12,50 / 4,5: a decimal comma
_DECIMAL_COMMA = (whole_word(r"\d+,\d+"), lambda m: m.group().replace(",", "."))
# 1 200 (fr, es-CR...): thousands apart by a space, when a group of three follows
_THOUSANDS_SPACE = (
    whole_word(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?"),
    lambda m: re.sub(r"[ \u00a0\u202f]", "", m.group()),
)
# 2,50,000 (hi): Indian grouping, lakh and crore
_INDIAN_GROUPS = (whole_word(r"\d{1,2}(?:,\d{2})+,\d{3}"), lambda m: m.group().replace(",", ""))


# "menos 5", "moins 5", "minus 5", "माइनस 5": a sign, but only right before a number and not
# after one or in "at least" ("cinco menos dos" is arithmetic; "au moins 5", "por lo menos 5",
# "al menos 5" a bound: left alone)
_MINUS: Rewrite = (
    re.compile(
        r"(?<![\w\u0900-\u097f])(?<!\d )(?<!au )(?<!du )(?<!lo )(?<!al )"
        r"(?:menos|moins|minus|\u092e\u093e\u0907\u0928\u0938)(?= \d)"
    ),
    lambda _m: "minus",
)


# 1,200 / 1,200,000 (es-MX, es-US...): thousands, the point is the decimal sign
_THOUSANDS_COMMA = (
    whole_word(r"\d{1,3}(?:,\d{3})+(?![,.]?\d)"),
    lambda m: m.group().replace(",", ""),
)
# 1'200, or with a typographic apostrophe (de-CH, de-LI)
_THOUSANDS_APOSTROPHE = (
    whole_word(r"\d{1,3}(?:['\u2019]\d{3})+"),
    lambda m: re.sub(r"['\u2019]", "", m.group()),
)


def _number_formats(kind: Notation) -> list[Rewrite]:
    """The rewrites that turn numbers written in ``kind`` notation into English notation."""
    if kind == "indian":
        return [_INDIAN_GROUPS]
    if kind == "apostrophe":
        return [_THOUSANDS_APOSTROPHE]
    if kind == "point":
        return [_THOUSANDS_COMMA]
    # groups apart by dots, or by a (narrow, no-break) space: French's way, the RAE's, DIN's
    return [_THOUSANDS_DOT, _THOUSANDS_SPACE, _DECIMAL_COMMA]


def notation_rules(kind: Notation) -> tuple[Rewrite, ...]:
    """:func:`_number_formats`, for a call in English from a country that writes numbers so."""
    return tuple(_number_formats(kind))


# ---------------------------------------------------------------------------- amounts

_CURRENCY: dict[str, dict[str, str]] = {
    "es": {
        "euros": "euros", "euro": "euros", "dolares": "dollars", "dolar": "dollars",
        "pesos": "pesos", "peso": "pesos", "libras": "pounds", "libra": "pounds",
        "centimos": "cents", "centimo": "cents", "centavos": "cents", "centavo": "cents",
        "pavos": "euros", "rupias": "rupees", "francos": "francs", "franco": "francs",
        "pesos mexicanos": "mexican pesos", "dolares americanos": "us dollars",
    },
    "de": {
        "euro": "euros", "euros": "euros", "cent": "cents", "dollar": "dollars",
        "franken": "francs", "schweizer franken": "swiss francs", "rappen": "centimes",
        "pfund": "pounds", "rupien": "rupees", "eur": "euros", "chf": "francs",
    },
    "fr": {
        "euros": "euros", "euro": "euros", "centimes": "cents", "centime": "cents",
        "dollars": "dollars", "dollar": "dollars", "francs": "francs", "franc": "francs",
        "francs suisses": "swiss francs", "roupies": "rupees", "roupie": "rupees",
        "livres": "pounds", "balles": "euros",
    },
    "hi": {
        "रुपये": "rupees", "रुपए": "rupees", "रुपया": "rupees", "रुपयों": "rupees",
        "रूपये": "rupees", "रूपए": "rupees", "रूपया": "rupees", "रु": "rupees",
        "rupaye": "rupees", "rupaiye": "rupees", "rupay": "rupees", "rupiya": "rupees",
        "rupya": "rupees", "rs": "rupees", "पैसे": "paise", "पैसा": "paise", "डॉलर": "dollars",
        "यूरो": "euros",
    },
}  # fmt: skip
_AND = {"es": "con|y", "de": "und", "fr": "et", "hi": f"{_dev('और')}|aur"}
_UNITS = "euros|dollars|pesos|pounds|francs|swiss francs|rupees|mexican pesos|us dollars"


def _amount_after(language: str) -> list[Rewrite]:
    """After the number pass: currency words, and "12 euros con 50" (12.50)."""
    rules = _words(_CURRENCY[language])
    rules.append(
        (
            whole_word(rf"(?P<a>\d+) (?P<u>{_UNITS}) (?:{_AND[language]}) (?P<b>\d{{1,2}})"),
            lambda m: f"{m['a']} {m['u']} and {m['b']}",
        )
    )
    # "diez euros y medio", "dix euros et demi": and a half of the unit (it gave 10)
    rules.append(
        (
            whole_word(rf"(?P<a>\d+) (?P<u>{_UNITS}) (?:y medio|y media|et demie?|und ein halb)"),
            lambda m: f"{m['a']} {m['u']} and a half",
        )
    )
    # "veinte euros o treinta", "vingt ou trente euros": two amounts offered, no one value
    rules.append(
        (
            whole_word(
                rf"\d+(?:\.\d+)?(?: (?:{_UNITS}))? (?:{_OR[language]}) "
                rf"(?:(?:{_UNITS}) )?\d+(?:\.\d+)?(?: (?:{_UNITS}))?"
            ),
            _c("unclear"),
        )
    )
    # "treinta y cinco con cincuenta", "neunzehn neunundneunzig": units and cents, no currency
    rules.append(
        (
            whole_word(
                rf"(?P<a>\d{{1,4}}) (?:(?:{_AND[language]}) )?(?P<b>[1-9]\d)"
                rf"(?![\d.]| ?(?:{_UNITS}))"
            ),
            lambda m: f"{m['a']}.{m['b']}",
        )
    )
    if language == "hi":  # "5 रुपये 50 पैसे" is 5.50, "50 पैसे" is 0.50: paise are rupees/100
        rules.append(
            (
                whole_word(r"(?P<a>\d+) rupees (?:and )?(?P<b>\d{1,2}) paise"),
                lambda m: f"{m['a']} rupees and {m['b']}",
            )
        )
        rules.append((whole_word(r"(?P<b>\d{1,2}) paise"), lambda m: f"0.{int(m['b']):02d} rupees"))
    return rules


# ---------------------------------------------------------------------------- phones

_PHONE: dict[str, dict[str, str]] = {
    "es": {"mas": "plus", "doble": "double", "triple": "triple", "prefijo": "code"},
    "de": {"doppel": "double", "doppelt": "double", "dreifach": "triple", "vorwahl": "code"},
    "fr": {"double": "double", "triple": "triple", "indicatif": "code"},
    "hi": {"डबल": "double", "ट्रिपल": "triple", "प्लस": "plus", "dabal": "double"},
}  # fmt: skip


# ---------------------------------------------------------------------------- emails

_EMAIL: dict[str, dict[str, str]] = {
    "es": {
        "arroba": "at", "punto": "dot", "guion bajo": "underscore", "guion abajo": "underscore",
        "barra baja": "underscore", "piso": "underscore", "guion": "dash",
        "guion medio": "dash", "menos": "dash", "mi correo es": "my email is",
        "mi correo electronico es": "my email is", "mi email es": "my email is",
        "mi e-mail es": "my email is", "mi mail es": "my email is", "el correo es": "my email is",
        "seria": "is", "mi": "my", "correo": "email",
        "hache": "h", "jota": "j", "equis": "x", "zeta": "z", "i griega": "y",
        "doble uve": "w", "uve doble": "w", "doble ve": "w", "efe": "f", "ele": "l",
        "eme": "m", "ene": "n", "erre": "r", "uve": "v", "ka": "k", "cu": "q",
        "en mayuscula": "", "mayuscula": "capital", "minuscula": "lowercase",
    },
    "de": {
        "at": "@", "at-zeichen": "@", "klammeraffe": "@", "punkt": "dot",
        "unterstrich": "underscore", "bindestrich": "dash", "minus": "dash", "strich": "dash",
        "meine e-mail ist": "my email is", "meine email ist": "my email is",
        "meine mail ist": "my email is", "meine e-mail-adresse ist": "my email is",
        "meine e-mail adresse ist": "my email is", "meine emailadresse ist": "my email is",
        "die adresse ist": "my email is", "ist": "is", "meine": "my",
        "jot": "j", "ypsilon": "y", "zett": "z", "ix": "x", "vau": "v", "ku": "q",
    },
    "fr": {
        "arobase": "at", "arrobase": "at", "arobas": "at", "at": "@", "point": "dot",
        "tiret bas": "underscore", "tiret du bas": "underscore", "tiret du huit": "underscore",
        "tiret du 8": "underscore", "underscore": "underscore", "tiret": "dash",
        "trait d'union": "dash", "moins": "dash", "mon mail c'est": "my email is",
        "mon email c'est": "my email is", "mon e-mail c'est": "my email is",
        "mon adresse mail c'est": "my email is", "mon adresse email c'est": "my email is",
        "mon adresse e-mail c'est": "my email is", "mon adresse c'est": "my email is",
        "mon courriel c'est": "my email is", "mon adresse e-mail est": "my email is",
        "mon adresse mail est": "my email is", "mon mail est": "my email is",
        "c'est": "it's", "est": "is", "mon": "my", "i grec": "y",
        "double ve": "w", "double v": "w", "majuscule": "capital", "minuscule": "lowercase",
    },
    "hi": {
        "एट द रेट": "at", "एट दि रेट": "at", "ऐट द रेट": "at", "एट द रेट ऑफ": "at",
        "at the rate of": "at", "at the rate": "at", "at d rate": "at", "एट": "at", "ऐट": "at",
        "डॉट": "dot", "डोट": "dot", "अंडरस्कोर": "underscore", "डैश": "dash",
        "जीमेल": "gmail", "याहू": "yahoo", "हॉटमेल": "hotmail", "आउटलुक": "outlook",
        "कॉम": "com", "इन": "in",
    },
}  # fmt: skip

# Devanagari words the rules did not turn into English: not part of an address.
_DEVANAGARI_WORD = re.compile(r"[\u0900-\u097f]+")


def _drop_devanagari(m: re.Match[str]) -> str:
    return " , "


# ---------------------------------------------------------------------------- names

_NAME: dict[str, dict[str, str]] = {
    "es": {
        "me llamo": "my name is", "mi nombre es": "my name is", "mi nombre": "my name is",
        "mi apellido es": "surname is", "el apellido es": "surname is",
        "a nombre de": "under the name", "soy": "i'm", "le habla": "this is",
        "habla": "this is", "hola": "hello", "buenas": "hello", "buenos dias": "hello",
        "buenas tardes": "hello", "si": "yes", "claro": "sure", "por favor": "please",
        "gracias": "thanks", "muchas gracias": "thanks", "bueno": "well", "vale": "okay",
        "y": "and", "es": "it's", "se escribe": "spelled", "con": "with", "sin": "without",
        "senor": "mr", "el senor": "mr", "senora": "mrs", "la senora": "mrs",
        "senorita": "miss", "la senorita": "miss", "doctor": "dr", "doctora": "dr",
        "el doctor": "dr", "la doctora": "dr",
    },
    "de": {
        "ich heisse": "my name is", "ich heiße": "my name is", "mein name ist": "my name is",
        "mein name": "my name is", "mein nachname ist": "surname is", "name ist": "name is",
        "auf den namen": "under the name", "hier ist": "this is", "hier spricht": "this is",
        "ich bin": "i'm", "am apparat": "speaking", "hallo": "hello", "guten tag": "hello",
        "guten morgen": "hello", "ja": "yes", "bitte": "please", "danke": "thanks",
        "gerne": "sure", "und": "and", "ist": "is", "geschrieben": "spelled", "mit": "with",
        "ohne": "without", "hier": "here", "frau": "mrs", "die frau": "mrs", "herr": "mr",
        "der herr": "mr", "herrn": "mr", "doktor": "dr", "dr": "dr",
    },
    "fr": {
        "je m'appelle": "my name is", "je m appelle": "my name is", "je mapelle": "my name is",
        "mon nom est": "my name is", "mon nom c'est": "my name is",
        "mon nom de famille est": "surname is", "mon nom de famille c'est": "surname is",
        "au nom de": "under the name", "moi c'est": "i'm", "c'est": "it's",
        "je suis": "i'm", "ici": "this is", "bonjour": "hello", "allo": "hello",
        "oui": "yes", "merci": "thanks", "s'il vous plait": "please", "et": "and",
        "a l'appareil": "speaking", "ca s'ecrit": "spelled", "avec": "with", "sans": "without",
        "madame": "mrs", "monsieur": "mr", "mademoiselle": "miss", "docteur": "dr",
    },
    "hi": {
        "mera naam": "my name is", "meraa naam": "my name is", "mera name": "my name is",
        "my naam": "my name is", "naam": "name is", "main": "this is", "mai": "this is",
        "bol raha hoon": "speaking", "bol raha hun": "speaking", "bol rahi hoon": "speaking",
        "bol rahi hun": "speaking", "bol raha hu": "speaking", "bol rahi hu": "speaking",
        "hai": "", "hain": "", "ji": "", "haan": "yes", "namaste": "hello",
    },
}  # fmt: skip


# Common words of each language that are never a name on their own ("soy yo", "c'est ça",
# "ich bin dran"): read as an English word the name parser refuses. Name particles ("de",
# "la", "von", "le") are not here.
_NOT_NAME: dict[str, str] = {
    "es": """yo tu usted ustedes el ella ellos nosotros eso esto esta este ese esa aqui alli ahi
        que quien como cuando donde porque pero sin con para por muy mas menos nada todo algo
        bien mal tambien ya no hoy ayer ahora luego despues antes adios perdon entonces tengo
        tiene quiero puedo necesito estoy estamos llamo llamando llamada numero nombre telefono
        correo cita reserva mesa dime diga digame oiga mire hablar persona para por en sobre una
        un unos unas los las reservacion pedido pregunta problema quiero quisiera necesito
        llamar llamaba favor cancelar cambiar confirmar informacion hora dia semana mande
        perdon perdone disculpe disculpa otra vez repita repite repetir espere espera momento
        momentito acuerdo perfecto genial estupendo exacto claro bueno oye mira hola adios
        gracias listo nunca siempre tampoco cual cuales ayuda entendido entiendo vale igual
        cierto seguro olvidelo olvidalo olvida olvide dejelo dejalo deje deja cancela cancele
        importa""",
    "de": """ich du er sie es wir ihr das dem den ein eine einen bin sind war hier da dort was
        wer wie wo wann warum aber oder nicht nichts alles gut schon noch jetzt heute morgen
        gestern nein genau dran gleich mal doch so sehr mein meine nummer telefon termin
        tisch tschuss sprechen moment einen augenblick bitteschon fur mit auf im am einer
        reservierung bestellung frage problem mochte will brauche anrufen wegen absagen
        verschieben bestatigen information uhr tag woche dran selbst entschuldigung entschuldigen
        nochmal einmal wiederholen wiederholung moment augenblick sekunde richtig klar perfekt
        super prima toll alles okay vielleicht welche welcher hallo tschuss wiederhoren
        verstanden verstehe gesagt sagen bitte danke vergiss vergessen egal abbrechen lass
        lassen""",
    "fr": """je tu il elle on nous vous ils elles moi toi lui ca ce cela ceci qui que quoi
        comment quand ou pourquoi mais donc car non pas bien bon tres tout rien aujourd'hui
        demain hier maintenant salut voila la-bas suis sont ai avez fait appelle appel numero
        nom telephone rendez-vous table moi-meme personne parler attendez pour par sur dans en
        une un au aux les reservation commande question probleme appeler rappeler voudrais
        veux peux besoin juste encore aussi deja annuler changer confirmer information heure
        jour semaine pardon excusez excuse repetez repeter encore fois attendez instant
        seconde parfait super genial exactement voila d'accord daccord merci bonjour revoir
        rien compris comprends entendu bien sur certainement absolument allez laissez laisse
        tomber oubliez oublie oublions annulez annule tant pis""",
    "hi": """main mera meri mere ka ki ke aap tum hum yeh woh kya kaun kaise kab kahan kyun aur
        ya nahi theek accha abhi kal aaj sir madam bhai bhaiya bolo boliye bataiye batao
        suniye sunie ruko rukiye minute dobara phir se hello haanji thik achha samjha samjhi
        ok okay rehne chhodo chhodiye koi baat""",
}  # fmt: skip


# ---------------------------------------------------------------------------- yes/no

# Said before the yes/no words are read: phrases with a "no" in them that are no answer.
_UNSURE: dict[str, dict[str, str]] = {
    "es": {
        "no se": "i don't know", "no lo se": "i don't know", "ni idea": "i don't know",
        "no estoy seguro": "i'm not sure", "no estoy segura": "i'm not sure",
        "quizas": "maybe", "quiza": "maybe", "tal vez": "maybe", "a lo mejor": "maybe",
        "no hay problema": "sure", "por que no": "sure",
        "como no": "of course", "no pasa nada": "sure", "eso es": "that's right",
        "esta bien": "okay", "por supuesto": "of course", "desde luego": "of course",
        "para nada": "not at all", "ni pu idea": "no idea",
    },
    "de": {
        "weiss nicht": "i don't know", "weiß nicht": "i don't know",
        "weiss ich nicht": "i don't know", "weiß ich nicht": "i don't know",
        "keine ahnung": "i don't know", "vielleicht": "maybe",
        "bin mir nicht sicher": "i'm not sure",
        "kein problem": "sure", "warum nicht": "sure", "nicht schlecht": "sounds good",
        "auf jeden fall": "absolutely", "auf keinen fall": "absolutely not",
        "ich glaube schon": "i think so", "glaube schon": "i think so", "sicher": "sure",
        "ich glaube nicht": "i don't think so",
    },
    "fr": {
        "je sais pas": "i don't know", "je ne sais pas": "i don't know", "sais pas": "i don't know",
        "j'sais pas": "i don't know", "chais pas": "i don't know", "che pas": "i don't know",
        "j'en sais rien": "i don't know", "je n'en sais rien": "i don't know",
        "pas vraiment": "not really", "pas du tout": "not at all",
        "aucune idee": "i don't know", "peut-etre": "maybe", "peut etre": "maybe",
        "je suis pas sur": "i'm not sure", "je ne suis pas sur": "i'm not sure",
        "j'suis pas sur": "i'm not sure", "chuis pas sur": "i'm not sure",
        "pas sur": "i'm not sure", "pas sure": "i'm not sure", "pas certain": "i'm not sure",
        "pas de probleme": "sure", "pas de souci": "sure", "pourquoi pas": "sure",
        "y a pas de souci": "sure", "ca marche": "sounds good", "c'est bon": "okay",
        "tout a fait": "absolutely", "bien sur": "of course", "je crois pas": "i don't think so",
        "je ne crois pas": "i don't think so", "je crois que oui": "i think so",
    },
    "hi": {
        "पता नहीं": "i don't know", "पता नही": "i don't know", "pata nahi": "i don't know",
        "शायद": "maybe", "shayad": "maybe", "कोई बात नहीं": "sure",
        "कोई दिक्कत नहीं": "sure", "koi baat nahi": "sure", "चलेगा": "sounds good",
        "chalega": "sounds good",
    },
}  # fmt: skip

_OR = {"es": "o|u", "de": "oder", "fr": "ou", "hi": f"{_dev('या')}|ya|yaa"}

# "menos de diez", "mehr als zwanzig", "au moins dix": a bound, which the English rules
# refuse as a value (``superdialog.slots.repairs``); plain spelling.
_BOUNDS: dict[str, dict[str, str]] = {
    "es": {
        "menos de": "less than", "mas de": "more than", "al menos": "at least",
        "por lo menos": "at least", "como mucho": "at most", "como maximo": "at most",
        "hasta": "up to",
    },
    "de": {
        "mehr als": "more than", "weniger als": "less than", "mindestens": "at least",
        "wenigstens": "at least", "hochstens": "at most", "maximal": "at most",
        "bis zu": "up to", "uber": "over", "unter": "under",
    },
    "fr": {
        "plus de": "more than", "moins de": "less than", "au moins": "at least",
        "au plus": "at most", "au maximum": "at most", "jusqu'a": "up to",
    },
    "hi": {
        "कम से कम": "at least", "kam se kam": "at least", "ज़्यादा से ज़्यादा": "at most",
        "zyada se zyada": "at most",
    },
}  # fmt: skip
# Dozens and halves said as words the number pass does not read: "media docena", "ein
# halbes Dutzend", "une demi-douzaine", "आधा दर्जन", "zweieinhalb".
_DOZENS: dict[str, dict[str, str]] = {
    "es": {
        "media docena": "half a dozen", "una docena": "a dozen", "docenas": "dozen",
        "docena": "dozen",
    },
    "de": {
        "ein halbes dutzend": "half a dozen", "ein dutzend": "a dozen", "dutzend": "dozen",
        "anderthalb": "one and a half", "eineinhalb": "one and a half",
    },
    "fr": {
        "une demi-douzaine": "half a dozen", "une demi douzaine": "half a dozen",
        "demi-douzaine": "half a dozen", "une douzaine": "a dozen", "douzaines": "dozen",
        "douzaine": "dozen",
    },
    "hi": {
        "आधा दर्जन": "half a dozen", "एक दर्जन": "a dozen", "दर्जन": "dozen",
        "aadha darjan": "half a dozen", "ek darjan": "a dozen", "darjan": "dozen",
    },
}  # fmt: skip
# "zweieinhalb", "dreieinhalb": N and a half, one word
_DE_AND_A_HALF: Rewrite = (
    whole_word(
        r"(?P<n>zwei|drei|vier|funf|fünf|sechs|sieben|acht|neun|zehn|elf|zwolf|zwölf)einhalb"
    ),
    lambda m: f"{m['n']} and a half",
)
_AND_WORD = {"es": "y", "de": "und", "fr": "et", "hi": f"{_dev('और')}|aur"}
_BETWEEN = {"es": "entre", "de": "zwischen", "fr": "entre", "hi": ""}


def _bounds(language: str) -> list[Rewrite]:
    """The language's bound words as English ones, and "entre X y" as "between X and"."""
    rules = _words(_BOUNDS[language])
    if language == "hi":  # "दस से ज़्यादा": the bound comes after the number
        rules.append(
            (
                whole_word(
                    rf"(?P<x>[^\s,।]+) (?:{_dev('से')}|se) "
                    rf"(?P<b>{_dev('ज़्यादा')}|{_dev('अधिक')}|{_dev('ऊपर')}|{_dev('कम')}|zyada|kam)"
                ),
                lambda m: f"{'less' if m['b'] in ('कम', 'kam') else 'more'} than {m['x']}",
            )
        )
        return rules
    rules.append(
        (
            whole_word(rf"{_BETWEEN[language]} (?P<a>\S+) (?:{_AND_WORD[language]})"),
            lambda m: f"between {m['a']} and",
        )
    )
    return rules


def _undecided(language: str) -> Rewrite:
    """Two numbers offered ("cinco o seis", "fünf oder sechs"): no one value."""
    return (
        whole_word(rf"(?P<a>\d+(?:\.\d+)?) (?:{_OR[language]}) (?P<b>\d+)"),
        lambda m: f"{m['a']} or {m['b']}",
    )


def _about(m: re.Match[str]) -> str:
    a, b = int(m["a"]), m["b"]
    nxt = str(a + 1)
    if b.startswith(nxt) and set(b[len(nxt) :]) <= {"0"}:  # "2 3" or "2 3000"
        return f"{a} or {b}"
    return m.group()


# "तीन चार लोग", "दो-तीन हज़ार": two neighbouring numbers in Hindi are "three or four"
_HI_ABOUT: Rewrite = (whole_word(r"(?P<a>\d{1,2}) (?P<b>\d{1,9})(?! ?\d)"), _about)


_NEGATIVE = frozenset({"no", "not", "never", "neither", "wrong", "nope"})


# ---------------------------------------------------------------------------- assembly


def _fillers(language: str) -> list[Rewrite]:
    return _words(dict.fromkeys(FILLER_WORDS[language], "uh"))


@cache
def phrase_rules(
    type_name: str, language: str, kind: Notation | None = None
) -> tuple[tuple[Rewrite, ...], tuple[Rewrite, ...]]:
    """The rules for ``type_name`` in ``language``: (before the number pass, after it).

    ``kind``: how the caller's country writes numbers (:func:`~superdialog.slots.notation.
    notation`; the language's usual way when ``None``). Built once per (type, language,
    notation): there are more patterns than ``re``'s own cache holds, so building them per
    utterance recompiled them (p99 ~30 ms).
    """
    before, after = _phrase_rules(type_name, language, kind or notation(language, ""))
    return tuple(before), tuple(after)


def _phrase_rules(
    type_name: str, language: str, kind: Notation
) -> tuple[list[Rewrite], list[Rewrite]]:
    if language not in FILLER_WORDS:
        return [], []
    if type_name in ("number", "amount"):
        after = _amount_after(language) if type_name == "amount" else []
        if language == "hi":
            after.append(_HI_ABOUT)
        if type_name == "number":
            after.insert(0, _MINUS)
        return [
            *correction_rules(language),
            *_fillers(language),
            *_bounds(language),
            *instead_rules(language),
            *_number_formats(kind),
            *_words(_UNSURE[language]),
            *_words(_DOZENS[language]),
            *([_DE_AND_A_HALF] if language == "de" else []),
        ], [
            *after,
            _undecided(language),
        ]
    if type_name == "yes_no":
        return [*correction_rules(language), *_words(_UNSURE[language])], []
    if type_name in ("phone", "digits", "card_number", "postal_code"):
        rules = [*correction_rules(language), *_fillers(language), *_words(_PHONE[language])]
        if language == "de":  # "Doppel-Null", "doppelnull"
            rules.insert(
                0,
                (
                    whole_word(
                        r"doppel-?(?P<d>null|eins|zwei|drei|vier|funf|sechs|sieben|acht|neun)"
                    ),
                    lambda m: f"double {m['d']}",
                ),
            )
        return rules, []
    if type_name == "email":
        before = [*correction_rules(language), *_fillers(language), *_words(_EMAIL[language])]
        if language == "es":  # "juan es ..." but "punto es" is Spain's domain
            before.append((whole_word(r"(?<!dot )(?<!\.)es"), _c("is")))  # ".es" typed too
        if language == "hi":
            before.append((_DEVANAGARI_WORD, _drop_devanagari))
        return before, []
    if type_name == "name":
        # "perfecto", "genau", "d'accord": an answer, never a name ("sí, Juan" still is one)
        answers = {
            plain_chars(word): "no" if english in _NEGATIVE else "yes"
            for word, english in YES_NO[language].items()
            if english
        }
        common = dict.fromkeys(_NOT_NAME[language].split(), "that")
        return [*_fillers(language), *_words({**answers, **common, **_NAME[language]})], []
    return [], []
