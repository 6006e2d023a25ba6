"""CM207 cdi-needs-recent-compose: CDI names in ``devices:`` in a file for older tools.

What: a service's ``devices:`` list names a CDI device (``nvidia.com/gpu=all``,
``vendor.com/class=name``) in a file that declares ``version:``.

Why: Compose reads CDI names in ``devices:`` since 2.30; docker-compose 1.x and older Compose v2
take the name for a device path and stop with "stat nvidia.com/gpu=all: no such file or
directory". A file that still declares ``version:`` is often meant for those tools. No fix is
safe: drop ``version:`` when only a recent Compose reads the file, or ask for the GPUs with a
device reservation (``composemigrate --to-devices``).

Before::

    version: "3.8"
    services:
      app:
        devices: [nvidia.com/gpu=all]

After::

    services:
      app:
        devices: [nvidia.com/gpu=all]
"""

from __future__ import annotations

from collections.abc import Iterator

from composemigrate import yamldoc
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.lint.invalid_cdi_request import QUALIFIED
from composemigrate.service import ServiceView

CODE, NAME, SEVERITY, FIX = "CM207", "cdi-needs-recent-compose", "warning", None


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    found = view.entries.get("devices")
    version = yamldoc.entries(view.root).get("version")
    if found is None or version is None or not yamldoc.is_sequence(found.value):
        return
    declared = yamldoc.text_of(version.value)
    for item in found.value.value:
        text = yamldoc.text_of(item)
        if text is not None and ":" not in text and QUALIFIED.fullmatch(text):
            message = (
                f"CDI name {text!r} in devices: needs Compose 2.30 or newer, but the file "
                f"declares version {declared!r}, which older tools read as a device path"
            )
            yield Hit(entries.at(item), message)
