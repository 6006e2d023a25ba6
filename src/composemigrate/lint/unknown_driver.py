"""CM109 unknown-driver: a request ``driver`` that no engine registers.

What: ``driver:`` in a device reservation or ``gpus:`` entry that is not ``nvidia``, ``amd`` or
``cdi``: ``nvidia.com/gpu`` (copied from Kubernetes resource names), ``gpu``, ``NVIDIA``. A value
from a variable is not judged.

Why: the engine looks the driver up by its exact name and stops the container with "could not
select device driver". The safe fix applies where the intent is plain: ``nvidia.com/gpu`` with
``device_ids`` is the CDI driver with CDI names, and ``NVIDIA`` in other capitals is ``nvidia``.

Before::

    - driver: nvidia.com/gpu
      device_ids: ['0']
      capabilities: [gpu]

After::

    - driver: cdi
      device_ids: ['nvidia.com/gpu=0']
      capabilities: [gpu]
"""

from __future__ import annotations

from collections.abc import Iterator

from composemigrate import yamldoc
from composemigrate.edits import Edit
from composemigrate.forms.cdi import KIND
from composemigrate.gpu import is_variable
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView
from composemigrate.splice import scalar
from composemigrate.yamldoc import Node

CODE, NAME, SEVERITY, FIX = "CM109", "unknown-driver", "error", "safe"

DRIVERS = ("nvidia", "amd", "cdi")
"""The device drivers an engine registers."""


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    for request in entries.requests(view):
        driver = request.value("driver")
        text = yamldoc.text_of(driver) if driver is not None else None
        if driver is None or not text or text in DRIVERS or is_variable(text):
            continue
        message = f"driver {text!r} is not one the engine registers ({', '.join(DRIVERS)})"
        fix = _fix(driver, text, request)
        if fix and text.lower() == "nvidia":
            message += "; write nvidia"
        elif fix:
            message += "; a CDI request is driver: cdi with nvidia.com/gpu=<id> in device_ids"
        yield Hit(entries.at(driver), message, fix)


def _fix(driver: Node, text: str, request: entries.Request) -> tuple[Edit, ...]:
    if text.lower() == "nvidia":
        return (_replace(driver, "nvidia"),)
    ids = request.value("device_ids")
    if text != KIND.rstrip("=") or ids is None or request.value("count") is not None:
        return ()
    if not yamldoc.is_sequence(ids) or not ids.value:
        return ()
    if not all(entries.is_string(item) for item in ids.value):
        return ()
    renamed = []
    for item in ids.value:
        name = str(yamldoc.text_of(item))
        renamed.append(_replace(item, name if name.startswith(KIND) else KIND + name))
    return (_replace(driver, "cdi"), *renamed)


def _replace(node: Node, value: str) -> Edit:
    """A scalar rewritten in its own quotes (plain where plain reads the same)."""
    start, end = int(node.start_mark.index), yamldoc.content_end(node)
    if node.style == "'":
        return Edit(start, end, "'" + value.replace("'", "''") + "'")
    return Edit(start, end, scalar(value) if node.style != '"' else f'"{value}"')
