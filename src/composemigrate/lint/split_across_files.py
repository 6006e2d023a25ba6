"""CM206 split-across-files: a service whose GPU settings are made in several files Compose merges.

What: a service of a project (base and override, an overlay, the files of ``COMPOSE_FILE``, a
service and the one it ``extends``) with GPU settings in two or more of those files, such as
``runtime: nvidia`` in the base and ``NVIDIA_VISIBLE_DEVICES`` in the override, or ``gpus: all`` in
the base under an overlay that adds ``runtime: nvidia``.

Why: which GPUs the service gets depends on the set of files it is run with, and a change to one
file alone can change them silently; ``composemigrate`` leaves such a service unchanged (CM516).

Fix: none automatic. Keep the service's GPU settings in one of its files.

Before::

    # compose.yaml
    services:
      trainer:
        runtime: nvidia
    # compose.override.yaml
    services:
      trainer:
        environment:
          NVIDIA_VISIBLE_DEVICES: "0"

After::

    # compose.yaml
    services:
      trainer:
        runtime: nvidia
        environment:
          NVIDIA_VISIBLE_DEVICES: "0"
"""

from __future__ import annotations

from collections.abc import Iterator

from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView

CODE, NAME, SEVERITY, FIX = "CM206", "split-across-files", "warning", None


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    held = ctx.held.get(view.name)
    if held is not None:
        message = held.message.removesuffix("; left unchanged in every file")
        yield Hit(int(view.key.start_mark.index), message)
