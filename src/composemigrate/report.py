"""The one place that counts outcomes, words them, and decides the exit status."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from composemigrate.refusals import is_refusal
from composemigrate.result import Finding, MigrationError
from composemigrate.runner import Outcome
from composemigrate.settings import Mode
from composemigrate.terminal import printable

STATUSES = ("changed", "unchanged", "skipped", "failed")
REPORT_VERSION = 1

ONCE_PER_RUN = frozenset({"CM591"})
"""File-wide advice that reads the same in every file it applies to."""

EXIT_OK, EXIT_PENDING, EXIT_ERROR = 0, 1, 2
"""For ``migrate`` and ``lint`` alike: all well; something to do (a file to migrate, an error
finding, a pending fix); a file that could not be handled, or an interrupt."""


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def github_line(level: str, path: str, line: int, col: int, title: str, message: str) -> str:
    """One GitHub Actions workflow command: an annotation on the file's line in a pull request."""

    def escape(text: str, *, prop: bool = False) -> str:
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return text.replace(":", "%3A").replace(",", "%2C") if prop else text

    where = f"file={escape(path, prop=True)}"
    if line:
        where += f",line={line},col={col}"
    return f"::{level} {where},title={escape(title, prop=True)}::{escape(message)}\n"


def _finding(item: Finding | MigrationError) -> dict[str, Any]:
    code = item.code if isinstance(item, Finding) and item.code else None
    return {"line": item.line, "column": item.col, "code": code, "message": item.message}


