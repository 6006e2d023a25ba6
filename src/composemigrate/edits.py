"""Edits as spans of the original text, applied in one pass."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``text[start:end]`` with ``new`` (an insertion when start == end)."""

    start: int
    end: int
    new: str


class EditConflict(Exception):
    """Two edits touch the same text: applying both would be a guess."""


def apply(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits; identical edits count once (a shared anchor edited twice)."""
    ordered = sorted(set(edits))
    out: list[str] = []
    position = 0
    previous: Edit | None = None
    for edit in ordered:
        if previous is not None and (
            edit.start < previous.end or (edit.start == previous.start == previous.end == edit.end)
        ):
            raise EditConflict(f"edits overlap at offset {edit.start}")
        out.append(text[position : edit.start])
        out.append(edit.new)
        position = edit.end
        previous = edit
    out.append(text[position:])
    return "".join(out)
