"""CDI names in the service's ``devices:`` list: ``nvidia.com/gpu=all``, or one name per GPU
(``nvidia.com/gpu=0``, ``nvidia.com/gpu=GPU-<uuid>``, a MIG id, a variable carried verbatim).

CDI has no driver capabilities: the host's CDI spec decides which driver libraries a container
gets, and ``NVIDIA_DRIVER_CAPABILITIES`` does not change that. So only a request for the ``gpu``
capability alone, with no such variable beside it, is said exactly in CDI names; any other is left
as it is (CM517). A count N becomes the first N indexes, as the engine picks them. Other CDI kinds
(``nvidia.com/pva=…``, ``amd.com/gpu=…``) and device paths in the same list are not NVIDIA GPUs:
they stay where they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from composemigrate import layout, refusals, yamldoc
from composemigrate.edits import Edit
from composemigrate.gpu import ALL, CAPABILITIES, GpuRequest, Unsupported, is_variable
from composemigrate.service import Found, ServiceView
from composemigrate.splice import (
    HEAD,
    Place,
    Removal,
    append_items,
    carry,
    comments_above,
    put_block,
    remove_key,
    scalar,
    settle,
)
from composemigrate.yamldoc import Entry, Node

KIND = "nvidia.com/gpu="
"""The CDI kind of NVIDIA GPUs, as ``nvidia-ctk cdi generate`` names them, with its ``=``."""

NOTE = (
    "note: CDI devices need Compose 2.30 or newer, CDI enabled in the engine and a spec from "
    "`nvidia-ctk cdi generate` on the host; podman compose with the docker-compose backend "
    "ignores them"
)


_VARIABLE = re.compile(r"\$\{[^}]*\}")


def _outside_variables(value: str) -> str:
    return _VARIABLE.sub("", value)


def is_gpu_name(value: str) -> bool:
    """An NVIDIA GPU named the CDI way: the kind and a device, with no white space and no ``:``
    outside a variable (Compose splits the short syntax there, as ``source:target``)."""
    bare = _outside_variables(value)
    return (
        value.startswith(KIND)
        and len(value) > len(KIND)
        and ":" not in bare
        and not any(char.isspace() for char in bare)
    )


def gpu_items(view: ServiceView) -> list[Node]:
    """The items of ``devices:`` that name NVIDIA GPUs the CDI way."""
    entry = view.entries.get("devices")
    if entry is None or not yamldoc.is_sequence(entry.value):
        return []
    return [item for item in entry.value.value if is_gpu_name(yamldoc.text_of(item) or "")]


def from_names(names: Sequence[str]) -> GpuRequest | Unsupported:
    """The request a list of CDI names makes (a reservation with ``driver: cdi`` too)."""
    others = [name for name in names if not is_gpu_name(name)]
    if others:
        reason = f"{others[0]!r} is not an NVIDIA GPU CDI name"
        return Unsupported(reason, refusals.OTHER_DRIVER)
    devices = tuple(name.removeprefix(KIND) for name in names)
    if "all" in devices and len(devices) > 1:
        reason = "nvidia.com/gpu=all is listed with single GPUs"
        return Unsupported(reason, refusals.SEVERAL_REQUESTS)
    return GpuRequest() if devices == ("all",) else GpuRequest(count=None, device_ids=devices)


def read(view: ServiceView) -> Found | None:
    items = gpu_items(view)
    if not items:
        return None
    names = [yamldoc.text_of(item) or "" for item in items]
    return Found(from_names(names), view.where(items[0]))


def names(request: GpuRequest, view: ServiceView) -> list[str] | Unsupported:
    """The CDI names that ask for ``request``, or why CDI cannot say it."""
    if request.driver not in (None, "nvidia"):
        reason = f"driver {request.driver!r} is not the NVIDIA driver"
        return Unsupported(reason, refusals.OTHER_DRIVER)
    if request.options:
        return Unsupported("the request has driver options, which CDI has not", refusals.OPTIONS)
    if request.names_driver_capabilities() or CAPABILITIES in view.gpu_env:
        reason = (
            f"it asks for driver capabilities ({request.driver_capabilities() or CAPABILITIES}), "
            "which CDI leaves to the host's spec"
        )
        return Unsupported(reason, refusals.CDI_CAPABILITIES)
    if request.device_ids is not None:
        bad = next((i for i in request.device_ids if not is_gpu_name(KIND + i) or "," in i), None)
        if bad is not None:
            reason = (
                f"the id {bad!r} holds a list or a ':', and a CDI name in devices: names one "
                "device with none (Compose splits it there)"
            )
            return Unsupported(reason, refusals.CDI_CAPABILITIES)
        return [KIND + device for device in request.device_ids]
    if isinstance(request.count, str) and is_variable(request.count):
        reason = f"count is set from a variable ({request.count}), and CDI names each GPU"
        return Unsupported(reason, refusals.COUNT_VARIABLE)
    if request.count in (None, ALL):
        return [KIND + "all"]
    if request.count == 0:
        return Unsupported("count 0 asks for no GPU", refusals.NO_GPU)
    assert isinstance(request.count, int)
    return [f"{KIND}{index}" for index in range(request.count)]


def remove(view: ServiceView) -> Removal | Unsupported:
    entry = view.entries["devices"]
    items = gpu_items(view)
    if view.shared(entry.value) or any(view.shared(item) for item in items):
        reason = "the CDI devices sit in an anchor used elsewhere"
        return Unsupported(reason, refusals.SHARED_ANCHOR)
    if len(items) < len(entry.value.value):
        return _remove_items(view, entry, items)
    return remove_key(view, "devices")


def _remove_items(view: ServiceView, entry: Entry, items: list[Node]) -> Removal | Unsupported:
    """The CDI names taken out of a list that keeps other devices; a new block goes above it."""
    lines = view.lines
    start = int(entry.key.start_mark.index)
    if yamldoc.is_flow(entry.owner):
        before = Place(entry.owner, start, lines.col_of(start), replaced=False, flow=True)
    else:
        span = layout.pair_span(lines, entry.key, entry.value)
        first = span.above[0] if span and span.above else lines.line_of(start)
        before = Place(entry.owner, lines.start(first), lines.col_of(start), replaced=False)
    if yamldoc.is_flow(entry.value):
        if layout.has_comment(lines, entry.value):
            reason = "a comment sits inside the flow-style devices list"
            return Unsupported(reason, refusals.LAYOUT)
        gone = [i for i, item in enumerate(entry.value.value) if any(item is g for g in items)]
        return Removal(place=before, flow=[(entry.value, index) for index in gone])
    removal = Removal(place=before)
    for item in items:
        item_span = layout.item_span(lines, item)
        if item_span is None:
            return Unsupported("a CDI name shares its line with other items", refusals.LAYOUT)
        removal.take(carry(lines, item_span, {}))
    return removal


def write(
    view: ServiceView, request: GpuRequest, removals: list[Removal]
) -> list[Edit] | Unsupported:
    """The CDI names, added to the service's own ``devices:`` list when it has one (its other
    devices stay), else in a new ``devices:`` block where the removed form stood."""
    values = names(request, view)
    if isinstance(values, Unsupported):
        return values
    entry = view.entries.get("devices")
    if entry is not None:
        if entry.owner is not view.node or view.shared(entry.value):
            reason = "devices is merged from an anchor used elsewhere"
            return Unsupported(reason, refusals.SHARED_ANCHOR)
        if not yamldoc.is_sequence(entry.value):
            return Unsupported("devices is not a list", refusals.LAYOUT)
        edits, carried = settle(view.lines, removals, None, block=False)
        above = comments_above(view, "devices", carried) if carried else None
        if carried and above is None:
            return Unsupported("comments on the removed lines have no place to go", refusals.LAYOUT)
        return [*edits, *([above] if above else []), append_items(view, entry.value, values)]
    listed = ", ".join(scalar(value) for value in values)

    def block(column: int) -> list[tuple[str, str]]:
        dash = " " * (column + view.style.dash)
        return [
            (" " * column + "devices:", HEAD),
            *((f"{dash}- {scalar(v)}", HEAD) for v in values),
        ]

    return put_block(view, removals, [f"devices: [{listed}]"], block)
