"""One module per GPU form, each a reader, a remover and a writer over the neutral request.

A direction is not a rewriter of its own: ``migrate`` reads every form, removes the sources and
writes the target, so a new form is one module here and one line in ``FORMS``.
"""

from __future__ import annotations

from typing import Protocol

from composemigrate.edits import Edit
from composemigrate.forms import devices, gpus, runtime
from composemigrate.gpu import Form, GpuRequest, Unsupported
from composemigrate.service import Found, Removal, ServiceView


class FormModule(Protocol):
    def read(self, view: ServiceView) -> Found | None: ...

    def remove(self, view: ServiceView) -> Removal | Unsupported: ...

    def write(
        self, view: ServiceView, request: GpuRequest, removals: list[Removal]
    ) -> list[Edit] | Unsupported: ...


FORMS: dict[Form, FormModule] = {Form.RUNTIME: runtime, Form.DEVICES: devices, Form.GPUS: gpus}
