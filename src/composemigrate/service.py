"""One service as the forms see it, and the pieces they hand each other.

A form's ``remove`` returns a ``Removal``: the edits that delete it, the comments that must travel,
and the ``Place`` where its key stood. A form's ``write`` takes those and puts the new block there,
or merges it elsewhere, so no comment is lost on the way: a comment on a removed line travels
with the key it described, and comments directly above a replaced key stay in place.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from composemigrate import environment, layout, refusals, yamldoc
from composemigrate.edits import Edit
from composemigrate.environment import NAMES, EnvFileReader, env_items
from composemigrate.gpu import GpuRequest, Unsupported
from composemigrate.layout import Comment, Span, Style
from composemigrate.yamldoc import Entry, Lines, Node

UNKNOWN = "${env_file}"
"""The value of an NVIDIA_* variable that an env file which cannot be read may set."""

HEAD, REQUEST, CAPS = "head", "request", "caps"
"""Slots of a new block: its first line, the line naming the GPUs, the capabilities line."""


@dataclass
class ServiceView:
    """A service mapping with its effective keys, in the text it was parsed from."""

    name: str
    key: Node
    node: Node
    root: Node
    lines: Lines
    refs: Counter[int]
    env_files: EnvFileReader | None = None

    @cached_property
    def entries(self) -> dict[str, Entry]:
        return yamldoc.entries(self.node)

    @cached_property
    def env_file_values(self) -> dict[str, str | None] | Found:
        """The NVIDIA_* values the service's env files set, or why they cannot be read."""
        env_file = self.entries.get("env_file")
        if env_file is None:
            return {}
        found = environment.from_env_files(env_file.value, self.env_files)
        return Found(found, self.where(env_file.key)) if isinstance(found, Unsupported) else found

    @cached_property
    def gpu_env(self) -> dict[str, str | None]:
        """The NVIDIA_* values of the service's environment: its env files under ``environment``
        (None: from the shell). A value that only an unreadable env file could set is
        ``UNKNOWN``: a token compared as opaque text, since the file is never changed."""
        files = self.env_file_values
        values: dict[str, str | None] = (
            dict.fromkeys(NAMES, UNKNOWN) if isinstance(files, Found) else dict(files)
        )
        env = self.entries.get("environment")
        for item in env_items(env.value) if env else []:
            if item.name in NAMES:
                values[item.name] = item.value
        return values

    def env_where(self, name: str) -> tuple[int, int]:
        """Where the variable ``name`` is set: its environment entry, else ``env_file``."""
        env = self.entries.get("environment")
        items = [item for item in env_items(env.value) if item.name == name] if env else []
        if items:
            return self.where(items[-1].key)
        env_file = self.entries.get("env_file")
        return self.where(env_file.key if env_file else self.key)

    def shell_value(self, name: str) -> Found:
        """The refusal for an NVIDIA_* variable whose value the shell gives."""
        reason = f"{name} takes its value from the shell; it is not known"
        return Found(Unsupported(reason, refusals.FROM_SHELL), self.env_where(name))

    @cached_property
    def style(self) -> Style:
        return layout.measure(self.lines, self.root, self.node, self.key)

    def where(self, node: Node) -> tuple[int, int]:
        """1-based line and column of a node, for messages."""
        return self.lines.where(int(node.start_mark.index))

    def unmasks(self, entry: Entry) -> bool:
        """True when deleting the service's own key would let a merged anchor's key show through."""
        name = entry.key.value
        return entry.owner is self.node and any(
            name in yamldoc.entries(source) for source in yamldoc.merge_sources(self.node)
        )

    def shared(self, node: Node) -> bool:
        """True when an alias elsewhere points at ``node``: deleting it would break the alias."""
        return self.refs[id(node)] > 1


@dataclass(frozen=True)
class Found:
    """What a form's reader saw in a service: a request, or why it cannot be carried over."""

    request: GpuRequest | Unsupported
    where: tuple[int, int]


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


def key_place(view: ServiceView, key: Node, value: Node) -> tuple[list[Edit], Place] | None:
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


def end_place(view: ServiceView, owner: Node) -> Place:
    """After the last content line of a block mapping: where a new key is appended. A value
    that is an alias (``<<: *gpu``) stands on its key's line, not where its anchor is."""
    last = view.lines.line_of(yamldoc.content_end(owner) - 1)
    if yamldoc.is_mapping(owner) and owner.value:
        key, value = owner.value[-1]
        if value.start_mark.index < key.start_mark.index:
            last = view.lines.line_of(int(key.end_mark.index))
    return Place(owner, view.lines.end(last), layout.key_column(view.lines, owner))


def comments_above(view: ServiceView, name: str, carried: list[Carried]) -> Edit | None:
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
