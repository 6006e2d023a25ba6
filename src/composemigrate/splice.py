"""Edits that know nothing of GPUs: scalars every YAML reader takes as the same string, and
items added to a list in the list's own style."""

from __future__ import annotations

import re

from composemigrate import yamldoc
from composemigrate.edits import Edit
from composemigrate.service import Place, ServiceView, block_edit, end_place
from composemigrate.yamldoc import Node

_PLAIN_SAFE = re.compile(r"^[A-Za-z_][A-Za-z0-9_./=-]*$")
_ID_LIST = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.,:/=-]*,[A-Za-z0-9_.,:/=-]*$")
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
"""What a double-quoted scalar must escape to keep (a raw line break folds to a space)."""
_NOT_STRINGS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def scalar(value: str, *, flow: bool = True) -> str:
    """A YAML scalar that every YAML 1.1 and 1.2 reader takes as this very string.

    Plain where that is safe (a comma list such as ``0,3`` only outside flow collections, where a
    comma would end it), double-quoted otherwise.
    """
    if _PLAIN_SAFE.match(value) and value.lower() not in _NOT_STRINGS:
        return value
    if not flow and _ID_LIST.match(value):
        return value
    return double_quoted(value)


def double_quoted(value: str) -> str:
    """``value`` as a double-quoted YAML scalar that reads back as exactly ``value``."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(_ESCAPES.get(char, char) for char in escaped) + '"'


def append_items(view: ServiceView, sequence: Node, values: list[str]) -> Edit:
    """``values`` added at the end of an existing list in its own form: before the bracket of a
    flow list, else one line each at the dash column of its first item."""
    lines = view.lines
    if yamldoc.is_flow(sequence) or not sequence.value:
        close = int(sequence.end_mark.index) - 1
        separator = ", " if sequence.value else ""
        return Edit(close, close, separator + ", ".join(scalar(value) for value in values))
    start = yamldoc.content_start(sequence.value[0])
    column = lines.col_of(lines.text.rfind("-", lines.start(lines.line_of(start)), start))
    new = [f"{' ' * column}- {scalar(value, flow=False)}" for value in values]
    at = end_place(view, sequence)
    return block_edit(lines, Place(sequence, at.offset, column), new)
