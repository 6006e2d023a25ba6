"""CM301 legacy-runtime: ``runtime: nvidia`` as the only GPU request; it can be migrated.

What: a service that asks for GPUs only through the legacy NVIDIA runtime and its
``NVIDIA_VISIBLE_DEVICES`` / ``NVIDIA_DRIVER_CAPABILITIES`` environment.

Why: it works only where the daemon has the ``nvidia`` runtime registered; Docker Desktop and
WSL2 without the toolkit's runtime fail with "unknown or invalid runtime name: nvidia". Device
reservations work everywhere the NVIDIA Container Toolkit does. On Jetson (L4T) hosts the runtime
is still the documented way: test there before migrating.

Migrate: ``composemigrate --to-devices PATH`` (the message names the file, or says why the
migration would leave the service alone).

Before::

    runtime: nvidia
    environment:
      - NVIDIA_VISIBLE_DEVICES=0

After::

    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              device_ids: ['0']
              capabilities: [gpu]
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator

from composemigrate import images, yamldoc
from composemigrate.forms import FORMS, REQUEST_FORMS
from composemigrate.gpu import Form, Unsupported
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView

CODE, NAME, SEVERITY, FIX = "CM301", "legacy-runtime", "info", None


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    runtime = view.entries.get("runtime")
    if runtime is None or yamldoc.text_of(runtime.value) != "nvidia":
        return
    if any(FORMS[form].read(view) is not None for form in REQUEST_FORMS):
        return
    legacy = FORMS[Form.RUNTIME].read(view)
    image = view.entries.get("image")
    if image is not None and images.is_jetson(yamldoc.text_of(image.value)):
        message = (
            "runtime: nvidia on a Jetson (L4T) image: the documented way there; keep it, or "
            "test a migrated service on the device"
        )
    elif legacy is not None and isinstance(legacy.request, Unsupported):
        message = f"legacy runtime: nvidia, not migratable as written: {legacy.request.reason}"
    else:
        command = f"composemigrate --to-devices {shlex.quote(ctx.path)}"
        message = f"legacy runtime: nvidia; migrate it to a device reservation with `{command}`"
    yield Hit(entries.at(runtime.key), message)
