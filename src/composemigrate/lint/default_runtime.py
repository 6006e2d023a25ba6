"""CM208 default-runtime: ``NVIDIA_VISIBLE_DEVICES`` with neither ``runtime: nvidia`` nor a request.

What: a service that sets ``NVIDIA_VISIBLE_DEVICES`` (to anything but ``none``, ``void`` or empty)
in its own ``environment`` but asks for no GPU in any form.

Why: only the NVIDIA runtime reads the variable, so the service gets GPUs only on a daemon whose
``default-runtime`` is ``nvidia``: on any other host it silently runs without one, and
``composemigrate`` cannot see it as a GPU request. No fix is safe (on a host without that default
the service has no GPU today); if it should have GPUs, say so in the file, then migrate it.

Before::

    environment:
      - NVIDIA_VISIBLE_DEVICES=0

After::

    runtime: nvidia
    environment:
      - NVIDIA_VISIBLE_DEVICES=0

and then ``composemigrate --to-devices PATH``.
"""

from __future__ import annotations

from collections.abc import Iterator

from composemigrate import rewrite
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView

CODE, NAME, SEVERITY, FIX = "CM208", "default-runtime", "warning", None


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    if rewrite.read_service(view).present:
        return
    found = rewrite.default_runtime(view)
    if found is None:
        return
    offset = view.lines.start(found.line - 1) + found.col - 1
    message = (
        "NVIDIA_VISIBLE_DEVICES without runtime: nvidia or a device request gives GPUs only on "
        "a daemon whose default runtime is nvidia; add runtime: nvidia if the service needs "
        "them, then migrate it"
    )
    yield Hit(offset, message)
