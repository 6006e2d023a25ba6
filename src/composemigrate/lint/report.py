"""What lint found in each file, and the one place that words it and picks the exit status."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from composemigrate.lint import LintFinding
from composemigrate.lint.context import SEVERITIES
from composemigrate.report import EXIT_ERROR, EXIT_OK, EXIT_PENDING, github_line, plural
from composemigrate.result import MigrationError
from composemigrate.terminal import printable

JSON_VERSION = 1
EXIT_FOUND, EXIT_FAILED = EXIT_PENDING, EXIT_ERROR
"""An error finding (or, with --dry-run, a pending fix); a file not linted."""


@dataclass(frozen=True)
class Checked:
    """One file: its findings (after fixes), or why it could not be linted; ``old`` and ``new``
    are kept when a fix changed the text."""

    path: str
    findings: tuple[LintFinding, ...] = ()
    error: MigrationError | None = None
    fixed: int = 0
    old: str = ""
    new: str = ""
    suppressed: tuple[LintFinding, ...] = ()
    """Findings an inline ``# composemigrate: ignore[CODE]`` covers: listed, never counted."""

    @property
    def changed(self) -> bool:
        return self.old != self.new


def totals(files: list[Checked]) -> dict[str, int]:
    """Files, failed files, fixes applied, and findings per severity."""
    severities = Counter(f.severity for checked in files for f in checked.findings)
    return {
        "files": len(files),
        "failed": sum(1 for checked in files if checked.error is not None),
        "fixed": sum(checked.fixed for checked in files),
        **{severity: severities[severity] for severity in SEVERITIES},
    }


def exit_code(files: list[Checked], *, pending_fixes: bool = False) -> int:
    counts = totals(files)
    if counts["failed"]:
        return EXIT_FAILED
    changed = pending_fixes and any(checked.changed for checked in files)
    return EXIT_FOUND if counts["error"] or changed else EXIT_OK


def summary(files: list[Checked], *, written: bool = True) -> str:
    counts = totals(files)
    parts = [
        plural(counts["error"], "error"),
        plural(counts["warning"], "warning"),
        f"{counts['info']} info",
    ]
    text = f"{', '.join(parts)} in {plural(counts['files'], 'file')}"
    if counts["fixed"]:
        text += f"; {counts['fixed']} {'fixed' if written else 'would be fixed'}"
    if counts["failed"]:
        text += f"; {counts['failed']} failed"
    return text + "."


def to_text(files: list[Checked]) -> str:
    """One ``path:line:col: CODE severity: message`` line per finding."""
    return "".join(
        printable(finding.render(checked.path)) + "\n"
        for checked in files
        for finding in checked.findings
    )


def _place(item: LintFinding | MigrationError) -> dict[str, Any]:
    return {"line": item.line, "column": item.col, "message": item.message}


def _json_finding(f: LintFinding) -> dict[str, Any]:
    return {
        "code": f.code,
        "name": f.name,
        "severity": f.severity,
        **_place(f),
        "fixable": bool(f.fix),
    }


GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def to_github(files: list[Checked]) -> str:
    """A workflow annotation per finding, and per file that could not be linted."""
    out = []
    for checked in files:
        path = printable(checked.path)
        if checked.error is not None:
            error = checked.error
            out.append(github_line("error", path, error.line, error.col, "lint", error.message))
        for f in checked.findings:
            title = f"{f.code} {f.name}"
            out.append(
                github_line(GITHUB_LEVELS[f.severity], path, f.line, f.col, title, f.message)
            )
    return "".join(out)


def to_json(files: list[Checked], host_gpus: int | None) -> str:
    document = {
        "version": JSON_VERSION,
        "host_gpus": host_gpus,
        "files": [
            {
                "path": printable(checked.path),
                "error": _place(checked.error) if checked.error is not None else None,
                "fixed": checked.fixed,
                "findings": [_json_finding(f) for f in checked.findings],
                "suppressed": [_json_finding(f) for f in checked.suppressed],
            }
            for checked in files
        ],
        "totals": totals(files),
    }
    return json.dumps(document, indent=2) + "\n"
