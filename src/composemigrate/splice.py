"""The span editor under the forms; it knows nothing of GPUs.

A form's ``remove`` returns a ``Removal``: the edits that delete it, the comments that must travel,
and the ``Place`` where its key stood. A form's ``write`` takes those and puts the new block there,
or merges it elsewhere, so no comment is lost on the way: a comment on a removed line travels
with the key it described, and comments directly above a replaced key stay in place. Scalars are
written so that every YAML reader takes them as the same string, and items added to a list follow
the list's own style.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from composemigrate import layout, refusals, yamldoc
from composemigrate.edits import Edit
from composemigrate.gpu import Unsupported
from composemigrate.layout import Comment, Span
from composemigrate.yamldoc import Entry, Lines, Node

HEAD = "head"
"""The slot of a new block's first line, where comments go unless a form names another."""


class Keys(Protocol):
    """A mapping in its text, with its effective keys: what the editor needs of a service."""

    @property
    def node(self) -> Node: ...
    @property
    def lines(self) -> Lines: ...
    @property
    def entries(self) -> dict[str, Entry]: ...

    def shared(self, node: Node) -> bool: ...

    def unmasks(self, entry: Entry) -> bool: ...


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


def append_items(view: Keys, sequence: Node, values: list[str]) -> Edit:
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


@dataclass(frozen=True)
class Place:
    """Where a removed (or kept) key stands: a new block can take its place or go before it."""

    owner: Node
    offset: int
    column: int
    above: tuple[int, ...] = ()
    replaced: bool = True
    flow: bool = False
    index: int | None = None
    """In a flow mapping: the key's index, to delete it with its comma if nothing replaces it."""


@dataclass(frozen=True)
class Carried:
    """A comment from a removed line, bound for a slot of the new block."""

    comment: Comment
    slot: str


@dataclass
class Removal:
    """Edits that delete a form, the comments they displace, and the keys deleted outright."""

    edits: list[Edit] = field(default_factory=list)
    carried: list[Carried] = field(default_factory=list)
    place: Place | None = None
    keys: list[Entry] = field(default_factory=list)
    flow: list[tuple[Node, int]] = field(default_factory=list)
    """Items of flow collections to delete with their commas: (collection, index)."""

    def take(self, deleted: tuple[Edit, list[Carried]]) -> None:
        """One more deletion made by ``carry``, with the comments it displaced."""
        self.edits.append(deleted[0])
        self.carried.extend(deleted[1])


def carry(
    lines: Lines, span: Span, slots: dict[int, str], *, above: bool = True
) -> tuple[Edit, list[Carried]]:
    """Delete a span (with the own-line comments directly above it) and carry its comments.

    An end-of-line comment goes to the slot of its line; an own-line comment to the slot of
    the next content line below it. ``slots`` maps line numbers to slots (default: head).
    """
    numbers = (
        [*span.above, *range(span.first, span.last + 1)]
        if above
        else list(range(span.first, span.last + 1))
    )
    carried: list[Carried] = []
    pending: list[Comment] = []
    for number in numbers:
        comment = layout.line_comment(lines.content(number))
        slot = slots.get(number, HEAD)
        if comment is not None and comment.own_line:
            pending.append(comment)
            continue
        if lines.content(number).strip():
            carried.extend(Carried(c, slot) for c in pending)
            pending = []
        if comment is not None:
            carried.append(Carried(comment, slot))
    carried.extend(Carried(c, HEAD) for c in pending)
    return layout.delete(lines, numbers[0], span.last), carried


def attach(rendered: list[tuple[str, str]], carried: list[Carried]) -> list[str]:
    """Lay carried comments onto new lines: end-of-line where free, else own lines above."""
    out = [[content] for content, _ in rendered]
    has_eol = [False] * len(rendered)
    above: list[list[str]] = [[] for _ in rendered]
    slots = [slot for _, slot in rendered]
    for item in carried:
        index = slots.index(item.slot) if item.slot in slots else 0
        content = rendered[index][0]
        if item.comment.own_line or has_eol[index]:
            above[index].append(" " * layout.indent_of(content) + item.comment.text)
        else:
            out[index] = [layout.place_comment(content, item.comment)]
            has_eol[index] = True
    return [line for index, lines in enumerate(out) for line in (*above[index], *lines)]


def choose_place(removals: list[Removal], owner: Node | None = None) -> Place | None:
    """The place a new block goes: a replaced key first, else before a kept one."""
    places = [r.place for r in removals if r.place and (owner is None or r.place.owner is owner)]
    places.sort(key=lambda place: not place.replaced)
    return places[0] if places else None


