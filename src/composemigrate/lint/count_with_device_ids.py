"""CM102 count-with-device-ids: ``count`` and ``device_ids`` in the same request.

What: a device reservation (or ``gpus:`` entry) that gives both ``count`` and ``device_ids``.

Why: they are exclusive. Compose refuses the file ("count and device_ids attributes are
exclusive") and so does the daemon ("cannot set both Count and DeviceIDs"). Which one was meant
cannot be guessed, so there is no automatic fix: keep the one that names the GPUs you want.

Before::

    - driver: nvidia
      count: 1
      device_ids: ['0']
      capabilities: [gpu]

After::

    - driver: nvidia
      device_ids: ['0']
      capabilities: [gpu]
"""

from __future__ import annotations

from collections.abc import Iterator

from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView

CODE, NAME, SEVERITY, FIX = "CM102", "count-with-device-ids", "error", None


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    for request in entries.requests(view):
        keys = [
            request.fields[name].key
            for name in ("count", "device_ids")
            if request.value(name) is not None
        ]
        if len(keys) == 2:
            second = max(keys, key=entries.at)
            yield Hit(
                entries.at(second),
                "count and device_ids are exclusive: Compose and the engine refuse both; keep one",
            )
