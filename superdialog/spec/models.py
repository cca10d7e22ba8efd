"""The flow language v1: what users write in YAML, as strict pydantic models.

Every model forbids unknown keys (a typo is an error, never silently dropped)
and is frozen (a loaded flow is shared by all calls and must not change).
Field descriptions double as the JSON Schema users get from
``superdialog schema`` and as the source of ``docs/flow-language.md``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from superdialog.spec.languages import LangCode

__all__ = [
    "BUILTIN_END_REASONS",
    "BUILTIN_INTENTS",
    "ActionSpec",
    "CancelSpec",
    "FlowSpec",
    "GlobalRule",
    "HttpSpec",
    "IntentSpec",
    "LLMSettings",
    "Limits",
    "LocaleSpec",
    "Messages",
    "SlotSpec",
    "StateSpec",
    "TimeoutSettings",
    "TransferSpec",
    "TransitionSpec",
]

BUILTIN_END_REASONS: tuple[str, ...] = (
    "completed",
    "no_response",
    "error",
    "transferred",
    "max_duration",
)
"""End reasons every flow may use; flows add their own under ``end_reasons``."""

BUILTIN_INTENTS: tuple[str, ...] = (
    "human",
    "goodbye",
    "repeat",
    "start_over",
    "help",
    "never_mind",
)
"""Global intents with built-in example phrases (overridable under ``intents``)."""

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
Name = Annotated[str, Field(pattern=_NAME.pattern, max_length=64)]
Template = Annotated[str, Field(min_length=1)]
Text = Template | dict[LangCode, Template]
"""A spoken line: a template, or one per language (``{en: ..., es: ...}``)."""
Lines = Template | list[Template] | dict[LangCode, Template | list[Template]]
"""Spoken lines: one, a list of variants, or either per language."""
Synonyms = list[str] | dict[LangCode, list[str]]
"""An enum choice's other words: for every language, or per language (``{en: [...], es: [...]}``:
the first of a language is how the choice is read back to a caller speaking it)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TimeoutSettings(_Strict):
    """Time limits on one model call, in seconds."""

    connect: float = Field(3.0, gt=0, description="TCP/TLS connect timeout.")
    first_token: float = Field(
        6.0, gt=0, description="Longest wait for the first streamed token before retrying."
    )
    total: float = Field(30.0, gt=0, description="Longest a whole model call may take.")


class LLMSettings(_Strict):
    """Which OpenAI-compatible model LLM states use, and how."""

    model: str = Field("gpt-4.1-mini", description="Model name sent to the endpoint.")
    base_url: str | None = Field(
        None, description="Endpoint base URL; default: OPENAI_BASE_URL or OpenAI's."
    )
    api_key_env: str = Field(
        "OPENAI_API_KEY", description="Environment variable holding the API key."
    )
    temperature: float | None = Field(0.3, ge=0, le=2, description="Sampling temperature.")
    max_tokens: int | None = Field(None, gt=0, description="Cap on reply tokens.")
    params: dict[str, Any] = Field(
        default_factory=dict, description="Extra request parameters passed through (top_p…)."
    )
    timeouts: TimeoutSettings = Field(
        default_factory=TimeoutSettings, description="Connect / first-token / total limits."
    )
    retries: int = Field(2, ge=0, le=10, description="Retries before the first token only.")
    history_turns: int = Field(
        12, ge=1, le=200, description="How many past exchanges the prompt keeps."
    )


class LocaleSpec(_Strict):
    """Language, phone region and time zone slot parsing assumes."""

    language: str = Field("en", description="Language of the call (BCP 47).")
    region: str = Field("US", description="Default phone/postal region (ISO 3166 alpha-2).")
    timezone: str = Field("UTC", description="IANA time zone for dates and times.")


