"""Edits as spans of the original text, applied in one pass."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``new`` (an insertion when start == end)."""

    start: int
    end: int
    new: str


class EditConflict(Exception):
    """Two edits touch the same text: applying both would be a guess."""


def apply(text: str, edits: Iterable[Edit]) -> str:
    """Apply edits that do not overlap; identical ones count once (a shared anchor edited twice).

    Insertions at the same offset keep the order they were given in.
    """
    ordered = sorted(dict.fromkeys(edits), key=lambda edit: (edit.start, edit.end))
    out: list[str] = []
    position = 0
    for edit in ordered:
        if edit.start < position:
            raise EditConflict(f"edits overlap at offset {edit.start}")
        out.append(text[position : edit.start])
        out.append(edit.new)
        position = edit.end
    out.append(text[position:])
    return "".join(out)
