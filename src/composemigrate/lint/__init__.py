"""``composemigrate lint``: GPU settings that Compose refuses, or that fail only on a GPU host.

``RULES`` is the explicit registry: one module per rule (``lint/<rule>.py``), whose docstring is
its documentation. ``lint_text`` runs every rule over every service; ``fix_text`` applies the
safe fixes by splicing their edits into the text, never by re-dumping the YAML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from composemigrate import edits as edit_engine
from composemigrate import rewrite, suppress
from composemigrate.edits import Edit
from composemigrate.lint import (
    beyond_host,
    capabilities_required,
    cdi_needs_compose,
    count_with_device_ids,
    default_runtime,
    device_ids_all,
    device_ids_not_strings,
    implicit_count,
    invalid_cdi_request,
    invalid_count,
    invalid_devices,
    invalid_gpus,
    legacy_runtime,
    runtime_with_request,
    split_across_files,
    unknown_capability,
    unknown_driver,
    visible_devices_mismatch,
)
from composemigrate.lint.context import SEVERITIES, Context, Rule
from composemigrate.result import Finding, MigrationError, Result
from composemigrate.service import ServiceView
from composemigrate.yamldoc import Lines

RULES: tuple[Rule, ...] = (
    capabilities_required,
    count_with_device_ids,
    invalid_count,
    device_ids_not_strings,
    invalid_devices,
    invalid_gpus,
    beyond_host,
    invalid_cdi_request,
    unknown_driver,
    implicit_count,
    device_ids_all,
    unknown_capability,
    runtime_with_request,
    visible_devices_mismatch,
    split_across_files,
    cdi_needs_compose,
    default_runtime,
    legacy_runtime,
)

__all__ = ["RULES", "SEVERITIES", "LintFinding", "fix_text", "lint_text"]


@dataclass(frozen=True)
class LintFinding:
    """One problem: rule ``code`` and ``name``, 1-based ``line`` and ``col``, a one-line message."""

    code: str
    name: str
    severity: str
    line: int
    col: int
    message: str
    fix: tuple[Edit, ...] = ()
    suppressed: bool = False
    """An inline ``# composemigrate: ignore[CODE]`` on its line or its service's line covers it."""

    def render(self, path: str) -> str:
        return f"{path}:{self.line}:{self.col}: {self.code} {self.severity}: {self.message}"


def lint_text(
    text: str,
    *,
    gpus: int | None = None,
    path: str = "PATH",
    held: Mapping[str, Finding] | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> list[LintFinding]:
    """Every finding in a Compose text, sorted by place; raises MigrationError on invalid YAML.

    ``gpus`` is the number of GPUs of the target host (None skips that rule); ``path`` names the
    file in messages that suggest a command; ``held`` names the services whose GPU settings the
    file's project makes in several files (see ``projects``). ``select`` and ``ignore`` choose
    rules by code or prefix (``CM2``), as ruff does; findings under an inline suppression come
    back marked ``suppressed``.
    """
    body = text.removeprefix("\ufeff")
    lines = Lines(body)
    ctx = Context(gpus, path, held or {})
    rules = [rule for rule in RULES if chosen(rule.CODE, select, ignore)]
    marks = suppress.marks(body)
    found: dict[tuple[str, int, int, str], LintFinding] = {}
    for document in rewrite.documents(body, lines):
        for view in document.views:
            own = view.where(view.key)[0]
            for rule in rules:
                for hit in rule.check(view, ctx):
                    line, col = lines.where(hit.at)
                    hidden = suppress.covers(marks, rule.CODE, line, own)
                    finding = LintFinding(
                        rule.CODE, rule.NAME, rule.SEVERITY, line, col, hit.message, hit.fix, hidden
                    )
                    found.setdefault((rule.CODE, line, col, hit.message), finding)
    return sorted(found.values(), key=lambda f: (f.line, f.col, f.code))


def chosen(code: str, select: Sequence[str] = (), ignore: Sequence[str] = ()) -> bool:
    """Whether a rule runs: selected (all by default) and not ignored, by code or prefix."""
    picked = not select or any(code.startswith(prefix) for prefix in select)
    return picked and not any(code.startswith(prefix) for prefix in ignore)


def fix_text(text: str, select: Sequence[str] = (), ignore: Sequence[str] = ()) -> Result:
    """Apply every safe fix, again until none is left (one fix can enable another).

    ``warnings`` lists the findings fixed, each pass at its own positions. Raises MigrationError
    when the input is invalid or a fix would not keep the GPUs of a service that was valid.
    """
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = current = text[len(bom) :]
    fixed: list[Finding] = []
    for _ in RULES:
        found = lint_text(current, select=select, ignore=ignore)
        fixable = [finding for finding in found if finding.fix and not finding.suppressed]
        if not fixable:
            break
        new = _apply(current, [edit for finding in fixable for edit in finding.fix])
        _verify(current, new)
        fixed += [Finding(f.line, f.col, f.message, f.code) for f in fixable]
        current = new
    return Result(bom + current, current != body, tuple(fixed))


def _apply(text: str, edits: list[Edit]) -> str:
    try:
        new = edit_engine.apply(text, edits)
    except edit_engine.EditConflict as exc:
        raise MigrationError(f"internal edit conflict: {exc}") from None
    if not text.endswith("\n") and new.endswith("\n"):
        new = new[: -2 if new.endswith("\r\n") else -1]
    return new


def _valid(view: ServiceView) -> bool:
    """No rule finds an error in the service: its GPU request is one a fix must keep."""
    ctx = Context()
    return not any(
        rule.SEVERITY == "error" and next(rule.check(view, ctx), None) is not None for rule in RULES
    )


def _views(text: str) -> dict[tuple[int, str], ServiceView]:
    return {
        (index, view.name): view
        for index, document in enumerate(rewrite.documents(text, Lines(text)))
        for view in document.views
    }


def _verify(before: str, after: str) -> None:
    """The fixed text parses, has the same services, and services without errors keep their GPUs
    (a fix may give meaning to a request Compose refused, never change a valid one)."""
    try:
        new = _views(after)
    except MigrationError as exc:
        raise MigrationError(f"the fix would not parse ({exc.message}); not applied") from None
    old = _views(before)
    if old.keys() != new.keys():
        raise MigrationError("the fix would change the set of services; not applied")
    for key, view in old.items():
        if _valid(view) and rewrite.gpu_state(view) != rewrite.gpu_state(new[key]):
            raise MigrationError(
                f"the fix would change the GPUs of service {key[1]!r}; not applied"
            )
