"""CM204 runtime-with-request: ``runtime: nvidia`` beside a device reservation or ``gpus:``.

What: a service that asks for GPUs twice, through the legacy runtime (with its
``NVIDIA_VISIBLE_DEVICES`` / ``NVIDIA_DRIVER_CAPABILITIES``) and through a device request.

Why: the engine appends the request's ``NVIDIA_VISIBLE_DEVICES`` after the service's environment,
so the request decides the GPUs: the runtime line adds nothing, its ``NVIDIA_*`` entries that
differ mislead, and it still makes the service fail where the daemon has no ``nvidia`` runtime
(Docker Desktop, WSL2): "unknown or invalid runtime name: nvidia".

Fix (when the keys are the service's own and one request form stands beside the runtime): remove
``runtime: nvidia`` and the ``NVIDIA_*`` entries the request overrides, as
``composemigrate --to-devices`` does; the GPUs stay the same.

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
from composemigrate.gpu import Form, GpuRequest, Unsupported
from composemigrate.lint import entries
from composemigrate.lint.context import Context, Hit
from composemigrate.service import Found, ServiceView

CODE, NAME, SEVERITY, FIX = "CM204", "runtime-with-request", "warning", "safe"


def check(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    runtime = view.entries.get("runtime")
    if runtime is None or yamldoc.text_of(runtime.value) != "nvidia":
        return
    others = [form for form in entries.REQUEST_FORMS if FORMS[form].read(view) is not None]
    legacy = FORMS[Form.RUNTIME].read(view)
    if not others or legacy is None:
        return
    what = entries.REQUEST_FORMS[others[0]]
    at = entries.at(runtime.key)
    reading = rewrite.read_service(view)
    if not isinstance(reading.outcome, GpuRequest):
        refused = reading.outcome.request if isinstance(reading.outcome, Found) else None
        reason = refused.reason if isinstance(refused, Unsupported) else "not readable"
        yield Hit(at, f"runtime: nvidia beside {what}: {reason}; keep one form")
        return
    fix = _fix(view, others[0], len(others))
    if isinstance(legacy.request, GpuRequest) and {legacy.request.effect()} == reading.state:
        message = (
            f"runtime: nvidia is redundant with {what} and fails where no nvidia runtime exists"
        )
        yield Hit(at, message, fix)
        return
    gets = ", ".join(
        sorted(str(effect[0]) for effect in reading.state if isinstance(effect, tuple))
    )
    message = (
        f"runtime: nvidia beside {what}: the request decides the GPUs ({gets}), so the NVIDIA_* "
        "settings the runtime reads here are overridden; drop them with the runtime"
    )
    yield Hit(at, message, fix)


def _fix(view: ServiceView, form: Form, forms: int) -> tuple[Edit, ...]:
    """The migration engine's edits, when they touch only this service's own keys."""
    if forms > 1 or view.entries["runtime"].owner is not view.node or view.shared(view.node):
        return ()
    plan = rewrite.plan(view, form)
    return tuple(plan.edits) if isinstance(plan, rewrite.Plan) else ()
