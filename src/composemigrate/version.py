"""The top-level ``version:`` key: kept by default, dropped on request, and checked against the
GPU form being written, since older docker-compose releases read each form only under some
versions."""

from __future__ import annotations

from composemigrate import layout, refusals, yamldoc
from composemigrate.edits import Edit
from composemigrate.forms import SPECS
from composemigrate.gpu import Form
from composemigrate.result import Finding
from composemigrate.yamldoc import Lines, Node


def _version(root: Node) -> tuple[Node, Node] | None:
    found = yamldoc.entries(root).get("version") if yamldoc.is_mapping(root) else None
    return (found.key, found.value) if found and found.owner is root else None


def drop(root: Node, lines: Lines) -> list[Edit]:
    """Delete the top-level ``version:`` line (obsolete in Compose v2); comments above stay."""
    pair = _version(root)
    span = layout.pair_span(lines, *pair) if pair else None
    return [layout.delete(lines, span.first, span.last)] if span else []


def warning(root: Node, lines: Lines, target: Form) -> Finding | None:
    """A warning when the declared version is one that older tools read without the target form."""
    pair = _version(root)
    value = yamldoc.text_of(pair[1]) if pair else None
    if pair is None or value is None:
        return None
    prefix, reason = SPECS[target].version
    if not value.startswith(prefix):
        return None
    line, col = lines.where(int(pair[0].start_mark.index))
    return Finding(line, col, f"version {value!r}: {reason}", refusals.FILE_VERSION)
