"""Device reservations: ``deploy.resources.reservations.devices`` (docker-compose 1.28+, v2)."""

from __future__ import annotations

from composemigrate import layout, refusals, yamldoc
from composemigrate.edits import Edit
from composemigrate.forms import entry
from composemigrate.gpu import GpuRequest, Unsupported
from composemigrate.service import Found, ServiceView
from composemigrate.splice import (
    HEAD,
    Place,
    Removal,
    attach,
    block_edit,
    carry,
    choose_place,
    end_place,
    flow_edit,
    key_place,
    settle,
)
from composemigrate.yamldoc import Node

LEVELS = ("deploy", "resources", "reservations", "devices")
RESET = "!reset"


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


def _reset(pairs: list[tuple[Node, Node]]) -> Node | None:
    """The key whose value is tagged ``!reset``: Compose drops that value; it asks for nothing."""
    return next((key for key, value in pairs if value.tag == RESET), None)


def gpu_items(view: ServiceView) -> list[Node]:
    pairs = chain(view)
    if len(pairs) < len(LEVELS) or not yamldoc.is_sequence(pairs[-1][1]) or _reset(pairs):
        return []
    return [item for item in pairs[-1][1].value if entry.is_gpu_entry(item)]


def read(view: ServiceView) -> Found | None:
    items = gpu_items(view)
    if not items:
        return None
    where = view.where(items[0])
    if len(items) > 1:
        return Found(
            Unsupported("several GPU reservations in one service", refusals.SEVERAL_REQUESTS), where
        )
    return Found(entry.read(items[0], implied_gpu=False), where)


def remove(view: ServiceView) -> Removal | Unsupported:
    """Delete the GPU entry, then each parent it leaves empty, up to ``deploy`` itself."""
    lines = view.lines
    pairs = chain(view)
    item = gpu_items(view)[0]
    devices = pairs[-1][1]
    if any(view.shared(value) for _, value in pairs[1:]) or view.shared(item):
        return Unsupported("the reservation is an anchor used elsewhere", refusals.SHARED_ANCHOR)
    if len(devices.value) > 1:
        if yamldoc.is_flow(devices):
            index = next(i for i, node in enumerate(devices.value) if node is item)
            return Removal(place=_before_deploy(view), flow=[(devices, index)])
        span = layout.item_span(lines, item)
    else:
        depth = len(pairs) - 1
        while depth > 0 and len(pairs[depth - 1][1].value) == 1:
            depth -= 1
        parent = pairs[depth - 1][1] if depth else None
        if parent is not None and yamldoc.is_flow(parent):
            key = pairs[depth][0]
            index = yamldoc.key_index(parent, key)
            return Removal(place=_before_deploy(view), flow=[(parent, index)])
        deploy = view.entries["deploy"]
        if depth == 0 and view.unmasks(deploy):
            return Unsupported(
                "removing deploy would expose the one merged from an anchor", refusals.SHARED_ANCHOR
            )
        flow = key_place(view, *pairs[0]) if depth == 0 else None
        if flow is not None:
            return Removal(flow[0], [], flow[1], [deploy])
        span = layout.pair_span(lines, *pairs[depth])
        if depth == 0:
            if span is None:
                return Unsupported("deploy shares its line with other keys", refusals.LAYOUT)
            edit, carried = carry(lines, span, {}, above=False)
            column = lines.col_of(deploy.key.start_mark.index)
            place = Place(deploy.owner, edit.start, column, tuple(span.above))
            return Removal([edit], carried, place, [deploy])
    if span is None:
        return Unsupported("the reservation shares its lines with other keys", refusals.LAYOUT)
    edit, carried = carry(lines, span, {})
    return Removal([edit], carried, _before_deploy(view))


def _before_deploy(view: ServiceView) -> Place:
    """Directly before ``deploy:`` and the comments attached above it: ``deploy`` stays."""
    lines = view.lines
    deploy = view.entries["deploy"]
    if yamldoc.is_flow(deploy.owner):
        start = int(deploy.key.start_mark.index)
        return Place(deploy.owner, start, lines.col_of(start), replaced=False, flow=True)
    whole = layout.pair_span(lines, deploy.key, deploy.value)
    first = whole.above[0] if whole and whole.above else lines.line_of(deploy.key.start_mark.index)
    column = lines.col_of(deploy.key.start_mark.index)
    return Place(deploy.owner, lines.start(first), column, replaced=False)


