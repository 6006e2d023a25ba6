"""CM108 invalid-cdi-request: a ``driver: cdi`` request the engine refuses.

What: a device reservation or ``gpus:`` entry with ``driver: cdi`` that has a ``count``, has no
``device_ids``, or names ids that are not CDI names (``vendor.com/class=name``, e.g.
``nvidia.com/gpu=0``). Ids from a variable are not judged.

Why: the CDI driver takes fully qualified device names and nothing else: the engine stops the
container with "unexpected count in CDI device request", and a bare index or UUID is no CDI device.

Before::

    - driver: cdi
      count: 1
      capabilities: [gpu]

After::

    - driver: cdi
      device_ids: [nvidia.com/gpu=0]
      capabilities: [gpu]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from composemigrate import yamldoc
from composemigrate.gpu import is_variable
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView

CODE, NAME, SEVERITY, FIX = "CM108", "invalid-cdi-request", "error", None

QUALIFIED = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*=[A-Za-z0-9_.:/-]+")
"""A fully qualified CDI device name: vendor/class=name."""


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    for request in entries.requests(view):
        driver = request.value("driver")
        if driver is None or yamldoc.text_of(driver) != "cdi":
            continue
        count, ids = request.value("count"), request.value("device_ids")
        if count is not None:
            message = "driver: cdi takes no count (the engine refuses it); name the devices in "
            yield Hit(entries.at(count), message + "device_ids, e.g. [nvidia.com/gpu=0]")
        elif ids is None:
            message = "driver: cdi without device_ids asks for nothing; name the devices, e.g. "
            yield Hit(entries.at(driver), message + "device_ids: [nvidia.com/gpu=all]")
        elif yamldoc.is_sequence(ids):
            for item in ids.value:
                text = yamldoc.text_of(item)
                if text is None or is_variable(text) or QUALIFIED.fullmatch(text):
                    continue
                message = f"{text!r} is not a CDI device name (vendor.com/class=name)"
                yield Hit(entries.at(item), message + f", e.g. 'nvidia.com/gpu={text}'")
