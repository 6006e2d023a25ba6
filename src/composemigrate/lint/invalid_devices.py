"""CM105 invalid-devices: ``deploy.resources.reservations.devices`` that is not a list of mappings.

What: ``devices:`` given as a string (typically a variable such as
``${ENABLE_GPU:+[{"driver":"nvidia",...}]}``), a mapping, an empty value, or a list holding
something other than request mappings.

Why: Compose refuses the file ("devices must be a array", "devices.0 must be a mapping").
Interpolation happens after YAML parsing, so a variable can only ever give a string, never a list:
the JSON-in-a-variable trick does not work. Use a profile or an override file for optional GPUs.

Before::

    devices: ${ENABLE_GPU:+[{"driver":"nvidia","count":"all","capabilities":["gpu"]}]}

After (in ``compose.gpu.yaml``, used with ``-f compose.yaml -f compose.gpu.yaml``)::

    devices:
      - driver: nvidia
        count: all
        capabilities: [gpu]
"""

from __future__ import annotations

from collections.abc import Iterator

from composemigrate import yamldoc
from composemigrate.gpu import is_variable
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView

CODE, NAME, SEVERITY, FIX = "CM105", "invalid-devices", "error", None


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    devices = entries.reservation_list(view)
    if devices is None:
        return
    if not yamldoc.is_sequence(devices):
        text = yamldoc.text_of(devices)
        why = (
            "; a variable expands to a string, never to a list"
            if text and is_variable(text)
            else ""
        )
        yield Hit(entries.at(devices), f"devices must be a list of device requests{why}")
        return
    for item in devices.value:
        if not yamldoc.is_mapping(item):
            yield Hit(entries.at(item), "each devices entry must be a mapping (driver, count...)")
