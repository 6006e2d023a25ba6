"""Pure checks on a Compose text and its rewrite, shared by the corpus, fixture and fuzz tests.

They read the YAML on their own, with ruamel.yaml's scanner and composer and never with
composemigrate's code, so that a bug in the tool's parsing cannot hide itself from its tests.
Line numbers are 0-based indexes into ``split_lines(text)``.
"""

from __future__ import annotations

import difflib
import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode

_T = TypeVar("_T")

BOM = "\ufeff"

GPU_ENV = ("NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES")
"""The environment keys that carry a legacy GPU request."""

NULLS = ("", "~", "null", "Null", "NULL")
"""How YAML spells an empty value (``driver:`` left empty means no driver)."""

DEPLOY_PATH = ("resources", "reservations", "devices")
CDI_GPU = "nvidia.com/gpu="
"""The keys from ``deploy`` down to the device list; their own lines hold GPU settings."""


def split_lines(text: str) -> list[str]:
    """``text`` split after each ``\\n`` only, endings kept (``splitlines`` also splits on NEL)."""
    return _split(text.removeprefix(BOM))


def _split(body: str) -> list[str]:
    parts = body.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def _shadow(text: str) -> str:
    """``text`` without its BOM and with each tab after a line's first non-blank as a space.

    ruamel.yaml refuses such tabs where YAML 1.2 and Compose accept them; the shadow has the
    same length, so every offset in it is an offset in the text.
    """
    shadowed = []
    for line in _split(text.removeprefix(BOM)):
        indent = len(line) - len(line.lstrip(" \t"))
        shadowed.append(line[:indent] + line[indent:].replace("\t", " "))
    return "".join(shadowed)


def _parsed(read: Callable[[YAML], _T]) -> _T:
    """``read`` with libyaml when it is installed and accepts the text (it is stricter, P17 of
    roundtrip.md), else with ruamel.yaml's pure-Python parser."""
    try:
        return read(YAML(typ="safe"))
    except YAMLError:
        return read(YAML(typ="safe", pure=True))


@functools.lru_cache(maxsize=4096)
def _token_spans(body: str) -> tuple[tuple[int, int], ...]:
    return _parsed(
        lambda yaml: tuple(
            (int(token.start_mark.index), int(token.end_mark.index)) for token in yaml.scan(body)
        )
    )


@functools.lru_cache(maxsize=4096)
def _roots(body: str) -> tuple[Node, ...]:
    return _parsed(lambda yaml: tuple(yaml.compose_all(body)))


# --- comments ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _comment_marks(text: str) -> tuple[tuple[int, int, str], ...]:
    """(line, column, text) of every comment: the ``#...`` runs between the scanner's tokens.

    Between two tokens there is only white space and comments, so this finds every comment and
    nothing that merely looks like one inside a quoted or block scalar.
    """
    original = text.removeprefix(BOM)
    marks: list[tuple[int, int, str]] = []
    position = 0
    for start, end in _token_spans(_shadow(text)):
        marks.extend(_gap_comments(original, position, start))
        position = max(position, end)
    marks.extend(_gap_comments(original, position, len(original)))
    return tuple(marks)


def _gap_comments(text: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    index = text.find("#", start, end)
    while index != -1:
        stop = text.find("\n", index, end)
        stop = end if stop == -1 else stop
        line = text.count("\n", 0, index)
        column = index - (text.rfind("\n", 0, index) + 1)
        yield line, column, text[index:stop].rstrip()
        index = text.find("#", stop, end)


def comments(text: str) -> list[str]:
    """Every comment of ``text`` (``# ...``, trailing white space dropped), in order.

    Compare these as a multiset (``Counter``): a rewrite may move a comment, never drop one.
    Raises ruamel.yaml's errors when the text does not scan.
    """
    return [comment for _, _, comment in _comment_marks(text)]


def comment_only_lines(text: str) -> set[int]:
    """Lines holding nothing but (white space and) a comment."""
    lines = split_lines(text)
    return {line for line, column, _ in _comment_marks(text) if not lines[line][:column].strip()}


def blank_lines(text: str) -> set[int]:
    """Lines holding only white space."""
    return {index for index, line in enumerate(split_lines(text)) if not line.strip()}


# --- where the GPU settings are ------------------------------------------------------------------


def _last_line(node: Node) -> int:
    """The line of a scalar's or flow collection's last character (a block scalar's end mark
    lies at the start of the line after it)."""
    end = node.end_mark
    line = int(end.line) - (1 if end.column == 0 else 0)
    return max(int(node.start_mark.line), line)


def _is_empty(node: Node) -> bool:
    """An empty plain value, whose marks point at the next token instead of its own place."""
    return isinstance(node, ScalarNode) and node.value == "" and node.style is None


def _content_lines(node: Node) -> set[int]:
    """Lines that hold part of ``node``'s own text: its scalars and flow collections."""
    if _is_empty(node):
        return set()
    if isinstance(node, ScalarNode) or _is_flow(node):
        return set(range(int(node.start_mark.line), _last_line(node) + 1))
    found: set[int] = set()
    for child in _children(node):
        found |= _content_lines(child)
    return found


def _is_flow(node: Node) -> bool:
    return isinstance(node, CollectionNode) and bool(node.flow_style)


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, SequenceNode):
        yield from node.value