@dataclass
class Report:
    """Counts outcomes; ``echo`` writes a line to stderr, ``level`` is 0 quiet (errors and the
    summary line only), 1, 2 verbose.

    Outcomes themselves are kept only when ``keep`` is set (for the JSON report); otherwise a
    batch holds counters and the written paths, whatever the number of files.
    """

    mode: Mode
    direction: str
    echo: Callable[[str], None]
    level: int = 1
    keep: bool = False
    outcomes: list[Outcome] = field(default_factory=list)
    written: list[tuple[Path, Path]] = field(default_factory=list)
    counts: dict[Path | None, Counter[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False
    strict: bool = False
    """Services left unchanged with a refusal code make the run fail (exit 1)."""
    pending: list[Path] = field(default_factory=list)
    """Files an interrupt kept from being run (``--only-failed`` takes them up again)."""
    hint: bool = False
    """Say how to write the changes after a check (for a person at a terminal, not a hook)."""
    refused: int = 0
    """Refusal warnings reported (suppressed ones are not)."""
    repeats: dict[tuple[str, str], int] = field(default_factory=dict)
    """Warnings said once per run (``ONCE_PER_RUN``), with the number of files that had them."""
    projects: dict[tuple[Path, ...], Outcome] = field(default_factory=dict)
    """Each project of several files met, by its files, with the first outcome of one of them
    (its repository and sets); ``-v`` shows each once."""

    def add(self, outcome: Outcome) -> None:
        self.counts.setdefault(outcome.repo, Counter())[outcome.status] += 1
        if self.keep:
            self.outcomes.append(outcome)
        if outcome.written and outcome.repo is not None:
            self.written.append((outcome.repo, outcome.path))
        path = str(outcome.path)
        if outcome.error is not None:
            self.echo(outcome.error.render(path))
        self.refused += sum(1 for finding in outcome.warnings if is_refusal(finding.code))
        if self.level >= 1:
            for finding in outcome.warnings:
                if self._repeated(finding):
                    continue
                self.echo(finding.render(path))
        if self.level >= 2:
            for finding in outcome.suppressed:
                self.echo(finding.render(path).replace(": warning: ", ": suppressed: ", 1))
        if outcome.status == "changed" and self.level >= 1:
            verb = "migrated" if outcome.written else "would migrate"
            services = ", ".join(outcome.services)
            self.echo(f"{verb} {path}" + (f" (services: {services})" if services else ""))
        elif outcome.status == "unchanged" and self.level >= 2:
            self.echo(f"unchanged {path}")
        if outcome.project and outcome.project not in self.projects:
            self.projects[outcome.project] = replace(outcome, old="", new="")
            if self.level >= 2:
                self.echo("project: " + " + ".join(str(file) for file in outcome.project))

    def github(self, outcome: Outcome) -> str:
        """The outcome as GitHub Actions annotations: its warnings, its error, and a file a
        check would change (an error: the check fails on it)."""
        path = printable(str(outcome.path))
        out = [
            github_line("warning", path, w.line, w.col, w.code or "composemigrate", w.message)
            for w in outcome.warnings
        ]
        if outcome.error is not None:
            error = outcome.error
            out.append(
                github_line("error", path, error.line, error.col, "composemigrate", error.message)
            )
        if outcome.status == "changed":
            services = f" (services: {', '.join(outcome.services)})" if outcome.services else ""
            done = "migrated" if outcome.written else "would be migrated"
            level = "notice" if outcome.written or self.mode == "write" else "error"
            command = f"composemigrate --to-{self.direction}"
            out.append(
                github_line(level, path, 0, 0, "composemigrate", f"{done} by {command}{services}")
            )
        return "".join(out)

    def _repeated(self, finding: Finding) -> bool:
        """A file-wide warning said before in this run (the same ``version:`` advice in forty
        files): counted, and shown again only with ``-v``."""
        if finding.code not in ONCE_PER_RUN:
            return False
        key = (finding.code, finding.message)
        seen = key in self.repeats
        self.repeats[key] = self.repeats.get(key, 0) + 1
        return seen and self.level < 2

    def put_back(self, outcome: Outcome, why: str) -> None:
        """A file written in this run was put back as it was: count it failed, not changed."""
        counts = self.counts.setdefault(outcome.repo, Counter())
        counts["changed"] -= 1
        counts["failed"] += 1
        if outcome.repo is not None:
            self.written.remove((outcome.repo, outcome.path))
        error = MigrationError(f"put back as it was: {why}")
        if self.keep:
            index = next(i for i, kept in enumerate(self.outcomes) if kept is outcome)
            self.outcomes[index] = replace(outcome, status="failed", written=False, error=error)
        self.echo(error.render(str(outcome.path)))

    def fail(self, path: Path, message: str, repo: Path | None = None) -> None:
        """Record a failure outside any file's own run (git failed in a repository)."""
        self.add(Outcome(path, "failed", repo, error=MigrationError(message)))

    def totals(self, repo: Path | Literal["all"] | None = "all") -> Counter[str]:
        if repo == "all":
            counts = sum(self.counts.values(), Counter[str]())
        else:
            counts = self.counts.get(repo, Counter())
        return Counter({status: counts[status] for status in STATUSES})

    def summary(self, repo: Path | Literal["all"] | None = "all") -> str:
        counts = self.totals(repo)
        done = "migrated" if self.mode == "write" else "would be migrated"
        parts = [
            f"{plural(counts['changed'], 'file')} {done}",
            f"{counts['unchanged']} unchanged",
            f"{counts['skipped']} skipped with warnings",
            f"{counts['failed']} failed",
        ]
        projects = sum(1 for o in self.projects.values() if repo == "all" or o.repo == repo)
        several = f"; {plural(projects, 'multi-file project')}" if projects else ""
        strict = ""
        if self.strict and self.refused and repo == "all":
            strict = f"; {plural(self.refused, 'service')} left unchanged fail --strict"
        return ", ".join(parts) + several + strict

    def repos(self) -> list[Path]:
        return sorted(repo for repo in self.counts if repo is not None)

    def finish(self) -> None:
        """Per-repository lines when there are several repositories, then the total."""
        for (code, message), files in self.repeats.items():
            if files > 1 and self.level == 1:
                more = plural(files - 1, "more file")
                self.echo(f"warning: {code} {message} (also in {more}; -v lists them)")
        for note in self.notes:
            self.echo(note)
        if len(self.repos()) > 1 and self.level >= 1:
            for repo in self.repos():
                self.echo(f"{repo}: {self.summary(repo)}")
        prefix = "interrupted: " if self.interrupted else ""
        self.echo(prefix + self.summary() + ".")
        if self.mode != "write" and self.totals()["changed"] and self.level >= 1 and self.hint:
            self.echo("To write these changes, run the same command without --check/--dry-run.")

    @property
    def return_code(self) -> int:
        counts = self.totals()
        if counts["failed"] or self.interrupted:
            return EXIT_ERROR
        if self.mode != "write" and counts["changed"]:
            return EXIT_PENDING
        return EXIT_PENDING if self.strict and self.refused else EXIT_OK

    def to_json(self) -> str:
        """The machine-readable report: stable keys, documented in README."""
        files = [
            {
                "path": printable(str(o.path)),
                "repository": printable(str(o.repo)) if o.repo is not None else None,
                "status": o.status,
                "written": o.written,
                "services": list(o.services),
                "project": [printable(str(file)) for file in o.project],
                "warnings": [_finding(w) for w in o.warnings],
                "suppressed": [_finding(w) for w in o.suppressed],
                "error": _finding(o.error) if o.error is not None else None,
            }
            for o in self.outcomes
        ]
        document = {
            "version": REPORT_VERSION,
            "direction": self.direction,
            "mode": self.mode,
            "interrupted": self.interrupted,
            "files": files,
            "repositories": [
                {"path": printable(str(repo)), "totals": dict(self.totals(repo))}
                for repo in self.repos()
            ],
            "totals": dict(self.totals()),
            "pending": [printable(str(path)) for path in self.pending],
            "projects": [
                {
                    "files": [printable(str(file)) for file in files],
                    "repository": printable(str(o.repo)) if o.repo is not None else None,
                    "sets": [[printable(str(file)) for file in run] for run in o.sets],
                }
                for files, o in self.projects.items()
            ],
        }
        return json.dumps(document, indent=2)


def shown(path: Path, repo: Path | None) -> str:
    """A file as a reviewer reads it: relative to its repository when it lies inside."""
    if repo is not None:
        try:
            return str(path.resolve().relative_to(repo.resolve()))
        except ValueError:
            pass
    return str(path)
