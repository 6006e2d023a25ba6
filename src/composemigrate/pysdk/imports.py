"""How a file imports docker-py's ``DeviceRequest``: new code names it the way the file does.

Order of preference: a name the file already imports it under; the ``docker`` module the file
imports (``docker.types.DeviceRequest``, ``dk.types.DeviceRequest``); else a new
``from docker.types import DeviceRequest``, merged by libcst into an existing
``from docker.types import ...``. Only module-level imports count.

Removing one is done here rather than by libcst's ``RemoveImportsVisitor``, which drops the
comments of a removed line: they move onto the next statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import GatherUnusedImportsVisitor
from libcst.helpers import get_full_name_for_node

from composemigrate.pysdk import layout

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


def without_unused_requests(module: cst.Module) -> cst.Module:
    """``module`` without its module-level ``DeviceRequest`` imports that nothing uses."""
    wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
    wrapper.resolve_many(GatherUnusedImportsVisitor.get_inherited_dependencies())
    gather = GatherUnusedImportsVisitor(CodemodContext(wrapper=wrapper))
    module.visit(gather)
    unused = {alias for alias, _ in gather.unused_imports if alias.evaluated_name == CLASS}
    body: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []
    dropped = False
    for statement in module.body:
        kept = _without(statement, unused)
        if kept is None:
            carried += _comment_lines(cst.ensure_type(statement, cst.SimpleStatementLine))
            dropped = True
            continue
        if dropped and isinstance(kept, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            leading = [*carried, *kept.leading_lines]
            if not body and not module.header:
                leading = leading[_first_comment(leading) :]
            kept = kept.with_changes(leading_lines=leading)
            carried, dropped = [], False
        body.append(kept)
    return module.with_changes(body=body, footer=[*carried, *module.footer])


def _without(
    statement: cst.BaseStatement, unused: set[cst.ImportAlias]
) -> cst.BaseStatement | None:
    """``statement`` without the ``unused`` aliases; None when nothing of it is left."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return statement
    smalls: list[cst.BaseSmallStatement] = []
    for small in statement.body:
        if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
            smalls.append(small)
            continue
        gone = [index for index, alias in enumerate(small.names) if alias in unused]
        if len(gone) < len(small.names):
            smalls.append(layout.remove_elements(small, gone) if gone else small)
    if not smalls:
        return None
    if smalls == list(statement.body):
        return statement
    smalls[-1] = smalls[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return statement.with_changes(body=smalls)


def _comment_lines(line: cst.SimpleStatementLine) -> list[cst.EmptyLine]:
    """The comments on and above a removed line, with the blank lines between them."""
    lines = list(line.leading_lines)
    comment = line.trailing_whitespace.comment
    if comment is not None:
        lines.append(cst.EmptyLine(comment=comment))
    return lines if any(entry.comment for entry in lines) else []


def _first_comment(lines: list[cst.EmptyLine]) -> int:
    return next((i for i, line in enumerate(lines) if line.comment), len(lines))
