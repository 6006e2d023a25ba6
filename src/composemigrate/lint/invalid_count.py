"""CM103 invalid-count: a ``count`` that is not a positive integer or ``all``.

What: ``count: two``, ``count: 1.5``, an empty ``count:``, ``count: 0`` or a negative count, in a
device reservation or a ``gpus:`` entry. ``count: all``, ``count: 2`` and ``count: "2"`` are fine;
a count from a variable (``${GPUS}``) is not judged.

Why: Compose refuses anything but a number or ``all``; it accepts ``0`` and negative numbers, but
``count: 0`` reserves no GPU at all and ``-1`` is only how Compose stores ``all`` internally.

Before::

    - driver: nvidia
      count: -1
      capabilities: [gpu]

After::

    - driver: nvidia
      count: all
      capabilities: [gpu]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from composemigrate import yamldoc
from composemigrate.gpu import is_variable
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView
from composemigrate.yamldoc import Node

CODE, NAME, SEVERITY, FIX = "CM103", "invalid-count", "error", None

_DECIMAL = re.compile(r"[-+]?[0-9]+")
_KINDS = {"sequence": "a list", "mapping": "a mapping"}


def count_of(node: Node) -> int | None:
    """The number a ``count`` holds, as Compose reads it (``"2"`` too); None when not a number."""
    text = yamldoc.text_of(node)
    if text is None:
        return None
    if _DECIMAL.fullmatch(text):
        return int(text)
    if node.tag == entries.INT:
        try:
            return int(text, 0)
        except ValueError:
            return None
    return None


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    for request in entries.requests(view):
        node = request.value("count")
        if node is None:
            continue
        text = yamldoc.text_of(node)
        if text is not None and (text.lower() == "all" or is_variable(text)):
            continue
        number = count_of(node)
        if number is None:
            shown = repr(text) if text is not None else _KINDS.get(node.id, "empty")
            message = f"count must be a positive integer or 'all', not {shown}"
        elif number == 0:
            message = "count: 0 reserves no GPU; ask for at least one, or remove the reservation"
        elif number < 0:
            message = f"count: {number} is not a GPU count; write count: all for every GPU"
        else:
            continue
        yield Hit(entries.at(node), message)
