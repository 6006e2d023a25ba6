"""Service-level ``gpus:``: ``gpus: all``, or a list of device-request entries (recent Compose)."""

from __future__ import annotations

from composemigrate import refusals, yamldoc
from composemigrate.edits import Edit
from composemigrate.forms import devices, entry
from composemigrate.gpu import GpuRequest, Unsupported, is_variable
from composemigrate.service import Found, ServiceView
from composemigrate.splice import (
    HEAD,
    Removal,
    put_block,
    remove_key,
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
    return remove_key(view, "gpus")


def write(
    view: ServiceView, request: GpuRequest, removals: list[Removal]
) -> list[Edit] | Unsupported:
    plain = request.is_all_plain()

    def block(column: int) -> list[tuple[str, str]]:
        if plain:
            return [(" " * column + "gpus: all", HEAD)]
        items = devices.gpu_items(view)
        item = items[0] if len(items) == 1 else None
        dash = column + view.style.dash
        moved = entry.moved(view.lines, item, request, dash, implied_gpu=False)
        return [(" " * column + "gpus:", HEAD), *(moved or entry.render(request, dash))]

    value = "all" if plain else f"[{entry.render_flow(request)}]"
    return put_block(view, removals, [f"gpus: {value}"], block)
