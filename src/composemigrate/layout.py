"""Where lines start and end, which comments sit on them, and how this file indents.

Everything here measures the original text, so new lines can be written the way the file already
writes its own: its indentation step, its dash offset, its line breaks and comment columns.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from composemigrate import yamldoc
from composemigrate.edits import Edit
from composemigrate.yamldoc import Lines, Node


@dataclass(frozen=True)
class Comment:
    """A comment found on a removed line: ``own_line`` or at the end of content."""

    text: str
    own_line: bool
    column: int
    gap: int = 1


@dataclass
class Span:
    """Whole lines ``first..last`` to delete, and the own-line comments directly above them."""

    first: int
    last: int
    above: list[int] = field(default_factory=list)


def comment_start(line: str) -> int | None:
    """Column of a ``#`` that starts a comment, skipping quoted text."""
    quote = ""
    for col, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'" and (col == 0 or line[col - 1] in " \t[{,:-"):
            quote = ch
        elif ch == "#" and (col == 0 or line[col - 1] in " \t"):
            return col
    return None


def line_comment(content: str) -> Comment | None:
    """The comment on one line, if any."""
    col = comment_start(content)
    if col is None:
        return None
    before = content[:col]
    own = not before.strip()
    gap = len(before) - len(before.rstrip())
    return Comment(content[col:].rstrip(" \t"), own, col, gap)


def indent_of(content: str) -> int:
    return len(content) - len(content.lstrip(" "))


def span(lines: Lines, start: int, end: int) -> Span | None:
    """The whole lines holding ``text[start:end]``, or None when other content shares them."""
    first, last = lines.line_of(start), lines.line_of(max(start, end - 1))
    if lines.content(first)[: lines.col_of(start)].strip():
        return None
    tail = lines.content(last)[lines.col_of(end) :] if lines.line_of(end) == last else ""
    if tail.strip() and not tail.lstrip().startswith("#"):
        return None
    result = Span(first, last)
    column = indent_of(lines.content(first))
    number = first - 1
    while number >= 0:
        content = lines.content(number)
        if not content.lstrip().startswith("#") or indent_of(content) != column:
            break
        result.above.insert(0, number)
        number -= 1
    return result


def pair_span(lines: Lines, key: Node, value: Node) -> Span | None:
    return span(lines, int(key.start_mark.index), yamldoc.pair_end(lines.text, key, value))


def item_span(lines: Lines, item: Node) -> Span | None:
    """The lines of one block-sequence item, from its dash."""
    start = yamldoc.content_start(item)
    dash = lines.text.rfind("-", lines.start(lines.line_of(start)), start)
    if dash < 0:
        return None
    return span(lines, dash, yamldoc.content_end(item))


def key_column(lines: Lines, node: Node) -> int:
    return lines.col_of(yamldoc.content_start(node))


@dataclass(frozen=True)
class Style:
    """How a part of the file indents: one mapping step, and where dashes sit under a key."""

    step: int
    dash: int


def dash_offsets(lines: Lines, mapping: Node) -> Counter[int]:
    """Dash column minus key column for every block list under keys inside ``mapping``."""
    counts: Counter[int] = Counter()
    for node in yamldoc.walk(mapping):
        if not yamldoc.is_mapping(node) or yamldoc.is_flow(node):
            continue
        for key, value in node.value:
            if yamldoc.is_sequence(value) and not yamldoc.is_flow(value) and value.value:
                first = value.value[0]
                start = yamldoc.content_start(first)
                dash = lines.text.rfind("-", lines.start(lines.line_of(start)), start)
                # an alias's list stands above, at its anchor: only a dash below the key counts
                below = dash > int(key.end_mark.index)
                if below and lines.line_of(dash) != lines.line_of(key.start_mark.index):
                    counts[lines.col_of(dash) - lines.col_of(key.start_mark.index)] += 1
    return counts


def measure(lines: Lines, root: Node, service: Node, service_key: Node) -> Style:
    """The service's own step and dash offset, else the document's, else the step."""
    step = key_column(lines, service) - lines.col_of(service_key.start_mark.index)
    if step <= 0 or yamldoc.is_flow(service):
        step = 2
    counts = dash_offsets(lines, service)
    if not counts:  # the document's, measured once however many services ask (else quadratic)
        key = id(root)
        if key not in lines.measured:
            lines.measured[key] = dash_offsets(lines, root)
        counts = lines.measured[key]
    return Style(step, counts.most_common(1)[0][0] if counts else step)


def place_comment(content: str, comment: Comment) -> str:
    """Put an end-of-line comment on a new line: old column if it fits, else the old gap."""
    if len(content) < comment.column:
        return content.ljust(comment.column) + comment.text
    return content + " " * max(comment.gap, 1) + comment.text


def delete(lines: Lines, first: int, last: int) -> Edit:
    """Delete whole lines (a missing final newline is restored once all edits are applied)."""
    return Edit(lines.start(first), lines.end(last), "")


def has_comment(lines: Lines, node: Node) -> bool:
    """True when a comment stands on one of the lines a node spans."""
    first = lines.line_of(int(node.start_mark.index))
    last = lines.line_of(max(int(node.start_mark.index), int(node.end_mark.index) - 1))
    return any(line_comment(lines.content(n)) for n in range(first, last + 1))


def flow_items(text: str, parent: Node) -> list[tuple[int, int]]:
    """The text span of each item of a flow collection, split at its top-level commas.

    Read from the text, not the nodes: an alias item's node carries the anchor's position.
    """
    start, close = int(parent.start_mark.index), int(parent.end_mark.index) - 1
    start = text.index("[" if yamldoc.is_sequence(parent) else "{", start)
    spans: list[tuple[int, int]] = []
    depth, quote, begin, index = 0, "", start + 1, start + 1
    while index < close:
        ch = text[index]
        if quote:
            if ch == "\\" and quote == '"':
                index += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "#" and text[index - 1] in " \t\n":
            index = text.find("\n", index)
            continue
        elif ch == "," and depth == 0:
            spans.append((begin, index))
            begin = index + 1
        index += 1
    spans.append((begin, close))
    trimmed = []
    for first, last in spans:
        piece = text[first:last]
        lead = len(piece) - len(piece.lstrip())
        trimmed.append((first + lead, first + len(piece.rstrip())))
    return [span for span in trimmed if span[0] < span[1]]


def flow_delete(text: str, parent: Node, indices: set[int]) -> list[Edit]:
    """Delete items (or pairs) of a flow collection with the commas that separate them.

    Each run of neighbouring items goes with the comma before it, or after it when it starts the
    collection, so the edits never overlap and what is left still reads as a list.
    """
    spans = flow_items(text, parent)
    edits = []
    index = 0
    while index < len(spans):
        if index not in indices:
            index += 1
            continue
        last = index
        while last + 1 in indices:
            last += 1
        if index > 0:
            edits.append(Edit(spans[index - 1][1], spans[last][1], ""))
        elif last + 1 < len(spans):
            edits.append(Edit(spans[index][0], spans[last + 1][0], ""))
        else:
            edits.append(Edit(spans[index][0], spans[last][1], ""))
        index = last + 1
    return edits


def render(lines: Lines, offset: int, new_lines: list[str], newline: str) -> str:
    """Text inserting whole lines at ``offset`` (a line start, or the end of the text)."""
    body = newline.join(new_lines)
    if offset == len(lines.text) and lines.text and not lines.text.endswith("\n"):
        return newline + body
    return body + newline
