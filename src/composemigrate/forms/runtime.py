"""Legacy form: ``runtime: nvidia``, GPUs chosen by ``NVIDIA_VISIBLE_DEVICES`` and capabilities
by ``NVIDIA_DRIVER_CAPABILITIES`` in the service's ``environment`` (list or mapping form)."""

from __future__ import annotations

from composemigrate import layout, refusals, yamldoc
from composemigrate.edits import Edit
from composemigrate.environment import NAMES, EnvItem, env_items
from composemigrate.forms import cdi, devices, gpus
from composemigrate.gpu import (
    CAPABILITIES,
    VISIBLE,
    GpuRequest,
    Unsupported,
    from_environment,
    is_variable,
    to_environment,
)
from composemigrate.service import CAPS, REQUEST, UNKNOWN, Found, ServiceView
from composemigrate.splice import (
    HEAD,
    Place,
    Removal,
    append_items,
    block_edit,
    carry,
    comments_above,
    double_quoted,
    end_place,
    put_block,
    remove_key,
    scalar,
    settle,
)
from composemigrate.yamldoc import Node

_SLOTS = {VISIBLE: REQUEST, CAPABILITIES: CAPS}


def read(view: ServiceView) -> Found | None:
    entry = view.entries.get("runtime")
    value = yamldoc.text_of(entry.value) if entry else None
    if entry is None or value is None:
        return None
    where = view.where(entry.key)
    if is_variable(value):
        reason = f"runtime is set from {value}"
        return Found(Unsupported(reason, refusals.DECIDING_VARIABLE), where)
    if value != "nvidia":
        return None
    values = view.gpu_env
    if values.get(VISIBLE) == UNKNOWN and isinstance(view.env_file_values, Found):
        return view.env_file_values
    for name in NAMES:
        if name in values and values[name] is None:
            return view.shell_value(name)
        value = values.get(name)
        alone = (value, None) if name == VISIBLE else (None, value)
        if name in values and isinstance(refused := from_environment(*alone), Unsupported):
            return Found(refused, view.env_where(name))
    return Found(from_environment(values.get(VISIBLE), values.get(CAPABILITIES)), where)


def keeps_capabilities(view: ServiceView) -> bool:
    """Whether ``NVIDIA_DRIVER_CAPABILITIES`` stays in environment when runtime goes: it is a
    variable, or a device request beside it names no driver capability, so it still applies."""
    caps = view.gpu_env.get(CAPABILITIES)
    if caps is not None and is_variable(caps):
        return True
    return any(
        isinstance(found.request, GpuRequest) and not found.request.names_driver_capabilities()
        for module in (devices, gpus, cdi)
        if (found := module.read(view)) is not None
    )


def remove(view: ServiceView) -> Removal | Unsupported:
    lines = view.lines
    removal = remove_key(view, "runtime")
    if isinstance(removal, Unsupported):
        return removal
    env = view.entries.get("environment")
    if env is None:
        return removal
    items = env_items(env.value)
    kept = (CAPABILITIES,) if keeps_capabilities(view) else ()
    gpu_items = [item for item in items if item.name in NAMES and item.name not in kept]
    if not gpu_items:
        return removal
    if view.shared(env.value) or any(view.shared(item.key) for item in gpu_items):
        return Unsupported(
            "the NVIDIA_* entries sit in an anchored environment used elsewhere",
            refusals.SHARED_ANCHOR,
        )
    if yamldoc.is_flow(env.value) and layout.has_comment(lines, env.value):
        return Unsupported("a comment sits inside the flow-style environment", refusals.LAYOUT)
    whole = len(gpu_items) == len(items) == len(env.value.value)
    if whole and view.unmasks(env):
        return Unsupported(
            "removing environment would expose the one merged from an anchor",
            refusals.SHARED_ANCHOR,
        )
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
                return Unsupported(
                    f"{item.name} shares its line with other entries", refusals.LAYOUT
                )
            slot = _SLOTS[item.name]
            numbers = range(item_span.first, item_span.last + 1)
            removal.take(carry(lines, item_span, dict.fromkeys([*item_span.above, *numbers], slot)))
    return removal


def _remove_block(
    view: ServiceView, key: Node, value: Node, gpu_items: list[EnvItem], removal: Removal
) -> Removal | Unsupported:
    """Delete a block ``environment:`` that held only NVIDIA_* entries, carrying its comments."""
    lines = view.lines
    whole = layout.pair_span(lines, key, value)
    if whole is None:
        return Unsupported("environment shares its line with other keys", refusals.LAYOUT)
    slots = {}
    for item in gpu_items:
        end = item.value_node if item.value_node is not None else item.key
        first = lines.line_of(item.key.start_mark.index)
        for number in range(first, lines.line_of(yamldoc.content_end(end) - 1) + 1):
            slots[number] = _SLOTS[item.name]
    removal.take(carry(lines, whole, slots))
    return removal