class SlotSpec(_Strict):
    """A value the flow collects from the caller."""

    type: str = Field(
        "text",
        description="Slot type: number, amount, digits, phone, email, date, time, datetime, "
        "yes_no, enum, name, card_number, postal_code, text, or a custom registered type.",
    )
    description: str | None = Field(None, description="What the value is (shown to the LLM).")
    prompt: Lines | None = Field(
        None,
        description="How to ask; a list gives varied wording for re-asks. "
        "Default: 'What is your <slot name>?'.",
    )
    confirm: bool = Field(False, description="Read the value back and ask yes/no.")
    pii: bool = Field(False, description="Never log, trace or show the value in clear text.")
    mask: Literal["full", "last4", "last2"] = Field(
        "full", description="How a PII value is shown where it must appear."
    )
    send_to_llm: bool = Field(
        False, description="Allow a PII value into model prompts (off by default)."
    )
    required: bool = Field(True, description="Must be filled before the state moves on.")
    min: Any = Field(None, description="Lowest allowed value (number, amount, date…).")
    max: Any = Field(None, description="Highest allowed value.")
    future_only: bool = Field(False, description="Dates/times must be in the future.")
    past_only: bool = Field(False, description="Dates must be in the past (birth dates).")
    pattern: str | None = Field(None, description="Regular expression the value must match.")
    min_length: int | None = Field(None, ge=0, description="Shortest allowed value (characters).")
    max_length: int | None = Field(None, ge=0, description="Longest allowed value (characters).")
    choices: dict[str, Synonyms] | list[str] | None = Field(
        None,
        description="Enum choices: a list, or a mapping of choice → synonyms (a list for every "
        "language, or one list per language; a language's first synonym is how the choice is "
        "read back in that language).",
    )
    llm_fallback: bool = Field(
        True, description="Let an LLM state extract it when the type cannot decide."
    )
    retries: int | None = Field(None, ge=0, description="Overrides the state's retries.")
    validator: str | None = Field(
        None, description="Name of a Python validator registered with superdialog.validator."
    )
    validator_timeout: float = Field(
        2.0, gt=0, le=30, description="Seconds a validator may take before the value is refused."
    )

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except (re.error, RecursionError, OverflowError) as exc:  # nesting, huge {n}
                raise ValueError(f"invalid regular expression: {exc}") from None
        return value

    def choice_map(self) -> dict[str, tuple[str, ...]] | None:
        """Each choice and every synonym it has, in every language.

        All of them count when a caller answers, whatever the call's language:
        callers mix languages ("inside" in a Spanish call).
        """
        if self.choices is None:
            return None
        if isinstance(self.choices, list):
            return {c: () for c in self.choices}
        out: dict[str, tuple[str, ...]] = {}
        for choice, synonyms in self.choices.items():
            if isinstance(synonyms, dict):
                words = [w for per_language in synonyms.values() for w in per_language]
                out[choice] = tuple(dict.fromkeys(words))
            else:
                out[choice] = tuple(synonyms)
        return out

    def choice_said(self, language: str) -> dict[str, str]:
        """How each choice is read back in ``language``: its first synonym given for it."""
        if not isinstance(self.choices, dict):
            return {}
        return {
            choice: synonyms[language][0]
            for choice, synonyms in self.choices.items()
            if isinstance(synonyms, dict) and synonyms.get(language)
        }

    @model_validator(mode="after")
    def _enum_needs_choices(self) -> SlotSpec:
        if self.type == "enum" and not self.choices:
            raise ValueError("an enum slot needs 'choices'")
        if self.future_only and self.past_only:
            raise ValueError("'future_only' and 'past_only' exclude each other")
        return self


class IntentSpec(_Strict):
    """A caller intent recognised by example phrases, without a model call."""

    phrases: (
        list[Annotated[str, Field(min_length=1)]]
        | dict[LangCode, list[Annotated[str, Field(min_length=1)]]]
    ) = Field(
        min_length=1,
        description="Example phrases, matched as whole words; or a list per language "
        "({en: [...], es: [...]}).",
    )
    description: str | None = Field(None, description="What the intent means.")


class GlobalRule(_Strict):
    """What a global intent does, checked in every state before its own transitions."""

    intent: Name = Field(description="Built-in or declared intent name.")
    goto: Name | None = Field(None, description="State to go to.")
    call: Name | None = Field(
        None,
        description="State to visit and come back from (a digression): it runs until a "
        "state with 'return: true', then the interrupted question is asked again.",
    )
    say: Text | None = Field(None, description="Line to speak (then stay).")

    @model_validator(mode="after")
    def _has_effect(self) -> GlobalRule:
        if self.goto is not None and self.call is not None:
            raise ValueError("a global rule takes 'goto' (leave) or 'call' (come back), not both")
        builtin = self.intent in ("repeat", "help", "never_mind")
        if self.goto is None and self.call is None and self.say is None and not builtin:
            raise ValueError("a global rule needs 'goto', 'call' or 'say'")
        return self


class CancelSpec(_Strict):
    """What "never mind" does: an optional line, then a state."""

    to: Name = Field(description="State to go to.")
    say: Text | None = Field(None, description="Line spoken on the way.")


