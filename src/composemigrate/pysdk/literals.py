"""Literal values in Python source: read them statically, write new ones in the file's quotes."""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

_SNIPPET = 60


def literal_str(node: cst.CSTNode) -> str | None:
    """The value of a plain string literal (implicit concatenation included), else None."""
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def literal_int(node: cst.CSTNode) -> int | None:
    """The value of an integer literal such as ``2`` or ``-1``, else None."""
    if isinstance(node, cst.Integer):
        return int(node.evaluated_value)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        value = literal_int(node.expression)
        return None if value is None else -value
    return None


def literal_strs(node: cst.CSTNode) -> tuple[str, ...] | None:
    """The values of a list literal of plain strings, else None."""
    if not isinstance(node, cst.List):
        return None
    values = []
    for element in node.elements:
        value = literal_str(element.value) if isinstance(element, cst.Element) else None
        if value is None:
            return None
        values.append(value)
    return tuple(values)


def quote_of(node: cst.CSTNode, default: str = '"') -> str:
    """The quote character of the first string literal in ``node``."""
    for string in m.findall(node, m.SimpleString()):
        return cst.ensure_type(string, cst.SimpleString).quote[0]
    return default


def string(value: str, quote: str) -> str:
    """Source text of a string literal holding ``value``, in ``quote`` when no escape is needed."""
    if quote in value or "\\" in value or not value.isprintable():
        return repr(value)
    return f"{quote}{value}{quote}"


def snippet(node: cst.CSTNode) -> str:
    """Short source text of ``node`` for messages (without the comma after it)."""
    if isinstance(node, cst.Arg | cst.BaseElement | cst.BaseDictElement):
        node = node.with_changes(comma=cst.MaybeSentinel.DEFAULT)
    text = " ".join(cst.Module([]).code_for_node(node).split())
    return text if len(text) <= _SNIPPET else text[: _SNIPPET - 3] + "..."
