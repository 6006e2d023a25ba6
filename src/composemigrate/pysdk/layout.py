"""Edits of comma-separated sequences (call arguments, list, dict and import items), keeping layout.

libcst keeps the whitespace between items in their commas and in the brackets. A sequence is read
into a neutral ``Layout`` (the items and the whitespace around each of them), edited there and
written back, so that removing, replacing or adding an item leaves the surrounding lines,
indentation and comments as they were: a removed item's line goes away, its comments stay (the
comments inside a removed or replaced item move onto lines of their own before its place).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import libcst as cst
import libcst.matchers as m

Whitespace = cst.BaseParenthesizableWhitespace
Bracketed = cst.List | cst.Dict | cst.ImportFrom
Node = TypeVar("Node", bound=Bracketed)
_NONE = cst.SimpleWhitespace("")


@dataclass(frozen=True)
class Layout:
    """``spaces[i]`` comes before ``items[i]``; the last one comes before the closing bracket."""

    items: tuple[cst.CSTNode, ...]
    spaces: tuple[Whitespace, ...]
    trailing_comma: bool

    def without(self, index: int) -> Layout:
        """The layout with one item removed; the whitespace on both sides of it is merged."""
        last = len(self.items) - 1
        before = _with_comments(self.spaces[index], _comments(self.items[index]))
        merged = _merge(before, self.spaces[index + 1], opening=index == 0, closing=index == last)
        return Layout(
            self.items[:index] + self.items[index + 1 :],
            (*self.spaces[:index], merged, *self.spaces[index + 2 :]),
            self.trailing_comma,
        )

    def replaced(self, index: int, item: cst.CSTNode) -> Layout:
        """The layout with item ``index`` replaced; comments only the old item had are kept."""
        kept = set(_comments(item))
        lost = [comment for comment in _comments(self.items[index]) if comment not in kept]
        spaces = list(self.spaces)
        spaces[index] = _with_comments(spaces[index], lost)
        items = (*self.items[:index], item, *self.items[index + 1 :])
        return Layout(items, tuple(spaces), self.trailing_comma)

    def with_item_after(self, index: int, item: cst.CSTNode) -> Layout:
        """The layout with ``item`` added after item ``index``, laid out like its neighbours."""
        spaces = self.spaces
        if index == len(self.items) - 1:
            before = spaces[index]
            if index > 0 or isinstance(before, cst.ParenthesizedWhitespace):
                separator = _plain(before)
            else:
                separator = cst.SimpleWhitespace(" ")
            split = (separator, spaces[index + 1])
        else:
            split = _split(spaces[index + 1])
        return Layout(
            (*self.items[: index + 1], item, *self.items[index + 1 :]),
            (*spaces[: index + 1], *split, *spaces[index + 2 :]),
            self.trailing_comma,
        )


def remove_elements(node: Node, indexes: Iterable[int]) -> Node:
    layout = _read_elements(node)
    for index in sorted(indexes, reverse=True):
        layout = layout.without(index)
    return _write_elements(node, layout)


def append_elements(node: Node, elements: Sequence[cst.CSTNode]) -> Node:
    """``node`` with ``elements`` added at its end; ``node`` must not be empty."""
    layout = _read_elements(node)
    for element in elements:
        layout = layout.with_item_after(len(layout.items) - 1, element)
    return _write_elements(node, layout)


def read_args(call: cst.Call) -> Layout:
    args = call.args
    spaces: list[Whitespace] = [call.whitespace_before_args]
    spaces += [_after_comma(arg.comma) for arg in args[:-1]]
    trailing = bool(args) and isinstance(args[-1].comma, cst.Comma)
    if args:
        last = args[-1]
        spaces.append(_after_comma(last.comma) if trailing else last.whitespace_after_arg)
    return Layout(tuple(args), tuple(spaces), trailing)


def write_args(call: cst.Call, layout: Layout) -> cst.Call:
    args = [cst.ensure_type(item, cst.Arg) for item in layout.items]
    written = []
    for index, arg in enumerate(args):
        after = layout.spaces[index + 1]
        if index < len(args) - 1 or layout.trailing_comma:
            comma = _comma_of(arg).with_changes(whitespace_after=after)
            written.append(arg.with_changes(comma=comma, whitespace_after_arg=_NONE))
        else:
            written.append(
                arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=after)
            )
    return call.with_changes(whitespace_before_args=layout.spaces[0], args=written)


def _read_elements(node: Bracketed) -> Layout:
    elements = _elements(node)
    opening, closing = _brackets(node)
    last = _after_comma(elements[-1].comma) if elements else _NONE
    if not isinstance(last, cst.SimpleWhitespace) or last.value:
        closing = last  # where libcst keeps it in parenthesized imports
    spaces = (opening, *(_after_comma(element.comma) for element in elements[:-1]))
    trailing = bool(elements) and isinstance(elements[-1].comma, cst.Comma)
    return Layout(tuple(elements), (*spaces, closing) if elements else spaces, trailing)


def _write_elements(node: Node, layout: Layout) -> Node:
    written = []
    for index, element in enumerate(layout.items):
        comma: cst.Comma | cst.MaybeSentinel
        if index < len(layout.items) - 1:
            comma = _comma_of(element).with_changes(whitespace_after=layout.spaces[index + 1])
        elif layout.trailing_comma:
            comma = _comma_of(element).with_changes(whitespace_after=_NONE)
        else:
            comma = cst.MaybeSentinel.DEFAULT
        written.append(element.with_changes(comma=comma))
    opening, closing = layout.spaces[0], layout.spaces[-1] if layout.items else _NONE
    if isinstance(node, cst.List):
        return node.with_changes(
            elements=written,
            lbracket=cst.LeftSquareBracket(whitespace_after=opening),
            rbracket=cst.RightSquareBracket(whitespace_before=closing),
        )
    if isinstance(node, cst.Dict):
        return node.with_changes(
            elements=written,
            lbrace=cst.LeftCurlyBrace(whitespace_after=opening),
            rbrace=cst.RightCurlyBrace(whitespace_before=closing),
        )
    if node.lpar is None:
        return node.with_changes(names=written)
    return node.with_changes(
        names=written,
        lpar=cst.LeftParen(whitespace_after=opening),
        rpar=cst.RightParen(whitespace_before=closing),
    )


def _elements(
    node: Bracketed,
) -> Sequence[cst.BaseElement | cst.BaseDictElement | cst.ImportAlias]:
    if isinstance(node, cst.ImportFrom):
        return () if isinstance(node.names, cst.ImportStar) else node.names
    return node.elements


def _brackets(node: Bracketed) -> tuple[Whitespace, Whitespace]:
    """The whitespace after the opening and before the closing bracket."""
    if isinstance(node, cst.List):
        return node.lbracket.whitespace_after, node.rbracket.whitespace_before
    if isinstance(node, cst.Dict):
        return node.lbrace.whitespace_after, node.rbrace.whitespace_before
    if node.lpar is None or node.rpar is None:
        return _NONE, _NONE
    return node.lpar.whitespace_after, node.rpar.whitespace_before


def _comments(item: cst.CSTNode) -> list[cst.Comment]:
    """The comments inside ``item``, not counting the whitespace after it."""
    bare = item.with_changes(comma=cst.MaybeSentinel.DEFAULT)
    if isinstance(bare, cst.Arg):
        bare = bare.with_changes(whitespace_after_arg=_NONE)
    return [cst.ensure_type(node, cst.Comment) for node in m.findall(bare, m.Comment())]


def _with_comments(space: Whitespace, comments: Sequence[cst.Comment]) -> Whitespace:
    """``space`` followed by one line per comment, indented like what comes next."""
    if not comments:
        return space
    if not isinstance(space, cst.ParenthesizedWhitespace):
        space = cst.ParenthesizedWhitespace(last_line=_NONE)
    lines = [
        cst.EmptyLine(indent=space.indent, whitespace=space.last_line, comment=comment)
        for comment in comments
    ]
    return space.with_changes(empty_lines=[*space.empty_lines, *lines])


def _comma_of(item: cst.CSTNode) -> cst.Comma:
    comma = getattr(item, "comma", None)
    return comma if isinstance(comma, cst.Comma) else cst.Comma()


def _after_comma(comma: cst.Comma | cst.MaybeSentinel) -> Whitespace:
    return comma.whitespace_after if isinstance(comma, cst.Comma) else _NONE


def _has_comment(space: Whitespace) -> bool:
    if not isinstance(space, cst.ParenthesizedWhitespace):
        return False
    lines = [space.first_line.comment, *(line.comment for line in space.empty_lines)]
    return any(comment is not None for comment in lines)


def _merge(before: Whitespace, after: Whitespace, *, opening: bool, closing: bool) -> Whitespace:
    """The whitespace left where an item was: line breaks and comments of both sides survive."""
    if not isinstance(before, cst.ParenthesizedWhitespace):
        return before if opening and not _has_comment(after) else after
    if not isinstance(after, cst.ParenthesizedWhitespace):
        return after if closing and not _has_comment(before) else before
    moved = after.first_line.comment
    lines = [cst.EmptyLine(indent=after.indent, whitespace=after.last_line, comment=moved)]
    return before.with_changes(
        empty_lines=[*before.empty_lines, *(lines if moved else []), *after.empty_lines],
        indent=after.indent,
        last_line=after.last_line,
    )


def _plain(space: Whitespace) -> Whitespace:
    """The same line break and indentation, without comments or blank lines."""
    if isinstance(space, cst.ParenthesizedWhitespace):
        return space.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return space


def _split(space: Whitespace) -> tuple[Whitespace, Whitespace]:
    """Whitespace for both sides of an inserted item: the comment stays on the first line,
    the comment lines above the next item stay above it."""
    if isinstance(space, cst.ParenthesizedWhitespace):
        return space.with_changes(empty_lines=[]), _plain(space).with_changes(
            empty_lines=space.empty_lines
        )
    return space, space