def _pairs(mapping: Node) -> Iterator[tuple[str, Node, Node]]:
    """(key, key node, value) of a mapping and of every mapping it merges with ``<<``."""
    if not isinstance(mapping, MappingNode):
        return
    for key, value in mapping.value:
        if key.value == "<<" or key.tag.endswith(":merge"):
            sources = value.value if isinstance(value, SequenceNode) else [value]
            for source in sources:
                yield from _pairs(source)
        elif isinstance(key, ScalarNode):
            yield str(key.value), key, value


def _scalars(node: Node) -> list[str]:
    if isinstance(node, ScalarNode):
        return [str(node.value)]
    if isinstance(node, SequenceNode):
        return [str(item.value) for item in node.value if isinstance(item, ScalarNode)]
    return []


def _is_gpu_device(entry: Node) -> bool:
    """A reservation entry for NVIDIA GPUs, as Compose's engine picks the driver."""
    found = {key: value for key, _, value in _pairs(entry)}
    driver = "".join(_scalars(found["driver"])) if "driver" in found else ""
    capabilities = _scalars(found["capabilities"]) if "capabilities" in found else []
    ids = _scalars(found["device_ids"]) if "device_ids" in found else []
    cdi = driver == "cdi" and bool(ids) and all(i.startswith(CDI_GPU) for i in ids)
    return driver == "nvidia" or (driver in NULLS and "gpu" in capabilities) or cdi


def _header(key: Node, value: Node) -> set[int]:
    """The key's line, and the whole value when it is a flow collection or a scalar."""
    lines = _content_lines(key)
    return (
        lines | _content_lines(value) if isinstance(value, ScalarNode) or _is_flow(value) else lines
    )


def _environment_lines(key: Node, value: Node) -> set[int]:
    lines = _header(key, value)
    if isinstance(value, SequenceNode) and not _is_flow(value):
        for item in value.value:
            if isinstance(item, ScalarNode) and str(item.value).split("=")[0] in GPU_ENV:
                lines |= _content_lines(item)
    elif isinstance(value, MappingNode) and not _is_flow(value):
        for name, name_node, setting in _pairs(value):
            if name in GPU_ENV:
                lines |= _content_lines(name_node) | _content_lines(setting)
    return lines


def _deploy_lines(key: Node, value: Node, path: tuple[str, ...] = DEPLOY_PATH) -> set[int]:
    """``deploy:`` and the keys down to ``devices:`` by their own lines; GPU entries whole."""
    lines = _header(key, value)
    if isinstance(value, MappingNode) and not _is_flow(value) and path:
        for name, name_node, child in _pairs(value):
            if name == path[0]:
                lines |= _deploy_lines(name_node, child, path[1:])
    elif isinstance(value, SequenceNode) and not _is_flow(value) and not path:
        for entry in value.value:
            if _is_gpu_device(entry):
                lines |= _content_lines(entry)
    return lines


def _service_gpu_lines(service: Node) -> set[int]:
    lines: set[int] = set()
    for name, key, value in _pairs(service):
        if name in ("runtime", "gpus"):
            lines |= _content_lines(key) | _content_lines(value)
        elif name == "environment":
            lines |= _environment_lines(key, value)
        elif name == "deploy":
            lines |= _deploy_lines(key, value)
        elif name == "devices":
            lines |= _cdi_lines(key, value)
    return lines


