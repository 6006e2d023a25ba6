"""Parse YAML for positions only: the node graph, character offsets and the file's own layout.

This is the only module that imports ruamel.yaml. It never emits YAML: the writers splice text
into the original, so what ruamel would normalise (quotes, indentation, comments) never
reaches the output.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from composemigrate.result import MigrationError

Node = Any
"""A ruamel.yaml composed node (ScalarNode, MappingNode or SequenceNode); the library is untyped."""

MERGE_KEY = "<<"


class Lines:
    """Line starts from ``\\n`` alone (never ``splitlines``, which also breaks on NEL, U+2028)."""

    def __init__(self, text: str) -> None:
        self.text = text
        ends = accumulate(len(line) + 1 for line in text.split("\n"))
        self.starts = [0, *ends][:-1]
        self.measured: dict[int, Counter[int]] = {}
        """Layout figures of a whole document, by the id of its root, measured once."""

    def __len__(self) -> int:
        return len(self.starts)

    def line_of(self, index: int) -> int:
        return bisect.bisect_right(self.starts, index) - 1

    def col_of(self, index: int) -> int:
        return index - self.starts[self.line_of(index)]

    def start(self, line: int) -> int:
        return self.starts[line]

    def end(self, line: int) -> int:
        """Offset just past the line's break (or the end of the text on the last line)."""
        return self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)

    def content(self, line: int) -> str:
        """The line without its break (``\\r\\n`` or ``\\n``)."""
        raw = self.text[self.start(line) : self.end(line)]
        return raw.removesuffix("\n").removesuffix("\r")

    def newline(self, line: int) -> str:
        """The line's own break, else the file's majority break."""
        raw = self.text[self.start(line) : self.end(line)]
        if raw.endswith("\n"):
            return "\r\n" if raw.endswith("\r\n") else "\n"
        return self.majority_newline()

    def majority_newline(self) -> str:
        crlf = self.text.count("\r\n")
        return "\r\n" if crlf * 2 > self.text.count("\n") else "\n"

    def where(self, index: int) -> tuple[int, int]:
        """1-based line and column, for messages."""
        line = self.line_of(index)
        return line + 1, index - self.starts[line] + 1


def tab_shadow(text: str) -> str:
    """Same-length text where tabs after a line's first non-blank become spaces: Compose accepts
    such tabs, ruamel.yaml does not, and offsets must not move."""
    if "\t" not in text:
        return text
    out = []
    for line in text.split("\n"):
        stripped = line.lstrip(" \t")
        lead = len(line) - len(stripped)
        out.append(line[:lead] + stripped.replace("\t", " "))
    return "\n".join(out)


MAX_DEPTH = 1000
"""Nesting refused before parsing: libyaml's composer recurses in C and crashes the process (a
segfault, not an exception) some tens of thousands of levels down; Compose files nest a dozen."""

_BRACKET = re.compile(r"[\[\]{}]")


def flow_depth(text: str) -> int:
    """How deep ``[`` and ``{`` nest. Brackets inside strings count too, so this can only
    over-count; Compose files stay hundreds of levels below the limit all the same."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    depth = deepest = 0
    for match in _BRACKET.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def compose(text: str) -> list[Node]:
    """Compose every document of ``text`` (BOM already removed) into nodes, libyaml first."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    depth = flow_depth(text)
    if depth > MAX_DEPTH:
        raise MigrationError(f"nesting deeper than {MAX_DEPTH} levels; not read")
    shadow = tab_shadow(text)
    error: Exception | None = None
    for pure in (False, True):
        try:
            return [doc for doc in _loader()(shadow, pure) if doc]
        except RecursionError:
            raise MigrationError("nesting too deep to read") from None
        except (YAMLError, ValueError) as exc:
            error = exc
    lines = Lines(text)
    if isinstance(error, ReaderError):
        line, col = lines.where(min(int(error.position), len(text)))
        raise MigrationError(
            f"invalid YAML: unacceptable character #x{error.character:04x}: {error.reason}",
            line,
            col,
        )
    if isinstance(error, MarkedYAMLError) and error.problem_mark is not None:
        line, col = lines.where(min(error.problem_mark.index, len(text)))
        problem = error.problem or "invalid YAML"
        if "\t" in lines.content(line - 1)[:col]:
            problem += " (tab indentation is not YAML)"
        raise MigrationError(f"invalid YAML: {problem}", line, col)
    raise MigrationError(f"invalid YAML: {error}")


