"""Migrate Python code that starts GPU containers through the docker SDK (docker-py).

``migrate_python(text, Form.DEVICES)`` turns ``runtime="nvidia"`` plus ``NVIDIA_VISIBLE_DEVICES``
/ ``NVIDIA_DRIVER_CAPABILITIES`` environment entries into ``device_requests=[DeviceRequest(...)]``;
``Form.RUNTIME`` does the reverse. The calls rewritten are ``*.containers.run``,
``*.containers.create``, and ``*.create_host_config`` / ``docker.types.HostConfig`` passed as
``host_config=`` to ``create_container`` (a host config has no environment: the one of that
``create_container`` call is used; a host config built elsewhere is left alone with a warning).

Choices, following docs/gpu-semantics.md and the issue's example:
- No ``driver="nvidia"`` is written: docker-py's default ``driver=""`` makes the engine pick the
  driver that offers ``gpu``, which is nvidia. (Compose files get ``driver: nvidia`` because
  podman-compose needs it; docker-py talks to the Docker engine only.) Reading accepts a driver
  of ``""`` or ``"nvidia"``; any other is left alone.
- All GPUs are always written ``count=-1``: a ``DeviceRequest`` without count or device ids is
  Count 0, no GPU. Such a request is left alone with a warning.
- ``NVIDIA_DRIVER_CAPABILITIES`` entries join ``gpu`` in the one inner capability list; ``all``
  is spelled out as every driver capability (``gpu.from_environment``), and written back as
  ``all``.
- Anything not known statically (a non-literal ``runtime``, ``environment`` or request, a
  ``**kwargs`` splat, several requests, options, another driver) leaves the call unchanged with
  a warning at its line. So do GPU settings written outside call arguments (a kwargs dict,
  ``dict(runtime="nvidia")``, ``config["runtime"] = "nvidia"``), a ``runtime="nvidia"`` call
  inside ``try`` (a probe for the runtime itself), and ``NVIDIA_*`` entries next to
  ``device_requests`` (mixed forms).
- Consumed ``NVIDIA_*`` entries leave the environment; an environment left empty goes, and the
  request takes its place (else the place of ``runtime``). The reverse appends the entries to
  an environment literal in its own form, or adds ``environment={...}`` after ``runtime``.
- New strings use the quote character of the call's own strings. ``DeviceRequest`` is named
  the way the file imports it (see ``imports``); unused ``DeviceRequest`` imports go.
- Texts without "nvidia", "DeviceRequest" or "device_requests" are returned as they are,
  unparsed. Docker SDK code has no ``gpus`` form: ``Form.GPUS`` is an error.
"""

from __future__ import annotations

import ast

import libcst as cst

from composemigrate.forms import SPECS
from composemigrate.gpu import Form
from composemigrate.pysdk.to_devices import ToDevices
from composemigrate.pysdk.to_runtime import ToRuntime
from composemigrate.result import MigrationError, Result

__all__ = ["migrate_python"]

_MARKERS = ("nvidia", "DeviceRequest", "device_requests")


def needs_parsing(text: str) -> bool:
    """The cheap gate: source that names none of the markers is never parsed."""
    return any(marker in text for marker in _MARKERS)


def migrate_python(text: str, to: Form) -> Result:
    """Rewrite the GPU requests of the docker SDK calls in ``text`` to the form ``to``."""
    if not SPECS[to].python:
        have = " or ".join(form.value for form, spec in SPECS.items() if spec.python)
        raise MigrationError(
            f"docker SDK code has no {to.value} form (DeviceRequest is the devices form); "
            f"migrate it to {have}"
        )
    if not needs_parsing(text):
        return Result(text, False)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        raise _syntax_error(text, error) from error
    command = ToDevices() if to is Form.DEVICES else ToRuntime()
    new = command.finish(cst.MetadataWrapper(module, unsafe_skip_copy=True).visit(command)).code
    warnings = tuple(sorted(command.findings, key=lambda finding: (finding.line, finding.col)))
    return Result(new, new != text, warnings, tuple(command.services))


def _syntax_error(text: str, error: cst.ParserSyntaxError) -> MigrationError:
    """CPython's own message when it also rejects the text: it names the cause, not the symptom."""
    try:
        ast.parse(text)
    except SyntaxError as cpython:
        return MigrationError(
            f"invalid Python: {cpython.msg}", cpython.lineno or 0, cpython.offset or 0
        )
    return MigrationError(
        f"libcst cannot parse this Python: {error.message}", error.raw_line, error.raw_column + 1
    )