def _cdi_lines(key: Node, value: Node) -> set[int]:
    """``devices:`` by its own line, and the items naming GPUs the CDI way."""
    lines = _header(key, value)
    if isinstance(value, SequenceNode) and not _is_flow(value):
        for item in value.value:
            if isinstance(item, ScalarNode) and str(item.value).startswith(CDI_GPU):
                lines |= _content_lines(item)
    return lines


def _services(text: str) -> Iterator[tuple[str, Node]]:
    """(name, mapping node) of every service of every document, merges not yet resolved."""
    for root in _roots(_shadow(text)):
        for name, _, value in _pairs(root):
            if name == "services":
                for service, _, node in _pairs(value):
                    yield service, node


def declared_version(text: str) -> str | None:
    """The top-level ``version:`` of the first document, as written, or None."""
    roots = _roots(_shadow(text))
    found = {key: value for key, _, value in _pairs(roots[0])} if roots else {}
    version = found.get("version")
    return str(version.value) if isinstance(version, ScalarNode) else None


def gpu_lines(text: str) -> set[int]:
    """Lines where a service's GPU request may be written, in any form.

    ``runtime``, ``gpus`` and the NVIDIA_* environment entries whole; the ``environment``,
    ``deploy``, ``resources``, ``reservations`` and ``devices`` keys by their own line (their
    other entries are not GPU settings); GPU device entries and CDI names whole. Merged anchors
    count where they are written. Raises ruamel.yaml's errors when the text does not parse.
    """
    lines: set[int] = set()
    for _, node in _services(text):
        lines |= _service_gpu_lines(node)
    return lines


# --- what a rewrite changed ----------------------------------------------------------------------


def _projection(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every line that holds something other than a GPU setting, a
    comment or white space, in order, line endings included."""
    skip = gpu_lines(text) | comment_only_lines(text) | blank_lines(text)
    return [(n, line) for n, line in enumerate(split_lines(text)) if n not in skip]


def stray_changes(old: str, new: str) -> list[str]:
    """Every line outside GPU settings that a rewrite changed, dropped, added or reordered, as
    ``-N: text`` / ``+N: text`` (1-based); [] when those lines are kept byte for byte, in order.

    GPU lines may move (a new block takes the old one's place, entries are appended), and so
    may comments and blank lines, which ``comments`` and ``blank_lines`` check. In a file
    without a final newline, a line may lose or gain its break by becoming or ceasing to be
    the last line.
    """
    before, after = _projection(old), _projection(new)
    unterminated = not old.endswith("\n") and not new.endswith("\n")
    matcher = difflib.SequenceMatcher(
        a=[line.rstrip("\r\n") for _, line in before],
        b=[line.rstrip("\r\n") for _, line in after],
        autojunk=False,
    )
    stray = []
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        removed, added = before[a_start:a_end], after[b_start:b_end]
        if tag == "equal":
            pairs = zip(removed, added, strict=True)
            moved = [(was, now) for was, now in pairs if not _same(was[1], now[1], unterminated)]
            removed, added = [was for was, _ in moved], [now for _, now in moved]
        stray += [f"-{n + 1}: {line!r}" for n, line in removed]
        stray += [f"+{n + 1}: {line!r}" for n, line in added]
    return stray


def _same(was: str, now: str, unterminated: bool) -> bool:
    """Equal lines, or (in files without a final newline) equal but for a missing break."""
    return was == now or (unterminated and not (was.endswith("\n") and now.endswith("\n")))


def layout_changes(old: str, new: str) -> list[str]:
    """Every way a rewrite broke the layout promise: a comment lost or invented, a blank line
    lost or added, a changed line that holds no GPU setting; [] when there is none."""
    lost, invented = multiset_difference(comments(old), comments(new))
    problems = [f"comment lost: {comment}" for comment in lost]
    problems += [f"comment added: {comment}" for comment in invented]
    blanks = len(blank_lines(old)), len(blank_lines(new))
    if blanks[0] != blanks[1]:
        problems.append(f"blank lines: {blanks[0]} before, {blanks[1]} after")
    problems += [f"non-GPU line changed: {line}" for line in stray_changes(old, new)]
    return problems


def multiset_difference(old: Iterable[str], new: Iterable[str]) -> tuple[list[str], list[str]]:
    """(items only in ``old``, items only in ``new``), counting repeats."""
    before, after = Counter(old), Counter(new)
    return sorted((before - after).elements()), sorted((after - before).elements())
