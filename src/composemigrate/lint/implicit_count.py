"""CM201 implicit-count: a GPU reservation with neither ``count`` nor ``device_ids``.

What: an NVIDIA entry of ``deploy.resources.reservations.devices`` that names no GPUs, e.g. only
``capabilities: [gpu]``, or an empty ``device_ids: []`` (Compose drops it and sends no count).

Why: what it gets depends on the versions. Docker Engine up to 27.2 gives every GPU, Engine 27.3
and later give none (``NVIDIA_VISIBLE_DEVICES=void``, moby/moby#48483) unless Compose fills in the
count itself, as recent Compose v2 does. The documented intent is every GPU: say so.

Fix: add ``count: all`` (by hand where ``device_ids: []`` stands: replace it).

Before::

    - driver: nvidia
      capabilities: [gpu]

After::

    - driver: nvidia
      capabilities: [gpu]
      count: all
"""

from __future__ import annotations

from collections.abc import Iterator

from composemigrate import yamldoc
from composemigrate.edits import Edit
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView

CODE, NAME, SEVERITY, FIX = "CM201", "implicit-count", "warning", "safe"

MESSAGE = (
    "GPU reservation with neither count nor device_ids: every GPU before Engine 27.3, "
    "none since; write count: all"
)
EMPTY = (
    "GPU reservation with an empty device_ids and no count: every GPU before Engine 27.3, "
    "none since; write count: all instead"
)


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    for request in entries.requests(view):
        if not (request.reservation and request.gpu):
            continue
        ids = request.fields.get("device_ids")
        empty_ids = ids is not None and yamldoc.is_sequence(ids.value) and not ids.value.value
        if "count" in request.fields or (ids is not None and not empty_ids):
            continue
        fix: tuple[Edit, ...] = ()
        if not yamldoc.merge_sources(request.node) and not empty_ids:
            fix = (entries.append_key(view, request.node, "count: all"),)
        yield Hit(entries.at(request.node), EMPTY if empty_ids else MESSAGE, fix)
