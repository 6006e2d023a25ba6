"""CM107 beyond-host: a GPU count or device index the target host does not have.

What: with ``composemigrate lint --gpus N`` (or, without it, the GPUs that ``nvidia-smi -L``
lists when it is on PATH), a ``count`` above N, or a device id (``device_ids`` entry, or an index
in ``NVIDIA_VISIBLE_DEVICES`` under ``runtime: nvidia``) of N or more. MIG ids (``0:1``) count by
their GPU index; UUIDs are not judged. Without N the rule is skipped.

Why: the file is valid, but ``docker compose up`` fails on that host, and only there: the NVIDIA
hook refuses the container ("unknown device"). Compose itself cannot see the host's GPUs.

Before (for a host with 2 GPUs)::

    device_ids: ['0', '3']

After::

    device_ids: ['0', '1']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from composemigrate import yamldoc
from composemigrate.environment import env_items
from composemigrate.gpu import VISIBLE
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.lint.invalid_count import count_of
from composemigrate.service import ServiceView
from composemigrate.yamldoc import Node

CODE, NAME, SEVERITY, FIX = "CM107", "beyond-host", "error", None

_INDEX = re.compile(r"([0-9]+)(?::[0-9]+)?")


def _too_high(device: str, host: int) -> bool:
    match = _INDEX.fullmatch(device.strip())
    return match is not None and int(match[1]) >= host


def _gpus(host: int) -> str:
    return "no GPU" if host == 0 else f"{host} GPU{'' if host == 1 else 's'}"


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    host = ctx.host_gpus
    if host is None:
        return
    for request in entries.requests(view):
        if request.gpu:
            yield from _request(request, host)
    runtime = view.entries.get("runtime")
    env = view.entries.get("environment")
    if runtime is None or yamldoc.text_of(runtime.value) != "nvidia" or env is None:
        return
    for item in env_items(env.value):
        if item.name == VISIBLE and item.value is not None:
            bad = [part for part in item.value.split(",") if _too_high(part, host)]
            if bad:
                message = f"{VISIBLE} names GPU {bad[0].strip()}; the host has {_gpus(host)}"
                yield Hit(entries.at(item.key), message)


def _request(request: entries.Request, host: int) -> Iterator[Hit]:
    count: Node | None = request.value("count")
    number = count_of(count) if count is not None else None
    if count is not None and number is not None and number > host:
        yield Hit(entries.at(count), f"count: {number} is more than the host has ({_gpus(host)})")
    ids = request.value("device_ids")
    if ids is None or not yamldoc.is_sequence(ids):
        return
    for item in ids.value:
        text = yamldoc.text_of(item)
        if text is not None and _too_high(text, host):
            message = f"device id {text} is not on the host, which has {_gpus(host)}"
            yield Hit(entries.at(item), message)
