"""Device reservations: ``deploy.resources.reservations.devices`` (docker-compose 1.28+, v2)."""

from __future__ import annotations

from composemigrate import layout, yamldoc
from composemigrate.edits import Edit
from composemigrate.forms import entry
from composemigrate.gpu import GpuRequest, Unsupported
from composemigrate.service import (
    HEAD,
    Found,
    Place,
    Removal,
    ServiceView,
    attach,
    block_edit,
    carry,
    choose_place,
    end_place,
    settle,
)
from composemigrate.yamldoc import Node

LEVELS = ("deploy", "resources", "reservations", "devices")


def chain(view: ServiceView) -> list[tuple[Node, Node]]:
    """The ``(key, value)`` pairs from ``deploy`` down to ``devices``, as far as they exist."""
    deploy = view.entries.get("deploy")
    if deploy is None:
        return []
    pairs = [(deploy.key, deploy.value)]
    for level in LEVELS[1:]:
        parent = pairs[-1][1]
        if not yamldoc.is_mapping(parent):
            break
        found = yamldoc.entries(parent).get(level)
        if found is None:
            break
        pairs.append((found.key, found.value))
    return pairs


def _gpu_items(view: ServiceView) -> list[Node]:
    pairs = chain(view)
    if len(pairs) < len(LEVELS) or not yamldoc.is_sequence(pairs[-1][1]):
        return []
    return [item for item in pairs[-1][1].value if entry.is_gpu_entry(item)]


def read(view: ServiceView) -> Found | None:
    items = _gpu_items(view)
    if not items:
        return None
    where = view.where(items[0])
    if len(items) > 1:
        return Found(Unsupported("several GPU reservations in one service"), where)
    return Found(entry.read(items[0], implied_gpu=False), where)


def remove(view: ServiceView) -> Removal | Unsupported:
    """Delete the GPU entry, then each parent it leaves empty, up to ``deploy`` itself."""
    lines = view.lines
    pairs = chain(view)
    item = _gpu_items(view)[0]
    devices = pairs[-1][1]
    if any(view.shared(value) for _, value in pairs[1:]) or view.shared(item):
        return Unsupported("the reservation is an anchor used elsewhere")
    if len(devices.value) > 1:
        if yamldoc.is_flow(devices):
            return Unsupported("the GPU entry sits in a flow-style list with other devices")
        span = layout.item_span(lines, item)
    else:
        depth = len(pairs) - 1
        while depth > 0 and len(pairs[depth - 1][1].value) == 1:
            depth -= 1
        span = layout.pair_span(lines, *pairs[depth])
        if depth == 0:
            if span is None:
                return Unsupported("deploy shares its line with other keys")
            edit, carried = carry(lines, span, {}, above=False)
            deploy = view.entries["deploy"]
            column = lines.col_of(deploy.key.start_mark.index)
            return Removal(
                [edit], carried, Place(deploy.owner, edit.start, column, tuple(span.above))
            )
    if span is None:
        return Unsupported("the reservation shares its lines with other keys")
    edit, carried = carry(lines, span, {})
    return Removal([edit], carried, _before_deploy(view))


def _before_deploy(view: ServiceView) -> Place:
    """Directly before ``deploy:`` and the comments attached above it: ``deploy`` stays."""
    lines = view.lines
    deploy = view.entries["deploy"]
    whole = layout.pair_span(lines, deploy.key, deploy.value)
    first = whole.above[0] if whole and whole.above else lines.line_of(deploy.key.start_mark.index)
    column = lines.col_of(deploy.key.start_mark.index)
    return Place(deploy.owner, lines.start(first), column, replaced=False)


def write(
    view: ServiceView, request: GpuRequest, removals: list[Removal]
) -> list[Edit] | Unsupported:
    style = view.style
    pairs = chain(view)
    if not pairs:
        place = choose_place(removals) or end_place(view, view.node)
        column, missing = place.column, tuple[str, ...](LEVELS)
        step = style.step
    else:
        for _, value in pairs:
            if yamldoc.is_flow(value) or not (
                yamldoc.is_mapping(value) or yamldoc.is_sequence(value)
            ):
                return Unsupported("deploy has a flow-style or empty part; not merged into")
        deepest_key, deepest = pairs[-1]
        if len(pairs) == len(LEVELS):
            if not yamldoc.is_sequence(deepest):
                return Unsupported("devices is not a list")
            first = yamldoc.content_start(deepest.value[0])
            dash = view.lines.text.rfind("-", view.lines.start(view.lines.line_of(first)), first)
            at = end_place(view, deepest)
            place = Place(deepest, at.offset, view.lines.col_of(dash), replaced=False)
            return _insert(view, place, entry.render(request, place.column), removals)
        if not yamldoc.is_mapping(deepest):
            return Unsupported(f"{LEVELS[len(pairs) - 1]} is not a mapping")
        place = end_place(view, deepest)
        column, missing = place.column, LEVELS[len(pairs) :]
        step = place.column - view.lines.col_of(deepest_key.start_mark.index)
    rendered = [
        (" " * (column + depth * step) + f"{level}:", HEAD if depth == 0 else "")
        for depth, level in enumerate(missing)
    ]
    dash_column = column + (len(missing) - 1) * step + style.dash
    return _insert(view, place, [*rendered, *entry.render(request, dash_column)], removals)


def _insert(
    view: ServiceView, place: Place, rendered: list[tuple[str, str]], removals: list[Removal]
) -> list[Edit]:
    edits, carried = settle(view.lines, removals, place)
    if rendered[0][1] != HEAD:
        rendered = [(rendered[0][0], HEAD), *rendered[1:]]
    edits.append(block_edit(view.lines, place, attach(rendered, carried)))
    return edits
