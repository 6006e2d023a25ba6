"""How a file imports docker-py's ``DeviceRequest``: new code names it the way the file does.

Order of preference: a name the file already imports it under; the ``docker`` module the file
imports (``docker.types.DeviceRequest``, ``dk.types.DeviceRequest``); else a new
``from docker.types import DeviceRequest``, merged by libcst into an existing
``from docker.types import ...``. Only module-level imports count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst
from libcst.helpers import get_full_name_for_node

MODULES = ("docker.types", "docker.types.containers")
CLASS = "DeviceRequest"


@dataclass(frozen=True)
class DockerImports:
    names: tuple[tuple[str, str | None], ...]
    """``(module, alias)`` of each ``from docker.types[.containers] import DeviceRequest``."""
    module: str | None
    """The name the file gives ``docker.types``, e.g. ``docker.types`` or ``dk.types``."""

    def request_name(self) -> str:
        if self.names:
            return self.names[0][1] or CLASS
        return f"{self.module}.{CLASS}" if self.module else CLASS

    def needs_import(self) -> bool:
        return not self.names and self.module is None


def scan(module: cst.Module) -> DockerImports:
    names: list[tuple[str, str | None]] = []
    modules: list[str] = []
    for statement in _imports(module):
        if isinstance(statement, cst.ImportFrom):
            source = get_full_name_for_node(statement.module) if statement.module else None
            if source in MODULES and not isinstance(statement.names, cst.ImportStar):
                names += [
                    (source, alias.evaluated_alias)
                    for alias in statement.names
                    if alias.evaluated_name == CLASS
                ]
            continue
        for alias in statement.names:
            if alias.evaluated_name == "docker":
                modules.append(f"{alias.evaluated_alias or 'docker'}.types")
            elif alias.evaluated_name == "docker.types":
                modules.append(alias.evaluated_alias or "docker.types")
    return DockerImports(tuple(names), modules[0] if modules else None)


def _imports(module: cst.Module) -> Iterator[cst.Import | cst.ImportFrom]:
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import | cst.ImportFrom):
                    yield small
