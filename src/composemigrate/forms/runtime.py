"""Legacy form: ``runtime: nvidia``, GPUs chosen by ``NVIDIA_VISIBLE_DEVICES`` and capabilities
by ``NVIDIA_DRIVER_CAPABILITIES`` in the service's ``environment`` (list or mapping form)."""

from __future__ import annotations

from dataclasses import dataclass

from composemigrate import layout, yamldoc
from composemigrate.edits import Edit
from composemigrate.forms.entry import scalar
from composemigrate.gpu import (
    CAPABILITIES,
    VISIBLE,
    GpuRequest,
    Unsupported,
    from_environment,
    is_variable,
    to_environment,
)
from composemigrate.service import (
    CAPS,
    HEAD,
    REQUEST,
    Carried,
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
from composemigrate.yamldoc import Node

NAMES = (VISIBLE, CAPABILITIES)
_SLOTS = {VISIBLE: REQUEST, CAPABILITIES: CAPS}


@dataclass(frozen=True)
class EnvItem:
    """One environment entry: ``value`` None when it comes from the shell (bare name)."""

    name: str
    value: str | None
    key: Node
    value_node: Node | None


def env_items(env: Node) -> list[EnvItem]:
    if yamldoc.is_sequence(env):
        items = []
        for item in env.value:
            text = yamldoc.text_of(item)
            if text is not None:
                name, sep, value = text.partition("=")
                items.append(EnvItem(name.strip(), value if sep else None, item, None))
        return items
    if yamldoc.is_mapping(env):
        return [
            EnvItem(name, yamldoc.text_of(value), key, value)
            for name, key, value in yamldoc.own_entries(env)
        ]
    return []


def read(view: ServiceView) -> Found | None:
    entry = view.entries.get("runtime")
    value = yamldoc.text_of(entry.value) if entry else None
    if entry is None or value is None:
        return None
    where = view.where(entry.key)
    if is_variable(value):
        return Found(Unsupported(f"runtime is set from a variable ({value})"), where)
    if value != "nvidia":
        return None
    env = view.entries.get("environment")
    values: dict[str, str] = {}
    for item in env_items(env.value) if env else []:
        if item.name in NAMES:
            if item.value is None:
                reason = f"{item.name} takes its value from the shell; it is not known"
                return Found(Unsupported(reason), view.where(item.key))
            values[item.name] = item.value
            alone = {VISIBLE: (item.value, None), CAPABILITIES: (None, item.value)}[item.name]
            if isinstance(refused := from_environment(*alone), Unsupported):
                return Found(refused, view.where(item.key))
    if "env_file" in view.entries and len(values) < len(NAMES):
        reason = "env_file may set NVIDIA_* variables that would change the request"
        return Found(Unsupported(reason), where)
    return Found(from_environment(values.get(VISIBLE), values.get(CAPABILITIES)), where)


def remove(view: ServiceView) -> Removal | Unsupported:
    lines = view.lines
    entry = view.entries["runtime"]
    if view.shared(entry.value):
        return Unsupported("runtime is an anchor used elsewhere")
    if view.unmasks(entry):
        return Unsupported("removing runtime would expose the one merged from an anchor")
    flow = key_place(view, entry.key, entry.value)
    if flow is not None:
        removal = Removal(flow[0], [], flow[1])
    else:
        span = layout.pair_span(lines, entry.key, entry.value)
        if span is None:
            return Unsupported("runtime shares its line with other keys")
        edit, carried = carry(lines, span, {}, above=False)
        column = lines.col_of(entry.key.start_mark.index)
        removal = Removal(
            [edit], carried, Place(entry.owner, edit.start, column, tuple(span.above))
        )
    removal.keys.append(entry)
    env = view.entries.get("environment")
    if env is None:
        return removal
    items = env_items(env.value)
    gpu_items = [item for item in items if item.name in NAMES]
    if not gpu_items:
        return removal
    if view.shared(env.value) or any(view.shared(item.key) for item in gpu_items):
        return Unsupported("the NVIDIA_* entries sit in an anchored environment used elsewhere")
    if yamldoc.is_flow(env.value) and layout.has_comment(lines, env.value):
        return Unsupported("a comment sits inside the flow-style environment")
    whole = len(gpu_items) == len(items) == len(env.value.value)
    if whole and view.unmasks(env):
        return Unsupported("removing environment would expose the one merged from an anchor")
    if whole:
        removal.keys.append(env)
    if whole and yamldoc.is_flow(env.owner):
        index = yamldoc.key_index(env.owner, env.key)
        removal.flow.append((env.owner, index))
    elif whole:
        return _remove_block(view, env.key, env.value, gpu_items, removal)
    elif yamldoc.is_flow(env.value):
        keys = [item[0] if yamldoc.is_mapping(env.value) else item for item in env.value.value]
        gone = {i for i, key in enumerate(keys) if any(key is item.key for item in gpu_items)}
        removal.flow.extend((env.value, index) for index in gone)
    else:
        for item in gpu_items:
            item_span = (
                layout.item_span(lines, item.key)
                if item.value_node is None
                else layout.pair_span(lines, item.key, item.value_node)
            )
            if item_span is None:
                return Unsupported(f"{item.name} shares its line with other entries")
            slot = _SLOTS[item.name]
            numbers = range(item_span.first, item_span.last + 1)
            edit, carried = carry(
                lines, item_span, dict.fromkeys([*item_span.above, *numbers], slot)
            )
            removal.edits.append(edit)
            removal.carried.extend(carried)
    return removal


def _remove_block(
    view: ServiceView, key: Node, value: Node, gpu_items: list[EnvItem], removal: Removal
) -> Removal | Unsupported:
    """Delete a block ``environment:`` that held only NVIDIA_* entries, carrying its comments."""
    lines = view.lines
    whole = layout.pair_span(lines, key, value)
    if whole is None:
        return Unsupported("environment shares its line with other keys")
    slots = {}
    for item in gpu_items:
        end = item.value_node if item.value_node is not None else item.key
        first = lines.line_of(item.key.start_mark.index)
        for number in range(first, lines.line_of(yamldoc.content_end(end) - 1) + 1):
            slots[number] = _SLOTS[item.name]
    edit, carried = carry(lines, whole, slots)
    removal.edits.append(edit)
    removal.carried.extend(carried)
    return removal


def write(
    view: ServiceView, request: GpuRequest, removals: list[Removal]
) -> list[Edit] | Unsupported:
    values = to_environment(request)
    if isinstance(values, Unsupported):
        return values
    if "runtime" in view.entries:
        return Unsupported("runtime is already set to something else")
    if "env_file" in view.entries:
        return Unsupported("env_file may set NVIDIA_* variables that would change the request")
    env = view.entries.get("environment")
    if env is not None:
        if any(item.name in NAMES for item in env_items(env.value)):
            return Unsupported("NVIDIA_* variables are already set in environment")
        if not (yamldoc.is_sequence(env.value) or yamldoc.is_mapping(env.value)):
            return Unsupported("environment is neither a list nor a mapping")
        if view.shared(env.value) or env.owner is not view.node:
            return Unsupported("environment comes from an anchor; adding NVIDIA_* to it is shared")
    place = choose_place(removals) or end_place(view, view.node)
    edits, carried = settle(view.lines, removals, place)
    if place.flow:
        texts = ["runtime: nvidia"]
        if env is None:
            listed = ", ".join(scalar(f"{name}={value}") for name, value in values.items())
            texts.append(f"environment: [{listed}]")
        else:
            edits.append(_append_env(view, env.value, values))
        return [*edits, flow_edit(place, texts)]
    pad = " " * place.column
    rendered = [(pad + "runtime: nvidia", HEAD)]
    if env is None:
        dash = " " * (place.column + view.style.dash)
        rendered.append((pad + "environment:", "env"))
        rendered.extend(
            (f"{dash}- {scalar(f'{name}={value}', flow=False)}", "env")
            for name, value in values.items()
        )
    if env is not None:
        edits.append(_append_env(view, env.value, values))
    edits.append(block_edit(view.lines, place, attach(rendered, [_to_head(c) for c in carried])))
    return edits


def _to_head(item: Carried) -> Carried:
    """In this direction every removed comment belongs to ``runtime:`` (rule 5)."""
    return Carried(item.comment, HEAD)


def _append_env(view: ServiceView, env: Node, values: dict[str, str]) -> Edit:
    """Add entries to an existing environment in its own form: block list, block mapping, flow."""
    lines = view.lines
    is_list = yamldoc.is_sequence(env)
    if yamldoc.is_flow(env) or not env.value:
        close = int(env.end_mark.index) - 1
        if is_list:
            entries = [scalar(f"{name}={value}") for name, value in values.items()]
        else:
            entries = [f"{name}: {scalar(value)}" for name, value in values.items()]
        separator = ", " if env.value else ""
        return Edit(close, close, separator + ", ".join(entries))
    first = env.value[0] if is_list else env.value[0][0]
    start = yamldoc.content_start(first)
    column = lines.col_of(
        lines.text.rfind("-", lines.start(lines.line_of(start)), start) if is_list else start
    )
    pad = " " * column
    if is_list:
        new = [f"{pad}- {scalar(f'{name}={value}', flow=False)}" for name, value in values.items()]
    else:
        new = [f"{pad}{name}: {scalar(value, flow=False)}" for name, value in values.items()]
    at = end_place(view, env)
    return block_edit(lines, Place(env, at.offset, column), new)