def write(
    view: ServiceView, request: GpuRequest, removals: list[Removal]
) -> list[Edit] | Unsupported:
    """``runtime: nvidia`` (unless the service has it) and the environment that asks for
    ``request``: entries already there take the new value, the others are added. An environment
    merged from an anchor is edited in place; the batch planner leaves every service that shares
    it unless all of them get the same edit."""
    values = to_environment(request)
    if isinstance(values, Unsupported):
        return values
    runtime = view.entries.get("runtime")
    if runtime is not None and yamldoc.text_of(runtime.value) != "nvidia":
        return Unsupported("runtime is already set to something else", refusals.OTHER_RUNTIME)
    env = view.entries.get("environment")
    existing = {i.name: i for i in env_items(env.value) if i.name in NAMES} if env else {}
    edits: list[Edit] = []
    if env is not None:
        if not (yamldoc.is_sequence(env.value) or yamldoc.is_mapping(env.value)):
            return Unsupported("environment is neither a list nor a mapping", refusals.LAYOUT)
        changes = [(existing[n], v) for n, v in values.items() if n in existing]
        for item, value in changes:
            edit = _set_env(view.lines.text, env.value, item, value)
            if isinstance(edit, Unsupported):
                return edit
            edits.extend(edit)
    values = {name: value for name, value in values.items() if name not in existing}
    if runtime is not None:
        settled, carried = settle(view.lines, removals, None, block=False)
        above = comments_above(view, "runtime", carried) if carried else None
        if carried and above is None:
            return Unsupported("comments on the removed lines have no place to go", refusals.LAYOUT)
        edits.extend([above] if above else [])
        if values:
            edits.append(_append_env(view, env.value, values) if env else _new_env(view, values))
        return [*edits, *settled]
    if env is not None and values:
        edits.append(_append_env(view, env.value, values))
    listed = ", ".join(scalar(f"{name}={value}") for name, value in values.items())
    flow = ["runtime: nvidia", *([f"environment: [{listed}]"] if env is None else [])]

    def block(column: int) -> list[tuple[str, str]]:
        new = _env_block(view, column, values) if env is None else []
        return [(" " * column + "runtime: nvidia", HEAD), *new]

    return [*edits, *put_block(view, removals, flow, block)]


def _env_block(view: ServiceView, column: int, values: dict[str, str]) -> list[tuple[str, str]]:
    """A new block ``environment:`` list at ``column``, in the file's dash style."""
    dash = " " * (column + view.style.dash)
    return [
        (" " * column + "environment:", "env"),
        *((f"{dash}- {scalar(f'{n}={v}', flow=False)}", "env") for n, v in values.items()),
    ]


def _new_env(view: ServiceView, values: dict[str, str]) -> Edit:
    """``environment:`` appended to a service that keeps its ``runtime: nvidia``."""
    place = end_place(view, view.node)
    if place.flow or yamldoc.is_flow(view.node):
        close = int(view.node.end_mark.index) - 1
        listed = ", ".join(scalar(f"{name}={value}") for name, value in values.items())
        return Edit(close, close, f", environment: [{listed}]")
    lines = [content for content, _ in _env_block(view, place.column, values)]
    return block_edit(view.lines, place, lines)


def _set_env(text: str, env: Node, item: EnvItem, value: str) -> list[Edit] | Unsupported:
    """The entry's value replaced in place, in the quotes it had; nothing when it is the same."""
    if item.value == value:
        return []
    node = item.key if item.value_node is None else item.value_node
    if not yamldoc.is_scalar(node) or yamldoc.is_null(node):
        reason = f"{item.name} has no value to replace in place"
        return Unsupported(reason, refusals.LAYOUT)
    new = f"{item.name}={value}" if item.value_node is None else value
    if node.style == "'":
        rendered = "'" + new.replace("'", "''") + "'"
    elif node.style == '"':
        rendered = double_quoted(new)
    else:
        rendered = scalar(new, flow=yamldoc.is_flow(env))
    return [Edit(int(node.start_mark.index), yamldoc.content_end(node), rendered)]


def _append_env(view: ServiceView, env: Node, values: dict[str, str]) -> Edit:
    """Add entries to an existing environment in its own form: list, block mapping, flow."""
    if yamldoc.is_sequence(env):
        return append_items(view, env, [f"{name}={value}" for name, value in values.items()])
    if yamldoc.is_flow(env) or not env.value:
        close = int(env.end_mark.index) - 1
        entries = [f"{name}: {scalar(value)}" for name, value in values.items()]
        separator = ", " if env.value else ""
        return Edit(close, close, separator + ", ".join(entries))
    column = view.lines.col_of(yamldoc.content_start(env.value[0][0]))
    new = [f"{' ' * column}{name}: {scalar(value, flow=False)}" for name, value in values.items()]
    at = end_place(view, env)
    return block_edit(view.lines, Place(env, at.offset, column), new)