class TransitionSpec(_Strict):
    """An edge out of a state.

    Exactly one of ``when`` (judged by the model), ``if`` (an expression over
    slots, context, session data and action results) or ``intent`` (phrase
    match) may be given; none means "otherwise".
    """

    to: Name = Field(description="Target state.")
    when: str | None = Field(None, description="Natural-language condition judged by the LLM.")
    if_: str | None = Field(
        None, alias="if", description="Jinja2 expression, e.g. slots.age >= 18."
    )
    intent: Name | None = Field(None, description="Intent name matched by phrases.")
    say: Text | None = Field(None, description="Line spoken when taking this edge.")
    clear: list[Name] = Field(
        default_factory=list,
        description="Slots emptied when taking this edge, so the states they lead to ask "
        "for them again (a read-back the caller said no to).",
    )

    @model_validator(mode="after")
    def _one_condition(self) -> TransitionSpec:
        given = [k for k in ("when", "if_", "intent") if getattr(self, k) is not None]
        if len(given) > 1:
            names = ", ".join("if" if k == "if_" else k for k in given)
            raise ValueError(f"give only one of when / if / intent (got {names})")
        return self


class HttpSpec(_Strict):
    """An HTTP call made by an action state; string values are templates."""

    url: Template = Field(description="Endpoint URL (template).")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = Field(
        "POST", description="HTTP method; GET sends the body as query parameters."
    )
    headers: dict[str, str] = Field(default_factory=dict, description="Headers (templates).")
    json_body: Any = Field(
        None, alias="json", description="JSON body (templates); default: the action's args."
    )
    follow_redirects: bool = Field(
        False,
        description="Follow 3xx redirects (same scheme only); otherwise a redirect is a failure.",
    )
    max_response_bytes: int = Field(
        1_000_000,
        gt=0,
        le=100_000_000,
        description="Largest response body read; a bigger one fails the action.",
    )


class ActionSpec(_Strict):
    """Run a registered Python callable or an HTTP call; store and branch on its result."""

    call: Name | None = Field(None, description="Name registered with superdialog.action.")
    http: HttpSpec | None = Field(None, description="Call an HTTP endpoint instead.")
    args: dict[str, Any] = Field(
        default_factory=dict, description="Arguments; string values are templates."
    )
    timeout: float = Field(5.0, gt=0, le=120, description="Seconds before the action fails.")
    result: Name | None = Field(
        None, description="Name to store the result under (results.<name>); default: state name."
    )
    returns: dict[Name, Any] | None = Field(
        None,
        description="The shape of the result, when you want its fields checked: field → "
        "type (text, number, boolean, list, mapping, any) or a nested mapping. validate "
        "then refuses results.<name>.<field> reads of fields it does not list.",
    )
    holding_line: Text | None = Field(
        None, description="Spoken when the action is still running after holding_after seconds."
    )
    holding_after: float = Field(1.0, ge=0, description="Seconds before the holding line.")
    filler: Text | None = Field(
        None,
        description="Phrase passed to session.set_filler (a template; per language like any "
        "spoken text).",
    )
    pii: bool | list[str] = Field(
        False,
        description="The result holds personal data: true for all of it, or the dotted paths "
        "of the fields that do (e.g. [dob, address.postcode]). Those values are masked "
        "wherever they turn up, like PII slots.",
    )

    @model_validator(mode="after")
    def _one_target(self) -> ActionSpec:
        if (self.call is None) == (self.http is None):
            raise ValueError("an action needs exactly one of 'call' or 'http'")
        return self


class TransferSpec(_Strict):
    """Hand the call to a human queue, another agent or a phone number."""

    queue: str | None = Field(None, min_length=1, description="Human queue (transfer_to_human).")
    agent: str | None = Field(None, min_length=1, description="Agent id (transfer_to_agent).")
    number: str | None = Field(
        None,
        min_length=1,
        description="Phone number in E.164 form (+14155550100), or a template giving one "
        "(checked before the transfer is sent; an invalid number takes the error path).",
    )
    mode: Literal["cold", "warm"] = Field(
        "cold", description="cold: hand off now; warm: announced to the receiving side."
    )
    announcement: Text | None = Field(
        None, description="Warm transfers: what the receiving side hears."
    )

    @model_validator(mode="after")
    def _one_target(self) -> TransferSpec:
        if sum(x is not None for x in (self.queue, self.agent, self.number)) != 1:
            raise ValueError("a transfer needs exactly one of 'queue', 'agent' or 'number'")
        return self


