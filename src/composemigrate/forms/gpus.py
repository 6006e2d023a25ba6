"""Service-level ``gpus:``: ``gpus: all``, or a list of device-request entries (recent Compose)."""

from __future__ import annotations

from composemigrate import layout, refusals, yamldoc
from composemigrate.edits import Edit
from composemigrate.forms import devices, entry
from composemigrate.gpu import GpuRequest, Unsupported, is_variable
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
    flow_edit,
    key_place,
    settle,
)


def read(view: ServiceView) -> Found | None:
    found = view.entries.get("gpus")
    if found is None or yamldoc.is_null(found.value):
        return None
    where = view.where(found.key)
    value = found.value
    text = yamldoc.text_of(value)
    if text is not None:
        if text == "all":
            return Found(GpuRequest(), where)
        if is_variable(text):
            return Found(
                Unsupported(f"gpus is set from a variable ({text})", refusals.DECIDING_VARIABLE),
                where,
            )
        return Found(
            Unsupported(f"gpus: {text} is neither 'all' nor a list", refusals.INVALID_REQUEST),
            where,
        )
    if not yamldoc.is_sequence(value) or not value.value:
        return Found(
            Unsupported("gpus is neither 'all' nor a list of entries", refusals.INVALID_REQUEST),
            where,
        )
    if len(value.value) > 1:
        return Found(
            Unsupported("several GPU entries in one service", refusals.SEVERAL_REQUESTS), where
        )
    item = value.value[0]
    if not yamldoc.is_mapping(item):
        return Found(
            Unsupported("the gpus entry is not a mapping", refusals.INVALID_REQUEST), where
        )
    return Found(entry.read(item, implied_gpu=True), where)


def remove(view: ServiceView) -> Removal | Unsupported:
    found = view.entries["gpus"]
    if view.shared(found.value):
        return Unsupported("gpus is an anchor used elsewhere", refusals.SHARED_ANCHOR)
    if view.unmasks(found):
        return Unsupported(
            "removing gpus would expose the one merged from an anchor", refusals.SHARED_ANCHOR
        )
    flow = key_place(view, found.key, found.value)
    if flow is not None:
        return Removal(flow[0], [], flow[1], [found])
    span = layout.pair_span(view.lines, found.key, found.value)
    if span is None:
        return Unsupported("gpus shares its line with other keys", refusals.LAYOUT)
    edit, carried = carry(view.lines, span, {}, above=False)
    column = view.lines.col_of(found.key.start_mark.index)
    place = Place(found.owner, edit.start, column, tuple(span.above))
    return Removal([edit], carried, place, [found])


def write(
    view: ServiceView, request: GpuRequest, removals: list[Removal]
) -> list[Edit] | Unsupported:
    place = choose_place(removals) or end_place(view, view.node)
    edits, carried = settle(view.lines, removals, place)
    if place.flow:
        value = "all" if request.is_all_plain() else f"[{entry.render_flow(request)}]"
        return [*edits, flow_edit(place, [f"gpus: {value}"])]
    pad = " " * place.column
    if request.is_all_plain():
        rendered = [(pad + "gpus: all", HEAD)]
    else:
        dash = place.column + view.style.dash
        items = devices.gpu_items(view)
        item = items[0] if len(items) == 1 else None
        moved = entry.moved(view.lines, item, request, dash, implied_gpu=False)
        rendered = [(pad + "gpus:", HEAD), *(moved or entry.render(request, dash))]
    edits.append(block_edit(view.lines, place, attach(rendered, carried)))
    return edits
