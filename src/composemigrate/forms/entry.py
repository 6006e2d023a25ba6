"""One device-request entry (``driver``, ``count`` | ``device_ids``, ``capabilities``, ``options``).

Device reservations and the list form of ``gpus:`` take the same entries, so both forms read and
write them here.
"""

from __future__ import annotations

from composemigrate import layout, refusals, yamldoc
from composemigrate.forms import cdi
from composemigrate.gpu import ALL, GpuRequest, Unsupported, is_variable, unbalanced
from composemigrate.service import CAPS, REQUEST
from composemigrate.splice import scalar
from composemigrate.yamldoc import Lines, Node

KEYS = ("driver", "count", "device_ids", "capabilities", "options")
ENTRY = "entry"


def _strings(node: Node) -> tuple[str, ...] | None:
    if not yamldoc.is_sequence(node):
        return None
    values = tuple(yamldoc.text_of(item) for item in node.value)
    return None if None in values else tuple(v for v in values if v is not None)


def is_gpu_entry(item: Node) -> bool:
    """An entry for the NVIDIA driver, or one asking for the ``gpu`` capability without a driver,
    whether it says so itself or takes the keys from an anchor through ``<<``, as Compose reads it.
    """
    if not yamldoc.is_mapping(item):
        return False
    fields = {name: entry.value for name, entry in yamldoc.entries(item).items()}
    driver = yamldoc.text_of(fields["driver"]) if "driver" in fields else None
    caps = _strings(fields["capabilities"]) if "capabilities" in fields else None
    return driver == "nvidia" or "gpu" in (caps or ())


def read(item: Node, *, implied_gpu: bool) -> GpuRequest | Unsupported:
    """The request one entry makes; ``implied_gpu`` when ``capabilities`` may be left out.

    Variables in ``device_ids``, ``count`` and option values are carried as their text; in
    ``driver`` they decide whether this is a GPU request at all, so they are refused.
    """
    fields = {name: value for name, _, value in yamldoc.own_entries(item)}
    extra = [name for name in fields if name not in KEYS and not name.startswith("x-")]
    if extra:
        reason = f"the entry has keys this tool does not carry over: {', '.join(extra)}"
        return Unsupported(reason, refusals.INVALID_REQUEST)
    if yamldoc.merge_sources(item):
        reason = "the device entry takes its keys from an anchor through <<"
        return Unsupported(reason, refusals.SHARED_ANCHOR)
    for node in yamldoc.walk(item):
        value = yamldoc.text_of(node)
        if value is not None and (refused := unbalanced(value)):
            return refused
    driver = yamldoc.text_of(fields["driver"]) if "driver" in fields else None
    if driver is not None and is_variable(driver):
        return Unsupported(f"driver is set from {driver}", refusals.DECIDING_VARIABLE)
    if driver == "cdi":
        return _cdi_entry(fields)
    if driver not in (None, "nvidia"):
        return Unsupported(f"driver {driver!r} is not the NVIDIA driver", refusals.OTHER_DRIVER)
    if "device_ids" in fields and _strings(fields["device_ids"]) == ():
        reason = (
            "device_ids is empty: Compose then sends no count, which gives no GPU since "
            "Engine 27.3 and every GPU before; write count: all or the ids meant"
        )
        return Unsupported(reason, refusals.INVALID_REQUEST)
    if "count" in fields and "device_ids" in fields:
        reason = "count and device_ids are given together (Compose refuses that)"
        return Unsupported(reason, refusals.INVALID_REQUEST)
    count: int | str | None = ALL
    ids: tuple[str, ...] | None = None
    if "device_ids" in fields:
        ids = _strings(fields["device_ids"])
        if ids is None:
            return Unsupported("device_ids is not a list of ids", refusals.INVALID_REQUEST)
        if "all" in ids:
            reason = "device_ids: ['all'] names a device called all; count: all is meant"
            return Unsupported(reason, refusals.INVALID_REQUEST)
        count = None
    elif "count" in fields:
        text = yamldoc.text_of(fields["count"]) or ""
        if is_variable(text):
            count = text
        elif text != "all" and not text.isdigit():
            reason = f"count {text!r} is neither a number nor 'all'"
            return Unsupported(reason, refusals.INVALID_REQUEST)
        else:
            count = ALL if text == "all" else int(text)
    caps = _strings(fields["capabilities"]) if "capabilities" in fields else None
    if caps is None and not (implied_gpu and "capabilities" not in fields):
        reason = "capabilities is missing or not a list (Compose requires it)"
        return Unsupported(reason, refusals.INVALID_REQUEST)
    variable = next((cap for cap in caps or () if is_variable(cap)), None)
    if variable is not None:
        return Unsupported(f"a capability is set from {variable}", refusals.UNKNOWN_CAPABILITY)
    options = fields.get("options")
    pairs: tuple[tuple[str, str], ...] = ()
    if options is not None:
        if not yamldoc.is_mapping(options):
            return Unsupported("options is not a mapping", refusals.INVALID_REQUEST)
        texts = [(name, yamldoc.text_of(value)) for name, _, value in yamldoc.own_entries(options)]
        if any(value is None for _, value in texts):
            reason = "options holds values that are not plain strings"
            return Unsupported(reason, refusals.INVALID_REQUEST)
        pairs = tuple((name, value or "") for name, value in texts)
    return GpuRequest(count, ids, caps or ("gpu",), driver, pairs)


