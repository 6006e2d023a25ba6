"""One module per GPU form, each a reader, a remover and a writer over the neutral request, and
one registry entry per form that everything else derives from.

A direction is not a rewriter of its own: ``migrate`` reads every form, removes the sources and
writes the target. The command-line flags, the ``version:`` warnings, what lint counts as a device
request and which directions docker SDK code has all come from ``SPECS``, so a new form is one
module here, one ``Form`` member and one entry below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from composemigrate.edits import Edit
from composemigrate.forms import cdi, devices, gpus, runtime
from composemigrate.gpu import Form, GpuRequest, Unsupported
from composemigrate.service import Found, ServiceView
from composemigrate.splice import Removal


class FormModule(Protocol):
    def read(self, view: ServiceView) -> Found | None: ...

    def remove(self, view: ServiceView) -> Removal | Unsupported: ...

    def write(
        self, view: ServiceView, request: GpuRequest, removals: list[Removal]
    ) -> list[Edit] | Unsupported: ...


@dataclass(frozen=True)
class Spec:
    """A form as the rest of the tool sees it."""

    module: FormModule
    help: str
    """The help line of its ``--to-<name>`` flag."""
    key: str
    """The service key it writes (where redundant forms' comments go when it is already there)."""
    label: str
    """How messages name it."""
    request: bool
    """It makes a device request, which the engine lets win over the runtime's environment."""
    version: tuple[str, str]
    """A declared ``version:`` starting with the first text gets the second as a warning."""
    python: bool
    """Docker SDK code has this form (``--python`` can migrate to it)."""
    note: str = ""
    """Said once per run when files were migrated to it: what the host must have."""

    @property
    def flag(self) -> str:
        return f"--to-{next(form for form, spec in SPECS.items() if spec is self).value}"


SPECS: dict[Form, Spec] = {
    Form.RUNTIME: Spec(
        runtime,
        "Write runtime: nvidia with NVIDIA_* environment.",
        "runtime",
        "runtime: nvidia",
        request=False,
        version=("3", "runtime is not in file format 3.x: docker-compose before 1.27 rejects it"),
        python=True,
    ),
    Form.DEVICES: Spec(
        devices,
        "Write deploy.resources.reservations.devices.",
        "deploy",
        "the device reservation",
        request=True,
        version=(
            "2",
            "device reservations need docker-compose 1.28+ or Compose v2; older releases read "
            "2.x files with a schema that has no deploy",
        ),
        python=True,
    ),
    Form.GPUS: Spec(
        gpus,
        "Write the service-level gpus: attribute.",
        "gpus",
        "the gpus attribute",
        request=True,
        version=(
            "",
            "gpus: needs a recent Compose v2 (late 2024 or newer); docker-compose 1.x rejects it",
        ),
        python=False,
    ),
    Form.CDI: Spec(
        cdi,
        "Write CDI names (nvidia.com/gpu=…) in the service's devices: list.",
        "devices",
        "the CDI devices",
        request=True,
        version=(
            "",
            "CDI names in devices: need Compose 2.30 or newer; docker-compose 1.x and older "
            "Compose v2 take them for a device path",
        ),
        python=False,
        note=cdi.NOTE,
    ),
}

FORMS: dict[Form, FormModule] = {form: spec.module for form, spec in SPECS.items()}
REQUEST_FORMS = tuple(form for form, spec in SPECS.items() if spec.request)
"""The forms that make a device request, in the order the engine's requests are read."""
