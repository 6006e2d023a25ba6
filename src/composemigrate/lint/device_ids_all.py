"""CM202 device-ids-all: ``device_ids: ['all']`` instead of ``count: all``.

What: a GPU request whose ``device_ids`` holds ``all``.

Why: ``device_ids`` names devices, so this asks for one device called "all". The NVIDIA runtime
happens to read ``NVIDIA_VISIBLE_DEVICES=all`` as every GPU, but other drivers, CDI and tools
that read the request (Compose's own ``config``, podman-compose) do not. ``count: all`` says it.

Before::

    device_ids: ['all']

After::

    count: all
"""

from __future__ import annotations

from collections.abc import Iterator

from composemigrate import yamldoc
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView

CODE, NAME, SEVERITY, FIX = "CM202", "device-ids-all", "warning", None


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    for request in entries.requests(view):
        ids = request.value("device_ids")
        if not request.gpu or ids is None or not yamldoc.is_sequence(ids):
            continue
        for item in ids.value:
            if yamldoc.text_of(item) == "all":
                message = "device_ids: ['all'] names a device called 'all'; write count: all"
                yield Hit(entries.at(item), message)