PLAIN_TAGS_KEPT = 65536
"""Distinct plain scalars whose tags are remembered; past this the memory starts again."""


@functools.cache
def _loader() -> Callable[[str, bool], Iterator[Node]]:
    """Composes the documents of a text, built once for many small files.

    With libyaml (``pure`` False) one composer class is made, not a loader object and a class
    per text as ``YAML.compose_all`` makes them. There the YAML version is always 1.2 (the C path
    has no scanner to say otherwise), so a plain scalar's tag depends on its text alone and is
    remembered; the stock resolver works the version out again for every scalar, a third of the
    time spent composing. No resolver path is ever set, so descending and ascending do nothing.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml import main as ruamel_main
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver

    parser: Any = getattr(ruamel_main, "CParser", None)  # None without ruamel.yaml.clib

    def stock(text: str) -> Iterator[Node]:
        return YAML(typ="safe", pure=True).compose_all(text)  # type: ignore[no-any-return]

    if parser is None:
        return lambda text, pure: stock(text)
    known: dict[str, Any] = {}

    class PlainTags(VersionedResolver):
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is not ScalarNode or not implicit[0]:
                return super().resolve(kind, value, implicit)
            tag = known.get(value)
            if tag is None:
                if len(known) >= PLAIN_TAGS_KEPT:
                    known.clear()
                tag = known[value] = super().resolve(kind, value, implicit)
            return tag

        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            return None

        def ascend_resolver(self) -> None:
            return None

    class Composer(parser, PlainTags):  # type: ignore[misc]
        def __init__(self, text: str) -> None:
            parser.__init__(self, text)
            PlainTags.__init__(self, loadumper=self)

    def compose_all(text: str, pure: bool) -> Iterator[Node]:
        if pure:
            yield from stock(text)
            return
        composer = Composer(text)
        try:
            while composer.check_node():
                yield composer.get_node()
        finally:
            composer.dispose()

    return compose_all


def is_mapping(node: Node) -> bool:
    return node is not None and node.id == "mapping"


def is_sequence(node: Node) -> bool:
    return node is not None and node.id == "sequence"


def is_scalar(node: Node) -> bool:
    return node is not None and node.id == "scalar"


def is_null(node: Node) -> bool:
    return is_scalar(node) and node.tag == "tag:yaml.org,2002:null"


def is_plain(node: Node) -> bool:
    return is_scalar(node) and node.style in (None, "")


def text_of(node: Node) -> str | None:
    """A scalar's string value, None for collections and nulls."""
    if not is_scalar(node) or is_null(node):
        return None
    return str(node.value)


def is_flow(node: Node) -> bool:
    return bool(getattr(node, "flow_style", False))


@dataclass(frozen=True)
class Entry:
    """One key of a mapping as a reader sees it: ``owner`` is where it is written."""

    key: Node
    value: Node
    owner: Node


def own_entries(mapping: Node) -> Iterator[tuple[str, Node, Node]]:
    """The mapping's own string keys, merge keys left out."""
    for key, value in mapping.value:
        name = text_of(key)
        if name is not None and not (name == MERGE_KEY and is_plain(key)):
            yield name, key, value


def key_index(mapping: Node, key: Node) -> int:
    """The position of ``key`` (the node itself, not an equal one) among a mapping's pairs."""
    return next(index for index, (own, _) in enumerate(mapping.value) if own is key)