class StateSpec(_Strict):
    """One state. Its kind follows from its keys (see docs/flow-language.md)."""

    description: str | None = Field(None, description="Notes for people (shown in diagrams).")
    say: Lines | None = Field(None, description="Spoken on entry; a list varies re-entries.")
    llm: Template | None = Field(None, description="Instruction: makes this an LLM state.")
    collect: list[Name] | None = Field(None, description="Slots to fill here.")
    action: ActionSpec | None = Field(None, description="Makes this an action state.")
    use: str | None = Field(None, description="Sub-flow file to run here (relative path).")
    transitions: list[TransitionSpec] = Field(
        default_factory=list, description="Edges out, tried in order."
    )
    next: Name | None = Field(None, description="Where to go when this state is done.")
    end: Name | None = Field(None, description="End the call with this reason.")
    transfer: TransferSpec | None = Field(None, description="Makes this a transfer state.")
    pii: bool = Field(False, description="Pause call recording while in this state.")
    pause_reason: str = Field("pii", description="Reason sent with recording.pause.")
    listen: bool | None = Field(
        None, description="Wait for the caller after speaking (default: only when needed)."
    )
    retries: int = Field(2, ge=0, le=10, description="Re-asks per slot before on_fail.")
    on_fail: Name | None = Field(None, description="Where to go when retries run out.")
    on_error: Name | None = Field(None, description="Where to go when something fails.")
    no_input_timeout: float | None = Field(
        None,
        gt=0,
        le=600,
        description="Seconds of caller silence here before the no-input handling "
        "(live calls; default: limits.no_input_timeout).",
    )
    global_: list[GlobalRule] | None = Field(
        None, alias="global", description="Per-state global rules (override by intent)."
    )
    disable_global: list[Name] = Field(
        default_factory=list, description="Global intents not active in this state."
    )
    on_cancel: Name | CancelSpec | None = Field(
        None,
        description="What 'never mind' / 'forget it' does here: a state, or {say, to}. "
        "Default: the flow's on_cancel, else the built-in (see Repairs).",
    )
    return_: bool = Field(
        False,
        alias="return",
        description="End of a digression: go back to the state that called it and ask "
        "its question again (speak and llm states, instead of next/transitions).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> StateSpec:
        kinds = [
            k
            for k, on in (
                ("llm", self.llm is not None),
                ("action", self.action is not None),
                ("use", self.use is not None),
                ("end", self.end is not None),
                ("transfer", self.transfer is not None),
            )
            if on
        ]
        if len(kinds) > 1:
            raise ValueError(
                f"a state can be only one of llm / action / use / end / transfer "
                f"(got {', '.join(kinds)})"
            )
        terminal = self.end is not None or self.transfer is not None
        if terminal and (self.next or self.transitions or self.collect):
            raise ValueError("an end or transfer state cannot have next, transitions or collect")
        if self.collect is not None and self.action is not None:
            raise ValueError("a state cannot both collect and run an action")
        other = terminal or self.action is not None or self.use is not None
        if self.return_ and (self.next or self.transitions or self.collect or other):
            raise ValueError(
                "'return: true' ends a digression: only on a speak or llm state without "
                "next, transitions or collect"
            )
        return self


class Messages(_Strict):
    """Lines the runtime speaks on its own; all are templates."""

    no_input: Lines = Field(
        "Sorry, I didn't hear anything.", description="Said on silence, before the question."
    )
    not_understood: Lines = Field(
        ["Sorry, I didn't catch that.", "Sorry, could you say that again?"],
        description="Said when an answer gives nothing usable, before the question.",
    )
    error: Text = Field(
        "I'm sorry, something went wrong on our side.",
        description="Apology before ending with reason 'error' (no error path).",
    )
    llm_fallback: Text = Field(
        "Sorry, give me a moment.",
        description="Said when the model is unreachable, before taking the error path.",
    )
    help: Text = Field(
        "I can help you with this call. You can also ask for a person at any time.",
        description="Answer to the built-in 'help' intent, before the question.",
    )
    max_duration: Text = Field(
        "I'm sorry, we've run out of time on this call. Goodbye.",
        description="Closing line when max_turns or max_duration is reached.",
    )
    no_response: Text = Field(
        "I haven't heard from you, so I'll end the call now. Goodbye.",
        description="Closing line after too many silent turns.",
    )
    not_understood_end: Text = Field(
        "I'm sorry, I'm having trouble understanding, so I'll end the call now. Goodbye.",
        description="Closing line when a question's retries run out and the state has no "
        "on_fail (nor the flow an on_error) to go to; the reason is 'no_response'.",
    )
    confirm: Text = Field(
        "I have {{ value }}. Is that right?",
        description="Read-back of a confirm: true slot ('value' and 'slot' are set).",
    )
    confirm_again: Text = Field(
        "Okay, let's try that again.",
        description="Said when the caller says no to a read-back, before the question again.",
    )
    confirm_unclear: Text = Field(
        "Sorry, was that a yes or a no?",
        description="Said when an answer to a read-back is neither yes nor no, before the "
        "read-back again.",
    )
    corrected: Text = Field(
        "Okay, I've changed the {{ slot }} to {{ value }}.",
        description="Said when the caller corrects a slot that needs no read-back "
        "('value' and 'slot' are set).",
    )
    cancelled: Lines = Field(
        "Okay, never mind.",
        description="Said when the caller cancels ('never mind') and the flow gives no "
        "on_cancel line, before the question.",
    )
    resume: Text = Field(
        "Now,",
        description="Said before the interrupted question when a digression returns.",
    )


class Limits(_Strict):
    """Bounds that end a call that is going nowhere."""

    max_turns: int | None = Field(60, gt=0, description="Caller turns before max_duration.")
    max_duration: float | None = Field(1800.0, gt=0, description="Seconds before max_duration.")
    no_input: int = Field(3, ge=1, description="Silent turns in a row before no_response.")
    no_input_timeout: float = Field(
        5.0,
        gt=0,
        le=600,
        description="Seconds of caller silence in a live call before the no-input handling "
        "(timed from the end of the agent's speech; states may override).",
    )
    max_utterance_chars: int = Field(
        2000,
        ge=20,
        le=100_000,
        description="Longest caller utterance handled; the rest is cut off (the trace says so).",
    )


class FlowSpec(_Strict):
    """A whole flow file."""

    schema_: str | None = Field(None, alias="$schema", description="Editor schema hint; ignored.")
    flow: Name = Field(description="Flow name.")
    version: str | None = Field(None, description="Your version label for the script.")
    description: str | None = Field(None, description="What the flow is for (shown in docs).")
    llm: LLMSettings = Field(
        default_factory=LLMSettings, description="Model settings for LLM states."
    )
    persona: Template | None = Field(None, description="System prompt for every LLM state.")
    context: dict[str, Any] = Field(
        default_factory=dict, description="Constant values templates can read."
    )
    session: list[Name] | None = Field(
        None,
        description="Keys of the host's session data the flow reads (session.<key>); when "
        "given, validate refuses reads of keys not listed.",
    )
    languages: list[LangCode] = Field(
        default_factory=lambda: ["en"],
        min_length=1,
        description="Languages the flow speaks; the first is the default. Every spoken text "
        "must then be given per language ({en: ..., es: ...}); see docs/languages.md.",
    )
    translations: dict[LangCode, str] = Field(
        default_factory=dict,
        description="Message files beside the flow, by language ({es: booking.es.yaml}): "
        "each gives that language's texts by where they are (states.greet.say: ...), "
        "merged at load as if written inline; see docs/languages.md.",
    )
    detect_language: bool = Field(
        False,
        description="Guess the caller's language from their words when the host reports "
        "none (script and common words of the declared languages; switches only on clear "
        "evidence); see docs/languages.md.",
    )
    locale: LocaleSpec = Field(
        default_factory=LocaleSpec, description="Language, region and time zone."
    )
    slots: dict[Name, SlotSpec] = Field(
        default_factory=dict, description="Values the flow collects, by name."
    )
    intents: dict[Name, IntentSpec] = Field(
        default_factory=dict, description="Custom intents, or new phrases for built-in ones."
    )
    global_: list[GlobalRule] = Field(
        default_factory=list,
        alias="global",
        description="Intents checked in every state before its own transitions.",
    )
    start: Name = Field(description="The state a call starts in.")
    states: dict[Name, StateSpec] = Field(min_length=1, description="The states, by name.")
    messages: Messages = Field(
        default_factory=Messages, description="Lines the runtime speaks on its own."
    )
    limits: Limits = Field(default_factory=Limits, description="Bounds on a call.")
    on_error: Name | None = Field(None, description="Flow-wide error state.")
    on_cancel: Name | CancelSpec | None = Field(
        None,
        description="Where 'never mind' / 'forget it' goes in states without their own "
        "on_cancel: a state, or {say, to}. Default: the built-in (see Repairs).",
    )
    end_reasons: list[Name] = Field(
        default_factory=list, description="Custom end reasons beside the built-in ones."
    )
    python: list[str] = Field(
        default_factory=list,
        description="Python files (relative to this file) imported at load; they register "
        "actions and validators with @superdialog.action / @superdialog.validator.",
    )
