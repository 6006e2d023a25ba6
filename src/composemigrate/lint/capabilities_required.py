"""CM101 capabilities-required: a device reservation without a ``capabilities`` list.

What: an entry of ``deploy.resources.reservations.devices`` with no ``capabilities``, or (there and
in the list form of ``gpus:``) a ``capabilities`` that is not a list of strings.

Why: Docker Compose refuses the file ("missing property 'capabilities'", "capabilities must be a
array"): the engine picks the device driver by capability, so a reservation has to name one.

Fix (when the key is missing and the driver is ``nvidia`` or not given): add
``capabilities: [gpu]``.

Before::

    devices:
      - driver: nvidia
        count: 1

After::

    devices:
      - driver: nvidia
        count: 1
        capabilities: [gpu]
"""

from __future__ import annotations

from collections.abc import Iterator

from composemigrate import yamldoc
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView

CODE, NAME, SEVERITY, FIX = "CM101", "capabilities-required", "error", "safe"


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    for request in entries.requests(view):
        found = request.fields.get("capabilities")
        if found is None:
            if request.reservation:
                yield _missing(view, request)
            continue
        caps = found.value
        if not entries.present(caps):
            continue
        if not yamldoc.is_sequence(caps):
            yield Hit(entries.at(caps), "capabilities must be a list, e.g. [gpu]")
            continue
        for item in caps.value:
            if not entries.is_string(item):
                yield Hit(entries.at(item), "capabilities entries must be strings, e.g. gpu")


def _missing(view: ServiceView, request: entries.Request) -> Hit:
    message = "device reservation without capabilities: Compose refuses it; add capabilities: [gpu]"
    driver = request.value("driver")
    fixable = driver is None or yamldoc.text_of(driver) == "nvidia"
    if not fixable or yamldoc.merge_sources(request.node):
        return Hit(entries.at(request.node), message)
    fix = entries.append_key(view, request.node, "capabilities: [gpu]")
    return Hit(entries.at(request.node), message, (fix,))
