"""``composemigrate census``: how the services of a fleet ask for GPUs, before, during and after
a migration, and the burndown between two censuses.

Counting is pure (``count_text``); the walk, the output and ``--compare`` sit in
``census_command``. A service is counted once in each form it uses, and once under the refusal
code that would leave it unchanged when migrated to the census's target form.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from composemigrate import rewrite
from composemigrate.environment import EnvFileReader
from composemigrate.gpu import Form
from composemigrate.result import Finding
from composemigrate.service import might_have_gpus
from composemigrate.terminal import printable
from composemigrate.yamldoc import Lines

VERSION = 1
FORM_NAMES = tuple(form.value for form in Form)


@dataclass
class Tally:
    """Counts for one repository (or the total)."""

    files: int = 0
    failed: int = 0
    services: int = 0
    """Services asking for GPUs in at least one form."""
    forms: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.files += other.files
        self.failed += other.failed
        self.services += other.services
        self.forms.update(other.forms)
        self.refusals.update(other.refusals)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "failed": self.failed,
            "services": self.services,
            "forms": {name: self.forms[name] for name in FORM_NAMES},
            "refusals": dict(sorted(self.refusals.items())),
        }

    @classmethod
    def from_json(cls, data: Any) -> Tally:
        """Raises ``KeyError``, ``TypeError`` or ``ValueError`` for data of another shape."""
        forms = Counter({str(k): int(v) for k, v in dict(data["forms"]).items()})
        refusals = Counter({str(k): int(v) for k, v in dict(data["refusals"]).items()})
        return cls(int(data["files"]), int(data["failed"]), int(data["services"]), forms, refusals)


def count_text(text: str, to: Form, env_files: EnvFileReader | None = None) -> Tally:
    """The GPU services of one Compose text by form, and what migrating it to ``to`` would leave
    by refusal code; raises ``MigrationError`` for a text that cannot be read."""
    body = text.removeprefix("\ufeff")
    tally = Tally(files=1)
    if not might_have_gpus(body):
        return tally
    for document in rewrite.documents(body, Lines(body), env_files):
        for view in document.views:
            reading = rewrite.read_service(view)
            present = set(reading.present)
            if not present:
                continue
            tally.services += 1
            tally.forms.update(form.value for form in present)
            outcome = rewrite.plan(view, to)
            if isinstance(outcome, Finding) and outcome.code:
                tally.refusals[outcome.code] += 1
    return tally


def to_json(to: Form, repositories: dict[str, Tally], total: Tally) -> str:
    document = {
        "version": VERSION,
        "kind": "composemigrate-census",
        "to": to.value,
        "repositories": [
            {"path": path, **tally.to_json()} for path, tally in sorted(repositories.items())
        ],
        "totals": total.to_json(),
    }
    return json.dumps(document, indent=2) + "\n"


def table(repositories: dict[str, Tally], total: Tally) -> str:
    """A terminal table: a row per repository, then the total."""
    head: list[object] = ["repository", "files", "services", *FORM_NAMES, "refused"]
    rows: list[list[object]] = [
        _row(path, tally) for path, tally in sorted(repositories.items()) if len(repositories) > 1
    ]
    rows.append(_row("total", total))
    widths = [max(len(str(row[i])) for row in [head, *rows]) for i in range(len(head))]
    lines = [
        "  ".join(
            str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [head, *rows]
    ]
    codes = ", ".join(f"{code} {count}" for code, count in sorted(total.refusals.items()))
    if codes:
        lines.append(f"refused by code: {codes}")
    return "\n".join(lines) + "\n"


def _row(name: str, tally: Tally) -> list[object]:
    failed = f" ({tally.failed} failed)" if tally.failed else ""
    return [
        printable(name),
        f"{tally.files}{failed}",
        tally.services,
        *(tally.forms[form] for form in FORM_NAMES),
        sum(tally.refusals.values()),
    ]


def burndown(old: Tally, new: Tally) -> str:
    """What moved between two censuses: services per form, then refusals per code."""
    lines = [f"services asking for GPUs {old.services} → {new.services}"]
    lines += [
        f"{form} services {old.forms[form]} → {new.forms[form]}"
        for form in FORM_NAMES
        if old.forms[form] or new.forms[form]
    ]
    codes = sorted(old.refusals.keys() | new.refusals.keys())
    if codes:
        moved = ", ".join(f"{code} {old.refusals[code]} → {new.refusals[code]}" for code in codes)
        lines.append(f"refusals by code: {moved}")
    lines.append(f"files {old.files} → {new.files}, failed {old.failed} → {new.failed}")
    return "\n".join(lines) + "\n"
