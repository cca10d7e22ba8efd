"""Which language a diagram shows a flow's spoken texts in.

A flow with ``languages: [en, es, hi]`` says every line in each of them; the
people who review the Spanish call want to read the Spanish lines. The
diagram's own words (the legend, "SAYS", "hears", "otherwise") stay English:
they describe the flow's structure, which is the same in every language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from superdialog.compile.translations import for_language
from superdialog.errors import Location, RenderError

if TYPE_CHECKING:
    from superdialog.compile.compiled import CompiledFlow
    from superdialog.compile.templates import CompiledTemplate

__all__ = ["diagram_language", "source_in"]


def diagram_language(flow: CompiledFlow, language: str | None) -> str:
    """The declared language to draw ``flow`` in: ``language``, or the flow's default.

    Tags are read as the call reads them ("es-ES", "es_MX" and "ES" are "es").

    Raises:
        RenderError: ``language`` is not one the flow declares; the message
            starts with where ``languages:`` is written in the flow file.

    """
    declared = list(dict.fromkeys(flow.spec.languages)) or ["en"]
    if language is None:
        return declared[0]
    code = language.strip().replace("_", "-").split("-", 1)[0].lower()
    if code in declared:
        return code
    where = (
        flow.source_map.locate(("languages",))
        if flow.source_map is not None
        else Location(flow.file, 1, 1)
    )
    raise RenderError(
        f"{where}: flow '{flow.name}' does not speak {language!r}: "
        f"its languages are {', '.join(declared)} (the first, {declared[0]}, is drawn when "
        "no language is given)"
    )


def source_in(template: CompiledTemplate, language: str) -> str:
    """The source of ``template`` as written for ``language`` (the only form a diagram reads)."""
    return for_language(template, language).source
