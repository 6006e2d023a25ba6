"""CM205 visible-devices-mismatch: ``NVIDIA_VISIBLE_DEVICES`` disagrees with the device request.

What: a service whose ``environment`` sets ``NVIDIA_VISIBLE_DEVICES`` to other GPUs than its
device reservation or ``gpus:`` asks for (``count: N`` means GPUs ``0..N-1``). Values from
variables are not judged.

Why: the engine appends the ``NVIDIA_VISIBLE_DEVICES`` it derives from the request after the
service's environment, and the NVIDIA hook takes the last value: the request wins, and the entry
only misleads whoever reads the file about which GPUs the service gets.

Before::

    environment:
      - NVIDIA_VISIBLE_DEVICES=1
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              device_ids: ['0']
              capabilities: [gpu]

After (drop the variable; the request decides)::

    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              device_ids: ['0']
              capabilities: [gpu]
"""

from __future__ import annotations

from collections.abc import Iterator

from composemigrate.environment import env_items
from composemigrate.forms import FORMS
from composemigrate.gpu import VISIBLE, GpuRequest, is_variable
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView
from composemigrate.yamldoc import Node

CODE, NAME, SEVERITY, FIX = "CM205", "visible-devices-mismatch", "warning", None


def _devices(value: str) -> set[str]:
    return {part.strip() for part in value.split(",")}


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    env = view.entries.get("environment")
    if env is None:
        return
    for form, what in entries.REQUEST_FORMS.items():
        found = FORMS[form].read(view)
        request = found.request if found is not None else None
        if isinstance(request, GpuRequest) and not is_variable(request.visible_devices()):
            yield from _mismatches(env.value, request.visible_devices(), what)
            return


def _mismatches(env: Node, asked: str, what: str) -> Iterator[Hit]:
    for item in env_items(env):
        if item.name != VISIBLE or item.value is None or is_variable(item.value):
            continue
        if _devices(item.value) != _devices(asked):
            gets = "every GPU" if asked == "all" else f"GPUs {asked}"
            message = f"{VISIBLE}={item.value} is overridden by {what}, which asks for {gets}"
            yield Hit(entries.at(item.key), message)
