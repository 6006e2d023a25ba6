"""``device_requests=[DeviceRequest(...)]`` read into the neutral model, and written from it.

docker-py's ``DeviceRequest`` defaults to ``count=0`` and ``driver=""``: a request without count
or device ids asks for no GPU (``NVIDIA_VISIBLE_DEVICES=void`` since Engine 27.3), and an empty
driver lets the engine pick the one that offers ``gpu``, i.e. nvidia.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from composemigrate.gpu import ALL, GpuRequest
from composemigrate.pysdk.calls import Skip
from composemigrate.pysdk.literals import literal_int, literal_str, literal_strs, snippet, string

KNOWN = ("driver", "count", "device_ids", "capabilities")


def read_requests(
    node: cst.BaseExpression, is_request: Callable[[cst.Call], bool]
) -> GpuRequest | Skip:
    """The one NVIDIA request in a ``device_requests`` list literal."""
    if not isinstance(node, cst.List):
        return Skip(node, f"device_requests is not a list literal ({snippet(node)})")
    if len(node.elements) != 1 or isinstance(node.elements[0], cst.StarredElement):
        return Skip(node, "device_requests does not hold exactly one request")
    call = node.elements[0].value
    if isinstance(call, cst.Dict):
        return Skip(call, "the device request is a dict, not a DeviceRequest(...) call")
    if not isinstance(call, cst.Call) or not is_request(call):
        return Skip(call, f"the device request {snippet(call)} is not a DeviceRequest(...) call")
    args: dict[str, cst.BaseExpression] = {}
    for arg in call.args:
        if arg.keyword is None or arg.keyword.value not in KNOWN:
            return Skip(arg, f"DeviceRequest argument {snippet(arg)} has no environment equivalent")
        args[arg.keyword.value] = arg.value
    return _request(call, args)


def _request(call: cst.Call, args: dict[str, cst.BaseExpression]) -> GpuRequest | Skip:
    driver = literal_str(args.get("driver", cst.SimpleString('""')))
    if driver not in ("", "nvidia"):
        return Skip(call, f"driver {snippet(args['driver'])} is not the NVIDIA runtime")
    count = literal_int(args["count"]) if "count" in args else None
    ids = literal_strs(args["device_ids"]) if "device_ids" in args else None
    for name, value in (("count", count), ("device_ids", ids)):
        if name in args and value is None:
            return Skip(args[name], f"{name} is not a literal ({snippet(args[name])})")
    if count is not None and ids is not None:
        return Skip(call, "count and device_ids are exclusive")
    if count is None and ids is None:
        return Skip(call, "DeviceRequest without count or device_ids asks for no GPU (Count 0)")
    capabilities = args.get("capabilities", cst.List([]))
    sets = capabilities.elements if isinstance(capabilities, cst.List) else ()
    caps = literal_strs(sets[0].value) if len(sets) == 1 else None
    if caps is None or "gpu" not in caps:
        return Skip(capabilities, "capabilities is not one literal list that includes 'gpu'")
    return GpuRequest(count=count, device_ids=ids, capabilities=caps)


def render_request(request: GpuRequest, name: str, quote: str) -> str:
    """Source text of a one-request ``device_requests`` list; all GPUs are ``count=-1``."""
    if request.device_ids is not None:
        which = "device_ids=[" + ", ".join(string(i, quote) for i in request.device_ids) + "]"
    else:
        which = f"count={ALL if request.count is None else request.count}"
    caps = ", ".join(string(cap, quote) for cap in request.capabilities)
    return f"[{name}({which}, capabilities=[[{caps}]])]"
