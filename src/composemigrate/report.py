"""The one place that counts outcomes, words them, and decides the exit status."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from composemigrate.result import Finding, MigrationError
from composemigrate.runner import Outcome

Mode = Literal["write", "check", "diff"]
STATUSES = ("changed", "unchanged", "skipped", "failed")
REPORT_VERSION = 1

EXIT_OK, EXIT_PENDING, EXIT_ERROR = 0, 1, 2


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _finding(item: Finding | MigrationError) -> dict[str, Any]:
    return {"line": item.line, "column": item.col, "message": item.message}


@dataclass
class Report:
    """Collects outcomes; ``echo`` writes a line to stderr, ``level`` is 0 quiet, 1, 2 verbose."""

    mode: Mode
    direction: str
    echo: Callable[[str], None]
    level: int = 1
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        path = str(outcome.path)
        if outcome.error is not None:
            self.echo(outcome.error.render(path))
        if self.level >= 1:
            for finding in outcome.warnings:
                self.echo(finding.render(path))
        if outcome.status == "changed" and self.level >= 1:
            verb = "migrated" if outcome.written else "would migrate"
            services = ", ".join(outcome.services)
            self.echo(f"{verb} {path}" + (f" (services: {services})" if services else ""))
        elif outcome.status == "unchanged" and self.level >= 2:
            self.echo(f"unchanged {path}")

    def fail(self, path: Path, message: str, repo: Path | None = None) -> None:
        """Record a file that was not even tried (a dirty repository, an unreadable list)."""
        self.add(Outcome(path, "failed", repo, error=MigrationError(message)))

    def totals(self, outcomes: list[Outcome] | None = None) -> Counter[str]:
        counts = Counter[str](o.status for o in (self.outcomes if outcomes is None else outcomes))
        return Counter({status: counts[status] for status in STATUSES})

    def summary(self, outcomes: list[Outcome] | None = None) -> str:
        counts = self.totals(outcomes)
        done = "migrated" if self.mode == "write" else "would be migrated"
        parts = [
            f"{_plural(counts['changed'], 'file')} {done}",
            f"{counts['unchanged']} unchanged",
            f"{counts['skipped']} skipped with warnings",
            f"{counts['failed']} failed",
        ]
        return ", ".join(parts)

    def finish(self) -> None:
        """Per-repository lines when there are several repositories, then the total."""
        for note in self.notes:
            self.echo(note)
        repos = sorted({o.repo for o in self.outcomes if o.repo is not None})
        if len(repos) > 1 and self.level >= 1:
            for repo in repos:
                mine = [o for o in self.outcomes if o.repo == repo]
                self.echo(f"{repo}: {self.summary(mine)}")
        prefix = "interrupted: " if self.interrupted else ""
        if self.level >= 1 or self.totals()["failed"] or self.interrupted:
            self.echo(prefix + self.summary() + ".")
        if self.mode != "write" and self.totals()["changed"] and self.level >= 1:
            self.echo("To write these changes, run the same command without --check/--dry-run.")

    @property
    def return_code(self) -> int:
        counts = self.totals()
        if counts["failed"] or self.interrupted:
            return EXIT_ERROR
        if self.mode != "write" and counts["changed"]:
            return EXIT_PENDING
        return EXIT_OK

    def to_json(self) -> str:
        """The machine-readable report: stable keys, documented in README."""
        files = [
            {
                "path": str(o.path),
                "repository": str(o.repo) if o.repo is not None else None,
                "status": o.status,
                "written": o.written,
                "services": list(o.services),
                "warnings": [_finding(w) for w in o.warnings],
                "error": _finding(o.error) if o.error is not None else None,
            }
            for o in self.outcomes
        ]
        repos = sorted({o.repo for o in self.outcomes if o.repo is not None})
        document = {
            "version": REPORT_VERSION,
            "direction": self.direction,
            "mode": self.mode,
            "interrupted": self.interrupted,
            "files": files,
            "repositories": [
                {
                    "path": str(repo),
                    "totals": dict(self.totals([o for o in self.outcomes if o.repo == repo])),
                }
                for repo in repos
            ],
            "totals": dict(self.totals()),
        }
        return json.dumps(document, indent=2)
