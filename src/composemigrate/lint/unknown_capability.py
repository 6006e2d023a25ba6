"""CM203 unknown-capability: a GPU request capability that the NVIDIA driver does not know.

What: a name in ``capabilities`` of an NVIDIA request other than ``gpu``, ``compute``,
``compat32``, ``graphics``, ``utility``, ``video`` and ``display`` (e.g. a typo such as
``utilities``, or ``all``, which is a value of ``NVIDIA_DRIVER_CAPABILITIES`` only).

Why: Compose accepts any string, but the engine picks a driver that offers every capability asked
for: an unknown name leaves no driver ("could not select device driver") at ``up`` time.

Before::

    capabilities: [gpu, utilities]

After::

    capabilities: [gpu, utility]
"""

from __future__ import annotations

from collections.abc import Iterator

from composemigrate import yamldoc
from composemigrate.gpu import KNOWN_CAPABILITIES, is_variable
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView

CODE, NAME, SEVERITY, FIX = "CM203", "unknown-capability", "warning", None


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    for request in entries.requests(view):
        caps = request.value("capabilities")
        if not request.gpu or caps is None or not yamldoc.is_sequence(caps):
            continue
        for item in caps.value:
            name = yamldoc.text_of(item)
            if not entries.is_string(item) or name is None:
                continue  # CM101 reports entries that are not strings
            if name not in KNOWN_CAPABILITIES and not is_variable(name):
                known = ", ".join(KNOWN_CAPABILITIES)
                yield Hit(entries.at(item), f"unknown capability {name!r} (known: {known})")