def merge_sources(mapping: Node) -> list[Node]:
    """The mappings a ``<<`` key merges in, in priority order."""
    sources: list[Node] = []
    for key, value in mapping.value:
        if is_scalar(key) and key.value == MERGE_KEY and is_plain(key):
            items = value.value if is_sequence(value) else [value]
            sources.extend(item for item in items if is_mapping(item))
    return sources


def entries(mapping: Node, _seen: frozenset[int] = frozenset()) -> dict[str, Entry]:
    """The effective keys of a mapping: its own first, then each merge source's (shallow)."""
    result: dict[str, Entry] = {}
    for source in merge_sources(mapping):
        if id(source) in _seen:
            continue
        for name, entry in entries(source, _seen | {id(mapping)}).items():
            result.setdefault(name, entry)
    own = {name: Entry(key, value, mapping) for name, key, value in own_entries(mapping)}
    return own | {name: entry for name, entry in result.items() if name not in own}


def duplicate_key(mapping: Node) -> tuple[Node, Node] | None:
    """The first and second occurrence of a repeated key, if any (Compose refuses those)."""
    plain = [key.value for key, _ in mapping.value if key.id == "scalar"]
    if len(set(plain)) == len(plain):
        return None  # no two scalar keys are even spelled alike
    seen: dict[str, Node] = {}
    for name, key, _ in own_entries(mapping):
        if name in seen:
            return seen[name], key
        seen[name] = key
    return None


def walk(node: Node) -> Iterator[Node]:
    """Every node once, aliases not re-entered (so an alias bomb costs nothing)."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if is_mapping(current):
            for key, value in reversed(current.value):
                stack.extend((value, key))
        elif is_sequence(current):
            stack.extend(reversed(current.value))


def survey(root: Node, aliased: bool = True) -> tuple[frozenset[int], list[Node]]:
    """The nodes (by id) that more than one place points at (an anchor used elsewhere), and
    every mapping once, in the order of the text. Without ``aliased`` (a text with no ``*`` has
    no alias) no node is reached twice, so only the collections are walked."""
    if not aliased:
        return frozenset(), _mappings(root)
    seen: set[int] = set()
    shared: set[int] = set()
    mappings: list[Node] = []
    stack = [root]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            shared.add(id(current))
            continue
        seen.add(id(current))
        kind = current.id
        if kind == "mapping":
            mappings.append(current)
            for key, value in reversed(current.value):
                stack.extend((value, key))
        elif kind == "sequence":
            stack.extend(reversed(current.value))
    return frozenset(shared), mappings


def _mappings(root: Node) -> list[Node]:
    mappings: list[Node] = []
    stack = [root]
    while stack:
        current = stack.pop()
        if current.id == "mapping":
            mappings.append(current)
            for key, value in reversed(current.value):
                if value.id != "scalar":
                    stack.append(value)
                if key.id != "scalar":
                    stack.append(key)
        elif current.id == "sequence":
            stack.extend(item for item in reversed(current.value) if item.id != "scalar")
    return mappings


def content_end(node: Node) -> int:
    """Offset just past a node's own text, before trailing comments and blank lines (ruamel
    counts those as the node's)."""
    if is_scalar(node) or is_flow(node) or not node.value:
        return int(node.end_mark.index)
    last = node.value[-1]
    return content_end(last[1] if is_mapping(node) else last)


def pair_end(text: str, key: Node, value: Node) -> int:
    """Offset just past a key's value; for an empty value, just past the key's colon (an empty
    value's node starts at the next token)."""
    if is_null(value) and value.value == "" and value.start_mark.index >= key.end_mark.index:
        return text.index(":", key.end_mark.index) + 1
    return content_end(value)


def content_start(node: Node) -> int:
    """Offset of a node's first content character, past any anchor or tag (which the node's
    start mark includes)."""
    if (is_mapping(node) or is_sequence(node)) and not is_flow(node) and node.value:
        first = node.value[0]
        return content_start(first[0]) if is_mapping(node) else content_start(first)
    return int(node.start_mark.index)
