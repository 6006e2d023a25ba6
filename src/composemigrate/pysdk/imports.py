"""The names a file gives docker-py's classes, found from its imports (no scope analysis).

Resolution (is this call a ``DeviceRequest``, a ``HostConfig``?) uses every import in the file,
aliases included. New code names ``DeviceRequest`` the way the file's module-level imports do:
a name it is already imported under; else through the imported ``docker`` module
(``docker.types.DeviceRequest``, ``dk.types.DeviceRequest``); else a new
``from docker.types import DeviceRequest``, merged by libcst into an existing
``from docker.types import ...``.

Removing one is done here rather than by libcst's ``RemoveImportsVisitor``, which drops the
comments of a removed line: they move onto the next statement.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import GatherUnusedImportsVisitor
from libcst.helpers import get_full_name_for_node

from composemigrate.pysdk import layout

CLASS = "DeviceRequest"
REQUEST = "docker.types.DeviceRequest"
REQUESTS = frozenset({REQUEST, "docker.types.containers.DeviceRequest"})
HOST_CONFIGS = frozenset({"docker.types.HostConfig", "docker.types.containers.HostConfig"})


@dataclass(frozen=True)
class DockerImports:
    everywhere: Mapping[str, str]
    """Local name -> the docker name it is bound to, by any import in the file."""
    module_level: Mapping[str, str]
    """The same, by module-level imports only, in source order."""

    def qualified(self, node: cst.BaseExpression) -> str | None:
        """``docker.types.DeviceRequest`` for ``dk.types.DeviceRequest`` and the like."""
        dotted = get_full_name_for_node(node)
        head, dot, rest = (dotted or "").partition(".")
        bound = self.everywhere.get(head)
        return f"{bound}{dot}{rest}" if bound else None

    def request_name(self) -> str:
        for local, bound in self.module_level.items():
            if bound in REQUESTS:
                return local
        for local, bound in self.module_level.items():
            if bound in ("docker", "docker.types"):
                return f"{local}.types.{CLASS}" if bound == "docker" else f"{local}.{CLASS}"
        return CLASS

    def needs_import(self) -> bool:
        names = (*REQUESTS, "docker", "docker.types")
        return not any(bound in names for bound in self.module_level.values())


def scan(module: cst.Module) -> DockerImports:
    top = {id(small) for small in _module_level(module)}
    everywhere: dict[str, str] = {}
    module_level: dict[str, str] = {}
    for node in m.findall(module, m.Import() | m.ImportFrom()):
        if not isinstance(node, cst.Import | cst.ImportFrom):
            continue
        for local, bound in _bindings(node):
            everywhere.setdefault(local, bound)
            if id(node) in top:
                module_level.setdefault(local, bound)
    return DockerImports(everywhere, module_level)


def _bindings(statement: cst.Import | cst.ImportFrom) -> Iterator[tuple[str, str]]:
    """``(local name, docker name)`` for each docker name ``statement`` binds."""
    if isinstance(statement, cst.Import):
        for alias in statement.names:
            name = alias.evaluated_name
            if name.split(".")[0] == "docker":
                local = alias.evaluated_alias
                yield (local, name) if local else ("docker", "docker")
        return
    source = get_full_name_for_node(statement.module) if statement.module else None
    if statement.relative or not source or source.split(".")[0] != "docker":
        return
    if not isinstance(statement.names, cst.ImportStar):
        for alias in statement.names:
            yield alias.evaluated_alias or alias.evaluated_name, f"{source}.{alias.evaluated_name}"


def _module_level(module: cst.Module) -> Iterator[cst.BaseSmallStatement]:
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield from statement.body


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
