"""CM204 runtime-with-request: ``runtime: nvidia`` beside a device reservation or ``gpus:``.

What: a service that asks for GPUs twice, through the legacy runtime (with its
``NVIDIA_VISIBLE_DEVICES`` / ``NVIDIA_DRIVER_CAPABILITIES``) and through a device request.

Why: when both ask for the same GPUs the runtime line is redundant, and it still makes the
service fail where the daemon has no ``nvidia`` runtime (Docker Desktop, WSL2): "unknown or invalid
runtime name: nvidia". When they ask for different GPUs or capabilities, which one wins depends on
the engine and toolkit versions.

Fix (when both ask for the same GPUs, the keys are the service's own and no comment would be
lost): remove ``runtime: nvidia`` and the ``NVIDIA_*`` entries it consumed, as
``composemigrate --to-devices`` does.

Before::

    runtime: nvidia
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              count: all
              capabilities: [gpu]

After::

    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              count: all
              capabilities: [gpu]
"""

from __future__ import annotations

from collections.abc import Iterator

from composemigrate import rewrite, yamldoc
from composemigrate.edits import Edit
from composemigrate.forms import FORMS
from composemigrate.gpu import Form, GpuRequest
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import ServiceView

CODE, NAME, SEVERITY, FIX = "CM204", "runtime-with-request", "warning", "safe"


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    runtime = view.entries.get("runtime")
    if runtime is None or yamldoc.text_of(runtime.value) != "nvidia":
        return
    others = {
        form: found
        for form in entries.REQUEST_FORMS
        if (found := FORMS[form].read(view)) is not None
    }
    legacy = FORMS[Form.RUNTIME].read(view)
    if not others or legacy is None:
        return
    form = next(iter(others))
    what = entries.REQUEST_FORMS[form]
    requests = [legacy.request, *(found.request for found in others.values())]
    at = entries.at(runtime.key)
    known = [request for request in requests if isinstance(request, GpuRequest)]
    if len(known) < len(requests):
        yield Hit(at, f"runtime: nvidia beside {what}: redundant, or conflicting; keep one form")
        return
    if len({request.effect() for request in known}) > 1:
        same_gpus = len({request.visible_devices() for request in known}) == 1
        differ = "capabilities or options" if same_gpus else "GPUs"
        yield Hit(at, f"runtime: nvidia conflicts with {what}: they ask for different {differ}")
        return
    message = f"runtime: nvidia is redundant with {what} and fails where no nvidia runtime exists"
    yield Hit(at, message, _fix(view, form, len(others)))


def _fix(view: ServiceView, form: Form, forms: int) -> tuple[Edit, ...]:
    """The migration engine's edits, when they touch only this service's own keys."""
    if forms > 1 or view.entries["runtime"].owner is not view.node or view.shared(view.node):
        return ()
    plan = rewrite.plan(view, form)
    return tuple(plan.edits) if isinstance(plan, rewrite.Plan) else ()
