"""A unified diff that ``patch -p1`` and ``git apply`` accept, exact to the byte.

Lines are split on ``"\\n"`` only: a ``"\\r"`` stays part of its line (so CRLF files diff and patch
exactly) and U+2028 or NEL inside a YAML string never start a new line, as they would with
``str.splitlines()``. A last line without a newline gets git's ``\\ No newline at end of file``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence

from composemigrate.terminal import printable

Opcode = tuple[str, int, int, int, int]

CONTEXT = 3
NO_NEWLINE = "\\ No newline at end of file\n"

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_COLOURS = {"@": "\x1b[36m", "-": "\x1b[31m", "+": "\x1b[32m"}


def _lines(text: str) -> list[str]:
    """Split after each ``"\\n"``, keeping it; the last piece has none when the text lacks one."""
    lines = text.split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])


def _common_head(a: Sequence[str], b: Sequence[str]) -> int:
    """How many leading lines ``a`` and ``b`` share."""
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


def _opcodes(a: list[str], b: list[str]) -> list[Opcode]:
    """difflib's opcodes, with the common head and tail set aside first.

    Alone, difflib aligns on the longest common run anywhere, so in a file of look-alike services a
    one-line change could come out as a whole block moved; trimming keeps the change where it is.
    """
    head = _common_head(a, b)
    tail = _common_head(a[head:][::-1], b[head:][::-1])
    inner = difflib.SequenceMatcher(None, a[head : len(a) - tail], b[head : len(b) - tail], False)
    ops: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
    ops += [
        (tag, i1 + head, i2 + head, j1 + head, j2 + head)
        for tag, i1, i2, j1, j2 in inner.get_opcodes()
    ]
    if tail:
        ops.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return ops


def _hunks(ops: list[Opcode]) -> Iterator[list[Opcode]]:
    """Group opcodes into hunks with ``CONTEXT`` equal lines around changes, as GNU diff does."""
    tag, i1, i2, j1, j2 = ops[0]
    if tag == "equal":
        ops[0] = (tag, max(i1, i2 - CONTEXT), i2, max(j1, j2 - CONTEXT), j2)
    tag, i1, i2, j1, j2 = ops[-1]
    if tag == "equal":
        ops[-1] = (tag, i1, min(i2, i1 + CONTEXT), j1, min(j2, j1 + CONTEXT))
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal" and i2 - i1 > 2 * CONTEXT:
            yield [*group, (tag, i1, i1 + CONTEXT, j1, j1 + CONTEXT)]
            group, i1, j1 = [], i2 - CONTEXT, j2 - CONTEXT
        group.append((tag, i1, i2, j1, j2))
    yield group


def _range(start: int, length: int) -> str:
    """A hunk range as GNU diff writes it: ``1`` for one line, ``0,0`` before the first line."""
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _body(prefix: str, lines: list[str]) -> list[str]:
    """Hunk lines, each followed by the marker when it is the last line of a text without one."""
    out: list[str] = []
    for line in lines:
        out += [prefix + line] if line.endswith("\n") else [prefix + line + "\n", NO_NEWLINE]
    return out


def _paint(lines: list[str]) -> list[str]:
    """Colour headers bold, hunk ranges cyan, removals red, additions green (as git does)."""
    out: list[str] = []
    for index, line in enumerate(lines):
        style = _BOLD if index < 2 else _COLOURS.get(line[0], "")
        out.append(f"{style}{line[:-1]}{_RESET}\n" if style else line)
    return out


def unified_diff(path: str, old: str, new: str, *, color: bool = False) -> str:
    """The diff from ``old`` to ``new`` with ``a/path`` and ``b/path`` headers; ``""`` if equal."""
    if old == new:
        return ""
    name = printable(path.lstrip("/"))
    a, b = _lines(old), _lines(new)
    out = [f"--- a/{name}\n", f"+++ b/{name}\n"]
    for group in _hunks(_opcodes(a, b)):
        (_, i1, _, j1, _), (_, _, i2, _, j2) = group[0], group[-1]
        out.append(f"@@ -{_range(i1, i2 - i1)} +{_range(j1, j2 - j1)} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += _body(" ", a[i1:i2])
            else:
                out += _body("-", a[i1:i2]) + _body("+", b[j1:j2])
    return "".join(_paint(out) if color else out)