def settle(
    lines: Lines, removals: list[Removal], used: Place | None, *, block: bool = True
) -> tuple[list[Edit], list[Carried]]:
    """Edits and comments of every removal, given which place the new ``block`` took.

    Comments directly above a replaced key stay where they are when the new block takes that
    key's place, or when there is no new block; otherwise they travel to its first line.
    """
    edits: list[Edit] = []
    carried: list[Carried] = []
    flow: dict[int, tuple[Node, set[int]]] = {}
    for removal in removals:
        place = removal.place
        gone = list(removal.flow)
        if place is not None and place.index is not None and place is not used:
            edits.extend(e for e in removal.edits if e.start != place.offset)
            gone.append((place.owner, place.index))
        else:
            edits.extend(removal.edits)
        for node, index in gone:
            flow.setdefault(id(node), (node, set()))[1].add(index)
        carried.extend(removal.carried)
        if place is None or place is used or not place.replaced or not place.above or not block:
            continue
        above = [layout.line_comment(lines.content(number)) for number in place.above]
        carried[:0] = [Carried(comment, HEAD) for comment in above if comment is not None]
        edits.append(layout.delete(lines, place.above[0], place.above[-1]))
    for node, indices in flow.values():
        edits.extend(layout.flow_delete(lines.text, node, indices))
    return edits, carried


def block_edit(lines: Lines, place: Place, new_lines: list[str]) -> Edit:
    """Insert whole new lines at a place (a line start, or the end of the text)."""
    line = lines.line_of(place.offset)
    newline = lines.newline(line - 1 if place.offset == len(lines.text) and line else line)
    return Edit(place.offset, place.offset, layout.render(lines, place.offset, new_lines, newline))


def key_place(view: Keys, key: Node, value: Node) -> tuple[list[Edit], Place] | None:
    """Remove a key of a flow mapping, leaving its place for flow text; None in block style."""
    owner = next(entry.owner for entry in view.entries.values() if entry.key is key)
    if not yamldoc.is_flow(owner):
        return None
    start = int(key.start_mark.index)
    edit = Edit(start, yamldoc.content_end(value), "")
    index = yamldoc.key_index(owner, key)
    return [edit], Place(owner, start, view.lines.col_of(start), flow=True, index=index)


def flow_edit(place: Place, texts: list[str]) -> Edit:
    """Flow text at a place in a flow mapping: in the removed key's stead, or before a kept one."""
    text = ", ".join(texts)
    return Edit(place.offset, place.offset, text if place.replaced else text + ", ")


def end_place(view: Keys, owner: Node) -> Place:
    """After the last content line of a block mapping: where a new key is appended. A value
    that is an alias (``<<: *gpu``) stands on its key's line, not where its anchor is."""
    last = view.lines.line_of(yamldoc.content_end(owner) - 1)
    if yamldoc.is_mapping(owner) and owner.value:
        key, value = owner.value[-1]
        if value.start_mark.index < key.start_mark.index:
            last = view.lines.line_of(int(key.end_mark.index))
    return Place(owner, view.lines.end(last), layout.key_column(view.lines, owner))


def comments_above(view: Keys, name: str, carried: list[Carried]) -> Edit | None:
    """Carried comments as own lines directly above the kept key ``name``, at its column; None
    when the key sits in a flow mapping, where no line of its own can take them."""
    entry = view.entries[name]
    if yamldoc.is_flow(entry.owner):
        return None
    lines = view.lines
    start = int(entry.key.start_mark.index)
    pad = " " * lines.col_of(start)
    place = Place(entry.owner, lines.start(lines.line_of(start)), lines.col_of(start))
    return block_edit(lines, place, [pad + item.comment.text for item in carried])


def remove_key(view: Keys, name: str) -> Removal | Unsupported:
    """Delete the key ``name`` with its value and carry the comments on its lines; its place is
    left for a new block. Refused when an alias points at the value, when an anchor merged into
    the mapping has the same key (it would show through), or when the key shares a line."""
    found = view.entries[name]
    if view.shared(found.value):
        return Unsupported(f"{name} is an anchor used elsewhere", refusals.SHARED_ANCHOR)
    if view.unmasks(found):
        reason = f"removing {name} would expose the one merged from an anchor"
        return Unsupported(reason, refusals.SHARED_ANCHOR)
    flow = key_place(view, found.key, found.value)
    if flow is not None:
        return Removal(flow[0], [], flow[1], [found])
    span = layout.pair_span(view.lines, found.key, found.value)
    if span is None:
        return Unsupported(f"{name} shares its line with other keys", refusals.LAYOUT)
    edit, carried = carry(view.lines, span, {}, above=False)
    column = view.lines.col_of(found.key.start_mark.index)
    return Removal(
        [edit], carried, Place(found.owner, edit.start, column, tuple(span.above)), [found]
    )


def put_block(
    view: Keys,
    removals: list[Removal],
    flow: list[str],
    block: Callable[[int], list[tuple[str, str]]],
) -> list[Edit]:
    """The removals, and a new block where the first removed key stood (else at the end of the
    mapping): ``flow`` texts in a flow mapping, else the ``block(column)`` lines with their slots,
    the removed lines' comments laid onto them."""
    place = choose_place(removals) or end_place(view, view.node)
    edits, carried = settle(view.lines, removals, place)
    if place.flow:
        return [*edits, flow_edit(place, flow)]
    return [*edits, block_edit(view.lines, place, attach(block(place.column), carried))]
