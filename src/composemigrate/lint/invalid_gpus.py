"""CM106 invalid-gpus: a service-level ``gpus:`` that is neither ``all`` nor a list of requests.

What: ``gpus: 2``, ``gpus: "0"``, ``gpus: ALL``, an empty ``gpus:``, a mapping, a list holding
something other than request mappings, or a variable (``gpus: ${GPU_UUID:-all}``).

Why: Compose accepts only the string ``all`` or a list of device requests ("gpus value must be
'all'", "gpus must be a string"). A variable passes only when it expands to exactly ``all``; a GPU
UUID or index in it is refused, so write the list form instead.

Before::

    gpus: "0"

After::

    gpus:
      - device_ids: ['0']
"""

from __future__ import annotations

from collections.abc import Iterator

from composemigrate import yamldoc
from composemigrate.gpu import is_variable
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView

CODE, NAME, SEVERITY, FIX = "CM106", "invalid-gpus", "error", None


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    gpus = entries.gpus_value(view)
    if gpus is None:
        return
    if yamldoc.is_sequence(gpus):
        for item in gpus.value:
            if not yamldoc.is_mapping(item):
                yield Hit(
                    entries.at(item), "each gpus entry must be a mapping (count, device_ids...)"
                )
        return
    text = yamldoc.text_of(gpus)
    if text == "all":
        return
    if text is not None and is_variable(text):
        message = f"gpus: {text} is accepted only when it expands to 'all'; use the list form"
    elif text is not None:
        message = f"gpus must be 'all' or a list of device requests, not {text!r}"
    else:
        message = "gpus must be 'all' or a list of device requests"
    yield Hit(entries.at(gpus), message)