def _cdi_entry(fields: dict[str, Node]) -> GpuRequest | Unsupported:
    """``driver: cdi`` with NVIDIA GPU names in ``device_ids``: the request the names make. Its
    capabilities do nothing on the CDI path, so only ``gpu`` (or none) reads as the same."""
    ids = _strings(fields["device_ids"]) if "device_ids" in fields else None
    if not ids or "count" in fields:
        reason = "driver: cdi takes CDI names in device_ids and no count"
        return Unsupported(reason, refusals.INVALID_REQUEST)
    caps = _strings(fields["capabilities"]) if "capabilities" in fields else ()
    if caps is None or set(caps) - {"gpu"} or "options" in fields:
        reason = "driver: cdi with capabilities or options, which the CDI path does not apply"
        return Unsupported(reason, refusals.OTHER_DRIVER)
    return cdi.from_names(ids)


def _fields(request: GpuRequest) -> list[tuple[str, str, str]]:
    """``(key, value, slot)`` of an entry: ``driver`` first, ``capabilities`` then ``options``."""
    if request.device_ids is not None:
        ids = ", ".join("'" + device.replace("'", "''") + "'" for device in request.device_ids)
        which = ("device_ids", f"[{ids}]")
    else:
        count = request.count
        shown = "all" if count in (None, ALL) else count if isinstance(count, str) else str(count)
        which = ("count", scalar(shown) if isinstance(count, str) else shown)
    fields = [
        ("driver", scalar(request.driver or "nvidia"), ENTRY),
        (*which, REQUEST),
        ("capabilities", f"[{', '.join(scalar(cap) for cap in request.capabilities)}]", CAPS),
    ]
    if request.options:
        options = ", ".join(f"{scalar(k)}: {scalar(v)}" for k, v in request.options)
        fields.append(("options", f"{{{options}}}", ENTRY))
    return fields


def render(request: GpuRequest, dash: int) -> list[tuple[str, str]]:
    """The entry's block lines with their slots, the first one carrying the dash."""
    return [
        (" " * dash + ("- " if index == 0 else "  ") + f"{key}: {value}", slot)
        for index, (key, value, slot) in enumerate(_fields(request))
    ]


def render_flow(request: GpuRequest) -> str:
    """The entry as one flow mapping, for flow-style lists."""
    return "{" + ", ".join(f"{key}: {value}" for key, value, _ in _fields(request)) + "}"


def moved(
    lines: Lines, item: Node | None, request: GpuRequest, dash: int, *, implied_gpu: bool
) -> list[tuple[str, str]] | None:
    """The lines of the entry ``item`` (moving between a reservation and ``gpus:``) re-indented
    to ``dash``, in its own quotes and key order, when it says ``request`` in full: a driver, a
    count or ids, capabilities, block style, no comment, no merge key. None: render it anew."""
    if item is None or not yamldoc.is_mapping(item) or yamldoc.is_flow(item):
        return None
    if read(item, implied_gpu=implied_gpu) != request or yamldoc.merge_sources(item):
        return None
    own = {name: node for name, _, node in yamldoc.own_entries(item)}
    if not {"driver", "capabilities"} <= own.keys() or not own.keys() & {"count", "device_ids"}:
        return None
    if yamldoc.text_of(own["driver"]) == "cdi":
        return None  # CDI names read as the NVIDIA request: written anew, as nvidia
    found = layout.item_span(lines, item)
    if found is None or found.above:
        return None
    start = lines.text.rfind("-", lines.start(found.first), yamldoc.content_start(item))
    column = lines.col_of(start)
    texts = [lines.content(number) for number in range(found.first, found.last + 1)]
    if column != layout.indent_of(texts[0]) or any(layout.line_comment(t) for t in texts):
        return None
    rest = texts[1:]
    if any(text.strip() and layout.indent_of(text) <= column for text in rest):
        return None
    shift = dash - column
    out = [" " * dash + texts[0][column:]]
    out += [
        text if not text.strip() else (" " * shift + text) if shift >= 0 else text[-shift:]
        for text in rest
    ]
    return [(line, _slot(line)) for line in out]


def _slot(line: str) -> str:
    """Where a carried comment goes on a moved entry's line, as on a rendered one."""
    key = line.strip().removeprefix("- ").split(":", 1)[0].strip("'\"")
    return {"count": REQUEST, "device_ids": REQUEST, "capabilities": CAPS}.get(key, ENTRY)
