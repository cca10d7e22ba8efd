"""``FlowSpec`` → compiled graph: every check, every template, one shared machine.

All problems are collected and raised together as one ``FlowError``, each at
the line and column where the user wrote the offending value.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from superdialog.compile.check import TemplateUse, check_constraints, check_reads
from superdialog.compile.check.collect_intents import check_collect_intents
from superdialog.compile.check.registrations import check_registrations
from superdialog.compile.intents import BUILTIN_PHRASES, IntentMatcher, compile_intent
from superdialog.compile.model import (
    CompiledAction,
    CompiledGlobal,
    CompiledSlot,
    CompiledState,
    CompiledTransfer,
    Edge,
    EdgeKind,
    StateKind,
)
from superdialog.compile.patterns import backtracking_problem
from superdialog.compile.subflows import Origin, all_targets, expand
from superdialog.compile.templates import (
    RUNTIME_NAMES,
    CompiledExpr,
    CompiledTemplate,
    TemplateSyntaxProblem,
    compile_expression,
    compile_template,
    one_parse_each,
    references,
    spoken_types,
    unknown_filters,
)
from superdialog.compile.translations import (
    builtin_message,
    builtin_phrases,
    compile_lines,
    compile_text,
    intent_phrases,
)
from superdialog.errors import FlowError, Location, Problem, SlotTypeError, TemplateError
from superdialog.slots import get_type
from superdialog.slots.base import Constraints
from superdialog.spec.languages import normalise_language
from superdialog.spec.loader import did_you_mean
from superdialog.spec.models import (
    BUILTIN_END_REASONS,
    CancelSpec,
    FlowSpec,
    GlobalRule,
    SlotSpec,
    StateSpec,
)
from superdialog.spec.yaml_source import Path, SourceMap

__all__ = ["MAX_TOOL_NAME", "CompiledGraph", "compile_spec", "e164_problem", "tool_name"]

_JINJA_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop"})
_TOOL_SAFE = re.compile(r"[^A-Za-z0-9_-]")

MAX_TOOL_NAME = 64
"""Longest function name OpenAI accepts (``^[a-zA-Z0-9_-]{1,64}$``)."""


def tool_name(target: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """The name of the tool that takes an edge to ``target``: ``goto_<target>``.

    Always matches ``^[a-zA-Z0-9_-]{1,64}$``: characters outside that set become
    ``_``; a name that would be longer is cut and ends with ``_`` and 8 hex
    digits of the target's SHA-1, so it stays readable, stable across loads and
    distinct for distinct targets. A name already in ``taken`` (another edge of
    the same state) gets ``_2``, ``_3``, ... within the same 64 characters.
    """
    base = "goto_" + _TOOL_SAFE.sub("_", target)
    if len(base) > MAX_TOOL_NAME:
        digest = hashlib.sha1(target.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        base = f"{base[: MAX_TOOL_NAME - 9]}_{digest}"
    name, n = base, 1
    while name in taken:
        n += 1
        suffix = f"_{n}"
        name = base[: MAX_TOOL_NAME - len(suffix)] + suffix
    return name


@dataclass(frozen=True, slots=True)
class CompiledGraph:
    """Everything the compiler produces for one flow."""

    states: Mapping[str, CompiledState]
    slots: Mapping[str, CompiledSlot]
    intents: Mapping[str, IntentMatcher]
    persona: CompiledTemplate | None
    messages: Mapping[str, tuple[CompiledTemplate, ...]]
    edges: tuple[Edge, ...]
    flow_error_edge_target: str | None
    uses_llm: bool = False
    """Whether any state can call the model (computed once at compile)."""
    no_input_timeouts: Mapping[str, float] = field(default_factory=dict)
    """States with their own ``no_input_timeout`` (others use ``limits.no_input_timeout``)."""
    warnings: tuple[Problem, ...] = ()
    """What may go wrong on a call (located); errors are raised instead (compile/check)."""


_NAMED = re.compile(r"No (?:filter|test) named '([^']+)'")
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")


def e164_problem(number: str) -> tuple[str, str] | None:
    """Why ``number`` is not a valid E.164 phone number (message, hint), or None when it is.

    Used at load for a literal transfer number and, for a templated one, on the
    call right before the transfer is sent (``phonenumbers`` decides validity).
    """
    import phonenumbers  # lazy: only flows that transfer to a number need it

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and _E164.fullmatch(number) and not phonenumbers.is_valid_number(parsed):
        return (
            f"'{number}' is written as E.164 but is no phone number in use",
            "its country has no numbers in that range (a fictional or reserved one?): "
            "give a number the transfer can reach",
        )
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        return (
            f"'{number}' is not a valid phone number",
            "write it in E.164 form: '+', country code and number, e.g. +14155550100",
        )
    e164 = str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    if number != e164 or not _E164.fullmatch(number):
        return (f"'{number}' is not in E.164 form", f"write {e164}")
    return None


class _Compiler:
    def __init__(self, spec: FlowSpec, smap: SourceMap, file: FsPath | None) -> None:
        self.spec = spec
        self.smap = smap
        self.file = file
        self.problems: list[Problem] = []
        self.states: dict[str, StateSpec] = {}
        self.slot_specs: dict[str, SlotSpec] = {}
        self.origins: dict[str, Origin] = {}
        self.context_keys = set(spec.context)
        self.intents: dict[str, IntentMatcher] = {}
        self.uses: list[TemplateUse] = []  # every template, for the checks in compile/check
        self.warnings: list[Problem] = []
        self.bad_returns: set[str] = set()
        self.flow_cancel_say: tuple[CompiledTemplate | None] | None = None
        self.languages: list[str] = list(dict.fromkeys(spec.languages))  # first: the default

    # -- locating -----------------------------------------------------------------------
    def at(self, state: str | None, path: Path, *, key: bool = False) -> Location:
        if state is None:
            return self.smap.locate(path, key=key)
        origin = self.origins[state]
        return origin.smap.locate(("states", origin.name, *path), key=key)

    def named_at(self, loc: Location, message: str) -> Location:
        """An unknown filter or test is located at its name, in a block text too."""
        named = _NAMED.search(message)
        return self.smap.within(loc, named.group(1)) if named else loc

    def problem(self, loc: Location, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(loc, message, hint))

    # -- templates ----------------------------------------------------------------------
    def template(self, source: str, state: str | None, path: Path) -> CompiledTemplate | None:
        try:
            compiled = compile_template(source)
        except TemplateSyntaxProblem as exc:
            self.problem(self.named_at(self.at(state, path), str(exc)), str(exc))
            self.uses.append(TemplateUse(source, state, path))  # what still parses is checked
            return None
        if compiled.static is None:
            self.check_refs(source, state, path, expression=False)
            self.uses.append(TemplateUse(source, state, path))
        return compiled

    def expression(self, source: str, state: str | None, path: Path) -> CompiledExpr | None:
        try:
            compiled = compile_expression(source)
        except TemplateSyntaxProblem as exc:
            self.problem(self.at(state, path), str(exc).replace("template", "expression", 1))
            return None
        self.check_refs(source, state, path, expression=True)
        self.uses.append(TemplateUse(source, state, path, expression=True))
        return compiled

    def check_refs(self, source: str, state: str | None, path: Path, *, expression: bool) -> None:
        try:
            refs = references(source, expression=expression)
        except TemplateSyntaxProblem:
            return
        allowed = RUNTIME_NAMES | self.context_keys | _JINJA_GLOBALS
        for message in unknown_filters(source, expression=expression):
            self.problem(self.named_at(self.at(state, path), message), message)
        for type_name in spoken_types(source, expression=expression):
            try:
                get_type(type_name)
            except SlotTypeError as exc:
                self.problem(self.at(state, path), f"spoken: {exc}")
        dashed = _dashed_reads(source, [*self.slot_specs, *self.context_keys])
        for top, attr in refs:
            if top == "slots" and attr is not None and attr not in self.slot_specs:
                whole = dashed.get(attr)
                self.problem(
                    self.smap.within(self.at(state, path), attr),
                    f"unknown slot '{attr}' in template",
                    f"a '-' in a template is a minus: write slots['{whole}'], or name the slot "
                    f"{whole.replace('-', '_')}"
                    if whole
                    else did_you_mean(attr, self.slot_specs),
                )
            elif top not in allowed and any(f"-{top}" in w for w in dashed.values()):
                continue  # the rest of a dashed name, already explained
            elif top == "context" and attr is not None and attr not in self.context_keys:
                self.problem(
                    self.smap.within(self.at(state, path), attr),
                    f"unknown context value '{attr}' in template",
                    did_you_mean(attr, self.context_keys),
                )
            elif top not in allowed:
                self.problem(
                    self.smap.within(self.at(state, path), top),
                    f"unknown name '{top}' in template",
                    did_you_mean(top, allowed)
                    or "templates can read: slots, context, session, "
                    "results and the flow's context keys",
                )

    def lines(
        self,
        value: str | list[str] | Mapping[str, str | list[str]] | None,
        state: str | None,
        path: Path,
    ) -> tuple[CompiledTemplate, ...]:
        """Spoken lines, per language when the flow has several (compile/translations)."""
        return compile_lines(value, self.languages, path, *self.translating(state))

    def text(
        self, value: str | Mapping[str, str] | None, state: str | None, path: Path
    ) -> CompiledTemplate | None:
        """One spoken line, per language when the flow has several (compile/translations)."""
        return compile_text(value, self.languages, path, *self.translating(state))

    def translating(
        self, state: str | None
    ) -> tuple[
        Callable[[str, Path], CompiledTemplate | None], Callable[[Path, str, str | None], None]
    ]:
        def one(source: str, path: Path) -> CompiledTemplate | None:
            return self.template(source, state, path)

        def report(path: Path, message: str, hint: str | None) -> None:
            self.problem(self.at(state, path), message, hint)

        return one, report

    # -- references ---------------------------------------------------------------------
    def check_state_ref(self, target: str, state: str | None, path: Path) -> bool:
        if target in self.states:
            return True
        if target in self.bad_returns and state is not None and "." in state:
            return False  # a sub-flow returning to a using state's bad next: reported there
        self.problem(
            self.at(state, path), f"unknown state '{target}'", did_you_mean(target, self.states)
        )
        return False

    def check_intent(self, name: str, state: str | None, path: Path) -> IntentMatcher | None:
        matcher = self.intents.get(name)
        if matcher is None:
            self.problem(
                self.at(state, path),
                f"unknown intent '{name}'",
                did_you_mean(name, self.intents) or "declare it under 'intents' with phrases",
            )
        return matcher

    # -- passes -------------------------------------------------------------------------
    def run(self) -> CompiledGraph:
        expanded = expand(self.spec, self.smap, self.file)
        self.states, self.slot_specs, self.origins = (
            expanded.states,
            expanded.slots,
            expanded.origins,
        )
        self.problems.extend(expanded.problems)
        self.bad_returns = expanded.bad_returns
        if expanded.intents != self.spec.intents:  # a sub-flow's own intents join the flow's
            self.spec = self.spec.model_copy(update={"intents": expanded.intents})
        self.compile_intents()
        compiled_slots = self.compile_slots()
        if self.spec.start not in self.states:
            self.problem(
                self.smap.locate(("start",)),
                f"start state '{self.spec.start}' does not exist",
                did_you_mean(self.spec.start, self.states),
            )
        if self.spec.on_error is not None:
            self.check_state_ref(self.spec.on_error, None, ("on_error",))
        self.check_locale_language()
        if self.spec.on_cancel is not None:
            oc = self.spec.on_cancel
            if isinstance(oc, str):
                self.check_state_ref(oc, None, ("on_cancel",))
            else:
                self.check_state_ref(oc.to, None, ("on_cancel", "to"))
        globals_ = self.compile_globals(self.spec.global_, None, ("global",))
        persona = (
            self.template(self.spec.persona, None, ("persona",)) if self.spec.persona else None
        )
        messages = self.compile_messages()
        compiled: dict[str, CompiledState] = {}
        for name, state in self.states.items():
            compiled[name] = self.compile_state(name, state, globals_)
        if not self.problems:
            self.check_graph(compiled)
        self.warnings.extend(check_collect_intents(self.states, self.at).warnings)
        bound = check_registrations(
            self.spec, self.smap, self.states, self.spec.slots, self.at, self.file
        )
        self.warnings.extend(bound.warnings)
        limits = check_constraints(self.spec, self.slot_specs, self.states, self.at)
        self.problems.extend(limits.errors)
        self.warnings.extend(limits.warnings)
        if self.spec.start in compiled:  # every problem in one pass: names on any usable graph
            names = check_reads(self.spec, self.slot_specs, compiled, self.uses, self.at)
            self.problems.extend(names.errors)
            self.warnings.extend(names.warnings)
        if self.problems:
            raise FlowError(self.problems)
        edges = tuple(e for s in compiled.values() for e in _all_edges(s))
        edges += _call_edges(compiled)
        return CompiledGraph(
            states=compiled,
            slots=compiled_slots,
            intents=self.intents,
            persona=persona,
            messages=messages,
            edges=edges,
            flow_error_edge_target=self.spec.on_error,
            uses_llm=any(s.llm is not None for s in compiled.values()),
            no_input_timeouts={
                n: s.no_input_timeout
                for n, s in self.states.items()
                if s.no_input_timeout is not None and n in compiled
            },
            warnings=tuple(sorted(self.warnings, key=lambda p: (p.file, p.line, p.column))),
        )

    def compile_messages(self) -> dict[str, tuple[CompiledTemplate, ...]]:
        """The runtime's lines: the flow's own, else the shipped ones in its languages."""
        given = self.spec.messages.model_fields_set
        if self.languages == ["en"]:
            given = set(type(self.spec.messages).model_fields)  # the English defaults
        out: dict[str, tuple[CompiledTemplate, ...]] = {}
        unshipped: dict[str, list[str]] = {}
        for key in type(self.spec.messages).model_fields:
            if key in given:
                out[key] = self.lines(getattr(self.spec.messages, key), None, ("messages", key))
                continue
            shipped = builtin_message(key, self.languages)
            for lang in self.languages:
                if lang not in shipped:
                    unshipped.setdefault(lang, []).append(key)
            if self.languages[0] in shipped:
                one, _ = self.translating(None)  # a missing language is reported once, below
                out[key] = compile_lines(
                    shipped, self.languages, ("messages", key), one, lambda *_: None
                )
            else:  # reported below; the English default keeps the graph whole
                out[key] = self.lines(getattr(self.spec.messages, key), None, ("messages", key))
        for lang, keys in unshipped.items():
            self.problem(
                self.smap.locate(("languages", self.languages.index(lang))),
                f"no built-in messages in '{lang}' (shipped: en, es, de, fr, hi)",
                f"give these under 'messages' per language: {', '.join(keys)}",
            )
        return out

    def compile_intents(self) -> None:
        for name, phrases in BUILTIN_PHRASES.items():
            extra = self.flow_phrases(name)
            mine = builtin_phrases(name, self.languages)
            self.intents[name] = compile_intent(name, [*phrases, *mine, *extra])
        for name in self.spec.intents:
            if name not in BUILTIN_PHRASES:
                self.intents[name] = compile_intent(name, self.flow_phrases(name))

    def flow_phrases(self, name: str) -> list[str]:
        intent = self.spec.intents.get(name)
        if intent is None:
            return []
        _, report = self.translating(None)
        return intent_phrases(intent.phrases, self.languages, ("intents", name, "phrases"), report)

    def compile_slots(self) -> dict[str, CompiledSlot]:
        out: dict[str, CompiledSlot] = {}
        for name, slot in self.slot_specs.items():
            try:
                get_type(slot.type)
            except SlotTypeError as exc:
                self.problem(self.smap.locate(("slots", name, "type")), str(exc))
            mapped = slot.choice_map()
            choices = None if mapped is None else tuple(mapped.items())
            self.check_choice_languages(name, slot)
            if slot.pattern is not None:
                reason = backtracking_problem(slot.pattern)
                if reason is not None:
                    self.problem(
                        self.smap.locate(("slots", name, "pattern")),
                        f"this pattern can take exponential time on what callers say: {reason}",
                        "make each repetition unambiguous, or use a possessive repeat (a++) "
                        "or an atomic group (?>...)",
                    )
            prompts = self.lines(slot.prompt, None, ("slots", name, "prompt"))
            if not prompts and self.languages != ["en"]:
                self.problem(
                    self.smap.locate(("slots", name), key=True),
                    f"slot '{name}' has no prompt in {', '.join(map(repr, self.languages))}: "
                    "the default 'What is your ...?' is English",
                    "give 'prompt' per language",
                )
            if not prompts:
                spoken_name = name.replace("_", " ")
                prompts = (compile_template(f"What is your {spoken_name}?"),)
            said = tuple(
                (lang, tuple(words.items()))
                for lang in self.languages
                if (words := slot.choice_said(lang))
            )
            out[name] = CompiledSlot(name, slot, prompts, choices, _constraints(slot), said)
        return out

    def check_choice_languages(self, name: str, slot: SlotSpec) -> None:
        """Synonyms given for a language the flow does not speak would never be read back."""
        if not isinstance(slot.choices, dict):
            return
        for choice, synonyms in slot.choices.items():
            if not isinstance(synonyms, dict):
                continue
            for lang in synonyms:
                if lang not in self.languages:
                    self.problem(
                        self.smap.locate(("slots", name, "choices", choice, lang), key=True),
                        f"synonyms for '{lang}', which the flow does not speak "
                        f"(languages: {', '.join(self.languages)})",
                        "add the language to 'languages', or remove these synonyms",
                    )

    def compile_globals(
        self, rules: Iterable[GlobalRule], state: str | None, path: Path
    ) -> tuple[CompiledGlobal, ...]:
        out: list[CompiledGlobal] = []
        for i, rule in enumerate(rules):
            matcher = self.check_intent(rule.intent, state, (*path, i, "intent"))
            if rule.goto is not None:
                self.check_state_ref(rule.goto, state, (*path, i, "goto"))
            if rule.call is not None and self.check_state_ref(rule.call, state, (*path, i, "call")):
                self.check_digression(rule.call, state, (*path, i, "call"))
            say = self.text(rule.say, state, (*path, i, "say"))
            if matcher is not None:
                out.append(CompiledGlobal(matcher, rule.goto, say, rule.call))
        # built-in behaviours that need no configuration
        have = {g.intent.name for g in out}
        for builtin in ("repeat", "help", "never_mind"):
            if builtin not in have and state is None:
                out.append(CompiledGlobal(self.intents[builtin], None, None))
        return tuple(out)

    def check_locale_language(self) -> None:
        """``locale.language`` must agree with ``languages``, which decides what a call speaks.

        Without this a flow written ``locale: {language: es}`` would silently speak
        English (the default ``languages: [en]``).
        """
        locale = self.spec.locale
        if "language" not in locale.model_fields_set:
            return
        said = normalise_language(locale.language) or locale.language
        if said != self.languages[0]:
            self.problem(
                self.smap.locate(("locale", "language")),
                f"locale.language is '{locale.language}' but the flow's default language is "
                f"'{self.languages[0]}' (languages: {self.languages})",
                f"declare the languages the flow speaks: languages: [{said}, ...] "
                "(the first is the default), and drop locale.language",
            )

    def check_digression(self, target: str, state: str | None, path: Path) -> None:
        """A ``call:`` target must come back: some state it leads to has ``return: true``."""
        seen, todo = {target}, [target]
        while todo:
            spec = self.states[todo.pop()]
            if spec.return_:
                return
            for dst, _ in all_targets(spec):
                if dst in self.states and dst not in seen:
                    seen.add(dst)
                    todo.append(dst)
        self.problem(
            self.at(state, path),
            f"'call: {target}' never comes back: no state it leads to has 'return: true'",
            "end the digression with a speak or llm state with 'return: true', or use 'goto'",
        )

    def cancel_edge(
        self, name: str, own: str | CancelSpec | None, edge: Callable[..., Edge]
    ) -> Edge | None:
        """``on_cancel`` as an edge: the state's own, else the flow's (label says which)."""
        spec, label = own, "on_cancel"
        path: Path = ("on_cancel",)
        if spec is None:
            spec, label = self.spec.on_cancel, "flow on_cancel"
            if spec is None:
                return None
            target = spec if isinstance(spec, str) else spec.to
            if self.flow_cancel_say is None:  # compiled (and reported) once, shared by states
                self.flow_cancel_say = (self.cancel_say(spec, None, path),)
            return edge(target, "cancel", label=label, say=self.flow_cancel_say[0])
        target = spec if isinstance(spec, str) else spec.to
        if not self.check_state_ref(
            target, name, (*path, "to") if isinstance(spec, CancelSpec) else path
        ):
            return None
        return edge(target, "cancel", label=label, say=self.cancel_say(spec, name, path))

    def cancel_say(
        self, spec: str | CancelSpec, state: str | None, path: Path
    ) -> CompiledTemplate | None:
        if isinstance(spec, str) or spec.say is None:
            return None
        return self.text(spec.say, state, (*path, "say"))

    def compile_state(
        self, name: str, s: StateSpec, flow_globals: tuple[CompiledGlobal, ...]
    ) -> CompiledState:
        say = self.lines(s.say, name, ("say",))
        llm = self.template(s.llm, name, ("llm",)) if s.llm else None
        for i, slot in enumerate(s.collect or []):
            if slot not in self.slot_specs:
                self.problem(
                    self.at(name, ("collect", i)),
                    f"unknown slot '{slot}'",
                    did_you_mean(slot, self.slot_specs),
                )
        if s.end is not None and s.end not in (*BUILTIN_END_REASONS, *self.spec.end_reasons):
            self.problem(
                self.at(name, ("end",)),
                f"unknown end reason '{s.end}'",
                did_you_mean(s.end, (*BUILTIN_END_REASONS, *self.spec.end_reasons))
                or "declare custom reasons under 'end_reasons'",
            )
        for target, path in all_targets(s):
            self.check_state_ref(target, name, path)

        edges: list[Edge] = []
        seen_ids: dict[str, int] = {}
        tools: set[str] = set()
        kind = self.kind_of(s)

        def tool(dst: str) -> str:
            """A tool name for an edge the model may be offered: valid, unique in this state."""
            name = tool_name(dst, tools)
            tools.add(name)
            return name

        def edge(dst: str, kind: EdgeKind, **kw: Any) -> Edge:
            base = f"{name}->{dst}"
            n = seen_ids.get(base, 0)
            seen_ids[base] = n + 1
            return Edge(
                id=base if n == 0 else f"{base}#{n + 1}", src=name, dst=dst, kind=kind, **kw
            )

        for i, t in enumerate(s.transitions):
            t_say = self.text(t.say, name, ("transitions", i, "say"))
            for j, slot in enumerate(t.clear):
                if slot not in self.slot_specs:
                    self.problem(
                        self.at(name, ("transitions", i, "clear", j)),
                        f"unknown slot '{slot}'",
                        did_you_mean(slot, self.slot_specs),
                    )
            cleared = tuple(dict.fromkeys(c for c in t.clear if c in self.slot_specs))
            if t.when is not None:
                if s.llm is None:
                    self.problem(
                        self.at(name, ("transitions", i, "when")),
                        "'when' conditions are judged by the model: this state needs 'llm'",
                        "use 'if' for a deterministic condition",
                    )
                edges.append(
                    edge(t.to, "when", label=t.when, say=t_say, tool_name=tool(t.to), clear=cleared)
                )
            elif t.if_ is not None:
                expr = self.expression(t.if_, name, ("transitions", i, "if"))
                edges.append(edge(t.to, "if", label=t.if_, expr=expr, say=t_say, clear=cleared))
            elif t.intent is not None:
                matcher = self.check_intent(t.intent, name, ("transitions", i, "intent"))
                edges.append(
                    edge(t.to, "intent", label=t.intent, intent=matcher, say=t_say, clear=cleared)
                )
            else:
                offered = tool(t.to) if kind == "llm" else None
                edges.append(edge(t.to, "else", say=t_say, tool_name=offered, clear=cleared))
        next_edge = None
        if s.next:
            next_edge = edge(s.next, "next", tool_name=tool(s.next) if kind == "llm" else None)
        fail_edge = edge(s.on_fail, "fail") if s.on_fail else None
        err_target = s.on_error
        error_edge = edge(err_target, "error") if err_target else None

        listens = (
            s.listen
            if s.listen is not None
            else (
                kind in ("llm", "collect")
                or s.return_  # stops there; the turn then returns to the interrupted step
                or any(e.kind in ("intent", "when") for e in edges)
            )
        )
        passes_on = kind in ("action", "collect") or (kind == "speak" and not listens)
        only_if = bool(edges) and all(e.kind == "if" for e in edges)
        if passes_on and only_if and next_edge is None:
            self.problem(
                self.at(name, ("transitions",)),
                "no way out when no condition holds: every transition has 'if' and there is "
                "no otherwise or 'next', so a value no condition covers ends the call in error",
                "add a last transition without 'if', or 'next'",
            )
        if kind == "branch" and not any(e.kind == "else" for e in edges) and next_edge is None:
            self.problem(
                self.at(name, ("transitions",)),
                "this branch has no way out when no condition holds",
                "add a transition without 'if' (otherwise) or 'next'",
            )
        own = s.global_
        state_globals = flow_globals
        if own is not None:
            mine = self.compile_globals(own, name, ("global",))
            names = {g.intent.name for g in mine}
            state_globals = (*mine, *(g for g in flow_globals if g.intent.name not in names))
        for i, dis in enumerate(s.disable_global):
            self.check_intent(dis, name, ("disable_global", i))
        if s.disable_global:
            state_globals = tuple(g for g in state_globals if g.intent.name not in s.disable_global)

        # only a state that waits for the caller hears "never mind" (the turn loop's rules)
        waits = (
            bool(listens)
            and kind not in ("end", "transfer", "action", "subflow")
            and not s.return_  # goes back in the turn it is entered
        )
        if s.on_cancel is not None and not waits:
            self.problem(
                self.at(name, ("on_cancel",), key=True),
                "'on_cancel' is never heard here: this state does not wait for the caller",
                "put it on the state that asks (collect, llm, or listen: true)",
            )
        return CompiledState(
            name=name,
            kind=kind,
            say=say,
            llm=llm,
            collect=tuple(s.collect or ()),
            action=self.compile_action(name, s),
            transfer=self.compile_transfer(name, s),
            end_reason=s.end if s.end is not None else ("transferred" if s.transfer else None),
            edges=tuple(edges),
            next_edge=next_edge,
            fail_edge=fail_edge,
            error_edge=error_edge,
            pii=s.pii,
            pause_reason=s.pause_reason,
            listens=bool(listens) and kind not in ("end", "transfer", "action", "subflow"),
            retries=s.retries,
            globals=state_globals,
            cluster=self.origins[name].cluster,
            description=s.description,
            cancel_edge=self.cancel_edge(name, s.on_cancel, edge) if waits else None,
            returns=s.return_,
        )

    @staticmethod
    def kind_of(s: StateSpec) -> StateKind:
        if s.end is not None:
            return "end"
        if s.transfer is not None:
            return "transfer"
        if s.action is not None:
            return "action"
        if s.use is not None:
            return "subflow"
        if s.collect:
            return "collect"
        if s.llm is not None:
            return "llm"
        if (
            s.transitions
            and s.say is None
            and not s.listen
            and all(t.when is None and t.intent is None for t in s.transitions)
        ):
            return "branch"
        return "speak"

    def compile_action(self, name: str, s: StateSpec) -> CompiledAction | None:
        a = s.action
        if a is None:
            return None
        args = tuple(
            (k, self.template(v, name, ("action", "args", k)) if isinstance(v, str) else v)
            for k, v in a.args.items()
        )
        url = self.template(a.http.url, name, ("action", "http", "url")) if a.http else None
        holding = self.text(a.holding_line, name, ("action", "holding_line"))
        headers: list[tuple[str, CompiledTemplate]] = []
        body: object = None
        if a.http is not None:
            for k, v in a.http.headers.items():
                t = self.template(v, name, ("action", "http", "headers", k))
                if t is not None:
                    headers.append((k, t))
            body = self.json_templates(a.http.json_body, name, ("action", "http", "json"))
        filler = self.text(a.filler, name, ("action", "filler"))
        return CompiledAction(a, args, url, holding, a.result or name, tuple(headers), body, filler)

    def json_templates(self, value: object, state: str, path: Path) -> object:
        """Compile every string inside a JSON body, keeping its shape."""
        if isinstance(value, str):
            return self.template(value, state, path)
        if isinstance(value, dict):
            return {k: self.json_templates(v, state, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json_templates(v, state, (*path, i)) for i, v in enumerate(value)]
        return value

    def compile_transfer(self, name: str, s: StateSpec) -> CompiledTransfer | None:
        t = s.transfer
        if t is None:
            return None
        ann = self.text(t.announcement, name, ("transfer", "announcement"))
        if t.queue is not None:
            return CompiledTransfer("human", t.queue, t.mode, ann)
        if t.number is not None:
            number = self.template(t.number, name, ("transfer", "number"))
            if number is not None and number.static is not None:
                wrong = e164_problem(number.static)
                if wrong is not None:
                    self.problem(self.at(name, ("transfer", "number")), *wrong)
                number = None
            elif number is not None:
                self.check_context_number(number, name)
            return CompiledTransfer("number", t.number, t.mode, ann, number)
        assert t.agent is not None
        return CompiledTransfer("agent", t.agent, t.mode, ann)

    def check_context_number(self, number: CompiledTemplate, name: str) -> None:
        """A number template that reads only the flow's context is checked at load.

        ``transfer: {number: "{{ clinic.emergency_line }}"}`` validated (even
        ``--deep``) and failed on every call when the context's number was not
        one in use: the value is known here, so it is checked like a literal.
        """
        try:
            reads = references(number.source)
        except TemplateSyntaxProblem:
            return
        if not reads or any(top not in self.context_keys and top != "context" for top, _ in reads):
            return
        context = dict(self.spec.context)
        try:
            said = number.render({**context, "context": context}, state=name)
        except TemplateError as exc:
            self.problem(self.at(name, ("transfer", "number")), f"the transfer number fails: {exc}")
            return
        wrong = e164_problem(said)
        if wrong is not None:
            message, hint = wrong
            self.problem(
                self.at(name, ("transfer", "number")), f"{message} (from the flow's context)", hint
            )

    # -- graph checks -------------------------------------------------------------------
    def check_graph(self, states: Mapping[str, CompiledState]) -> None:
        start = self.spec.start
        flow_err = self.spec.on_error
        # reachability over every edge kind, globals included
        seen = {start}
        todo = [start]
        while todo:
            cur = states[todo.pop()]
            targets = [e.dst for e in _all_edges(cur)]
            targets += [g.goto for g in cur.globals if g.goto]
            targets += [g.call for g in cur.globals if g.call]
            if flow_err:
                targets.append(flow_err)
            for t in targets:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        for name in states:
            if name not in seen:
                self.problem(
                    self.at(name, ()),
                    f"state '{name}' is unreachable from '{start}'",
                    "remove it or add a transition to it",
                )
        for name, st in states.items():
            if st.terminal or st.returns:
                continue
            own = [e for e in _all_edges(st) if e.kind not in ("error", "cancel")]
            onward = [e for e in own if e.kind != "fail"]
            if not st.listens or st.kind == "collect":
                # it moves on by itself (a collect state once its slots are filled): a
                # global rule cannot take it anywhere, the caller is not listened to then
                if not onward:
                    self.problem(
                        self.at(name, ()),
                        f"state '{name}' is a dead end: it never ends the call and has no "
                        "way on once it "
                        + ("has its slots" if st.kind == "collect" else "has done its work"),
                        "add next, transitions, end or transfer",
                    )
            elif not own and not any(g.goto for g in st.globals):
                self.problem(
                    self.at(name, ()),
                    f"state '{name}' is a dead end: it never ends the call and has no way out",
                    "add next, transitions, end or transfer",
                )
        self.check_busy_cycles(states)

    def check_busy_cycles(self, states: Mapping[str, CompiledState]) -> None:
        """A loop of states that never wait for the caller would spin forever."""
        passing = {n for n, s in states.items() if not s.listens and not s.terminal}
        # a collect state only asks for empty slots: come round to it again and the
        # values it filled the first time let it pass straight on (nothing clears them)
        refill = {
            n
            for n, s in states.items()
            if s.kind == "collect"
            and s.collect
            and all(c in self.slot_specs and self.slot_specs[c].required for c in s.collect)
        }
        passing |= refill
        # an edge that empties a slot one of them collects makes that state ask again
        asked = {c for n in refill for c in states[n].collect}
        graph = {
            n: [
                e.dst
                for e in _all_edges(states[n])
                if e.kind in ("next", "if", "else")
                and e.dst in passing
                and not asked.intersection(e.clear)
            ]
            for n in passing
        }
        color: dict[str, int] = {}
        reported: set[frozenset[str]] = set()

        def report(cycle: list[str], m: str) -> None:
            key = frozenset(cycle)
            if key in reported:
                return
            reported.add(key)
            asks = [c for c in cycle if c in refill]
            self.problem(
                self.at(asks[0] if asks else m, ()),
                "these states loop without waiting for the caller: "
                + _loop_words([*cycle, m])
                + _refill_note(asks, states),
                _refill_hint(asks, states)
                or "make one of them listen (llm, collect, listen: true)",
            )

        # depth first without recursion: a chain of thousands of states is a valid flow
        for root in sorted(passing):
            if root in color:
                continue
            path: list[str] = [root]
            todo: list[Iterator[str]] = [iter(graph[root])]
            color[root] = 1
            while todo:
                m = next(todo[-1], None)
                if m is None:
                    todo.pop()
                    color[path.pop()] = 2
                elif color.get(m) == 1:
                    report(path[path.index(m) :], m)
                elif m not in color:
                    color[m] = 1
                    path.append(m)
                    todo.append(iter(graph[m]))


def _dashed_reads(source: str, names: Iterable[str]) -> dict[str, str]:
    """Dashed names a template reads as a minus: ``slots.card-number`` → {card: card-number}."""
    found: dict[str, str] = {}
    for name in names:
        if "-" in name and f".{name}" in source.replace(" ", ""):
            found.setdefault(name.split("-", 1)[0], name)
    return found


def _loop_words(loop: list[str], most: int = 12) -> str:
    """``a → b → c → a``; a long loop keeps its ends and says how many it leaves out."""
    if len(loop) <= most:
        return " → ".join(loop)
    head, tail = loop[: most // 2], loop[-(most // 2) :]
    return " → ".join([*head, f"… {len(loop) - len(head) - len(tail)} more …", *tail])


def _refill_note(asks: list[str], states: Mapping[str, CompiledState]) -> str:
    """Why a collect state on a loop does not wait: its slots are filled on the way round."""
    if not asks:
        return ""
    said = "; ".join(
        f"'{n}' collects {', '.join(states[n].collect)}, already filled when the call comes "
        "back to it, so it does not ask again"
        for n in asks[:3]
    )
    if len(asks) > 3:
        said += f"; and {len(asks) - 3} more collect states like them"
    return f" ({said})"


def _refill_hint(asks: list[str], states: Mapping[str, CompiledState]) -> str | None:
    """How to ask for a value again: empty it on the way back, or refuse it where it is asked."""
    if not asks:
        return None
    slots = list(dict.fromkeys(c for n in asks for c in states[n].collect))
    return (
        "a collect state only asks for empty slots: empty them on the transition that goes "
        f"back (clear: [{', '.join(slots)}]), or refuse an unwanted value where it is asked "
        f"(min/max, pattern or a validator on '{slots[0]}')"
    )


def _constraints(slot: SlotSpec) -> Constraints:
    return Constraints(
        min=slot.min,
        max=slot.max,
        future_only=slot.future_only,
        past_only=slot.past_only,
        pattern=slot.pattern,
        min_length=slot.min_length,
        max_length=slot.max_length,
    )


def _all_edges(s: CompiledState) -> list[Edge]:
    out = list(s.edges)
    for e in (s.next_edge, s.fail_edge, s.error_edge, s.cancel_edge):
        if e is not None:
            out.append(e)
    return out


def _call_edges(states: Mapping[str, CompiledState]) -> tuple[Edge, ...]:
    """The flow stack's moves, for the shared machine: into each ``call:`` and back.

    A call goes from every state whose rules have it to its target; a state
    with ``return: true`` may go back to any state a call can interrupt.
    """
    out: list[Edge] = []
    callers: list[str] = []
    for st in states.values():
        if not st.listens or st.returns:  # only a state that waits hears a rule; a
            continue  # returning state goes back in the turn it is entered
        calls = [g for g in st.globals if g.call is not None]
        if calls:
            callers.append(st.name)
        for g in calls:
            assert g.call is not None
            out.append(Edge(f"{st.name}->{g.call}~call:{g.intent.name}", st.name, g.call, "call"))
    for st in states.values():
        if st.returns:
            out.extend(Edge(f"{st.name}->{c}~return", st.name, c, "return") for c in callers)
    return tuple(out)


def compile_spec(spec: FlowSpec, smap: SourceMap, file: FsPath | None) -> CompiledGraph:
    """Compile a validated spec; raise ``FlowError`` with every problem found."""
    with one_parse_each():
        return _Compiler(spec, smap, file).run()
