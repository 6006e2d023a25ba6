"""Where a service's device requests sit, and the small splices that the safe fixes make there.

A request entry lives in ``deploy.resources.reservations.devices`` (where Compose requires
``capabilities``) or in the list form of ``gpus:`` (where ``gpu`` is implied).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from composemigrate import forms, yamldoc
from composemigrate.edits import Edit
from composemigrate.forms import SPECS, devices
from composemigrate.service import ServiceView
from composemigrate.splice import block_edit, end_place
from composemigrate.yamldoc import Entry, Lines, Node

RESET = "!reset"
REQUEST_FORMS = {form: SPECS[form].label for form in forms.REQUEST_FORMS}
"""The forms that make a device request, as messages name them."""
INT = "tag:yaml.org,2002:int"
STR = "tag:yaml.org,2002:str"


def present(node: Node) -> bool:
    """A value that is written and not Compose's ``!reset`` (drop what was inherited).

    An empty value is present: Compose refuses ``devices:`` or ``gpus:`` with nothing after them.
    """
    return node is not None and node.tag != RESET


def at(node: Node) -> int:
    """The offset a finding about ``node`` points at: its first content character."""
    return yamldoc.content_start(node)


@dataclass(frozen=True)
class Request:
    """One device-request entry; ``reservation`` False for an entry of ``gpus:``."""

    node: Node
    fields: dict[str, Entry]
    reservation: bool

    @property
    def gpu(self) -> bool:
        """An entry for NVIDIA GPUs: every ``gpus:`` entry, and a reservation for the nvidia
        driver or the ``gpu`` capability (keys merged in with ``<<`` count)."""
        driver, caps = self.value("driver"), self.value("capabilities")
        names = []
        if caps is not None and yamldoc.is_sequence(caps):
            names = [yamldoc.text_of(item) for item in caps.value]
        return not self.reservation or yamldoc.text_of(driver) == "nvidia" or "gpu" in names

    def value(self, name: str) -> Node | None:
        found = self.fields.get(name)
        return found.value if found is not None and present(found.value) else None


def reservation_list(view: ServiceView) -> Node | None:
    """The value of ``devices`` under ``deploy.resources.reservations``, when written."""
    pairs = devices.chain(view)
    if len(pairs) < len(devices.LEVELS) or not present(pairs[-1][1]):
        return None
    return pairs[-1][1]


def gpus_value(view: ServiceView) -> Node | None:
    found = view.entries.get("gpus")
    return found.value if found is not None and present(found.value) else None


def requests(view: ServiceView) -> Iterator[Request]:
    """Every mapping entry of the reservation list, then of the ``gpus:`` list."""
    sources = [(reservation_list(view), True), (gpus_value(view), False)]
    for node, reservation in sources:
        if node is not None and yamldoc.is_sequence(node):
            for item in node.value:
                if yamldoc.is_mapping(item):
                    yield Request(item, yamldoc.entries(item), reservation)


def append_key(view: ServiceView, mapping: Node, pair: str) -> Edit:
    """Add ``pair`` (``key: value``) as the last key of a block or flow mapping."""
    if yamldoc.is_flow(mapping) or not mapping.value:
        close = int(mapping.end_mark.index) - 1
        return Edit(close, close, (", " if mapping.value else "") + pair)
    place = end_place(view, mapping)
    return block_edit(view.lines, place, [" " * place.column + pair])


def is_plain_int(lines: Lines, node: Node) -> bool:
    """A plain scalar YAML reads as an integer, written without a tag (``0``, ``3``, ``0x1f``)."""
    start, end = int(node.start_mark.index), int(node.end_mark.index)
    return yamldoc.is_plain(node) and node.tag == INT and lines.text[start:end] == node.value


def quote(node: Node) -> Edit:
    """Single-quote a plain scalar as written: ``0`` becomes ``'0'``."""
    return Edit(int(node.start_mark.index), int(node.end_mark.index), f"'{node.value}'")


def is_string(node: Node) -> bool:
    """A scalar YAML reads as a string (quoted, or plain text that is no number, bool or null)."""
    return yamldoc.is_scalar(node) and node.tag == STR