def write(
    view: ServiceView, request: GpuRequest, removals: list[Removal]
) -> list[Edit] | Unsupported:
    style = view.style
    pairs = chain(view)
    missing: tuple[str, ...] = LEVELS
    if not pairs:
        place = choose_place(removals) or end_place(view, view.node)
        if place.flow:
            text = entry.render_flow(request)
            nested = f"deploy: {{resources: {{reservations: {{devices: [{text}]}}}}}}"
            return [*settle(view.lines, removals, place)[0], flow_edit(place, [nested])]
        column, step = place.column, style.step
    else:
        if yamldoc.is_flow(view.entries["deploy"].owner):
            return Unsupported(
                "a flow-style service that has deploy is not merged into", refusals.LAYOUT
            )
        reset = _reset(pairs)
        if reset is not None:
            return Unsupported(
                f"{reset.value} is tagged !reset; nothing is merged into it", refusals.LAYOUT
            )
        for _, value in pairs:
            if not (yamldoc.is_mapping(value) or yamldoc.is_sequence(value)):
                return Unsupported(
                    f"{text_of_key(pairs, value)} is empty or not a collection", refusals.LAYOUT
                )
            if yamldoc.is_flow(value):
                return _merge_flow(view, pairs, request, removals)
        deepest_key, deepest = pairs[-1]
        if len(pairs) == len(LEVELS):
            first = yamldoc.content_start(deepest.value[0])
            dash = view.lines.text.rfind("-", view.lines.start(view.lines.line_of(first)), first)
            at = end_place(view, deepest)
            place = Place(deepest, at.offset, view.lines.col_of(dash), replaced=False)
            return _insert(view, place, _entry(view, request, place.column), removals)
        if not yamldoc.is_mapping(deepest):
            return Unsupported(f"{LEVELS[len(pairs) - 1]} is not a mapping", refusals.LAYOUT)
        place = end_place(view, deepest)
        column, missing = place.column, LEVELS[len(pairs) :]
        step = place.column - view.lines.col_of(deepest_key.start_mark.index)
    rendered = [
        (" " * (column + depth * step) + f"{level}:", HEAD if depth == 0 else "")
        for depth, level in enumerate(missing)
    ]
    dash_column = column + (len(missing) - 1) * step + style.dash
    return _insert(view, place, [*rendered, *_entry(view, request, dash_column)], removals)


def _entry(view: ServiceView, request: GpuRequest, dash: int) -> list[tuple[str, str]]:
    """The entry of a ``gpus:`` list moving here in its own text, else rendered."""
    found = view.entries.get("gpus")
    items = found.value.value if found and yamldoc.is_sequence(found.value) else []
    item = items[0] if len(items) == 1 else None
    moved = entry.moved(view.lines, item, request, dash, implied_gpu=True)
    return moved or entry.render(request, dash)


def text_of_key(pairs: list[tuple[Node, Node]], value: Node) -> str:
    return next(str(key.value) for key, node in pairs if node is value)


def _merge_flow(
    view: ServiceView, pairs: list[tuple[Node, Node]], request: GpuRequest, removals: list[Removal]
) -> list[Edit]:
    """Flow text before the closing bracket of the deepest existing level: a flow collection
    is written into in flow style.

    Comments that travel with removed lines become own-line comments above the first flow level's
    key, since flow text has no line of its own to carry them.
    """
    lines = view.lines
    deepest = pairs[-1][1]
    text = entry.render_flow(request)
    if len(pairs) < len(LEVELS):
        for level in reversed(LEVELS[len(pairs) + 1 :]):
            text = f"{{{level}: {text if level != 'devices' else f'[{text}]'}}}"
        text = f"{LEVELS[len(pairs)]}: " + (f"[{text}]" if len(pairs) == len(LEVELS) - 1 else text)
    close = int(deepest.end_mark.index) - 1
    separator = ", " if deepest.value else ""
    edits, carried = settle(lines, removals, None)
    edits.append(Edit(close, close, separator + text))
    if carried:
        key = next(key for key, value in pairs if yamldoc.is_flow(value))
        line = lines.line_of(int(key.start_mark.index))
        pad = " " * lines.col_of(int(key.start_mark.index))
        comments = [pad + item.comment.text for item in carried]
        edits.append(block_edit(lines, Place(deepest, lines.start(line), 0), comments))
    return edits


def _insert(
    view: ServiceView, place: Place, rendered: list[tuple[str, str]], removals: list[Removal]
) -> list[Edit]:
    edits, carried = settle(view.lines, removals, place)
    if rendered[0][1] != HEAD:
        rendered = [(rendered[0][0], HEAD), *rendered[1:]]
    edits.append(block_edit(view.lines, place, attach(rendered, carried)))
    return edits
