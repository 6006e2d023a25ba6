"""``--report markdown``: for each repository, a pull-request body a reviewer can trust: what
changed in each file and service (the form before and after, the GPUs asked for), what was left
and why, and how to check it with Docker Compose."""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from pathlib import Path

from composemigrate import refusals, rewrite
from composemigrate.forms import SPECS
from composemigrate.gpu import Form
from composemigrate.report import shown
from composemigrate.result import MigrationError
from composemigrate.runner import Outcome
from composemigrate.yamldoc import Lines

Services = dict[str, tuple[list[str], str]]
"""Service name → (the forms it asks in, its GPUs in words)."""


def _services(text: str) -> Services:
    try:
        docs = rewrite.documents(text.removeprefix("\ufeff"), Lines(text.removeprefix("\ufeff")))
    except (MigrationError, RecursionError):
        return {}
    found: Services = {}
    for document in docs:
        for view in document.views:
            reading = rewrite.read_service(view)
            labels = [SPECS[form].label for form in reading.present]
            found[view.name] = (labels, rewrite.describe(reading.state))
    return found


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def document(repo: Path | None, outcomes: Iterable[Outcome], to: Form, written: bool) -> str:
    """The Markdown body for one repository's outcomes."""
    items = list(outcomes)
    changed = [o for o in items if o.status == "changed"]
    left = [o for o in items if o.warnings or o.error is not None]
    where = f" in `{repo.name}`" if repo is not None else ""
    verb = "rewrote" if written else "would rewrite"
    lines = [
        f"# Move GPU requests to {SPECS[to].label}",
        "",
        f"`composemigrate --to-{to.value}` {verb} {len(changed)} Compose "
        f"file{'s' if len(changed) != 1 else ''}{where}. Every rewrite was read back before it "
        "was written: each service asks for the same GPUs and capabilities as before, and only "
        "the lines that ask for them changed.",
    ]
    if changed:
        lines += ["", "## What changed", "", "| file | service | before | after | GPUs |"]
        lines.append("|---|---|---|---|---|")
        for outcome in changed:
            before, after = _services(outcome.old), _services(outcome.new)
            for name in outcome.services:
                was, gpus = before.get(name, ([], ""))
                now, _ = after.get(name, ([], ""))
                lines.append(
                    f"| {_code(shown(outcome.path, repo))} | {_code(name)} | {', '.join(was)} "
                    f"| {', '.join(now)} | {gpus} |"
                )
    if left:
        lines += ["", "## Left as it was", ""]
        for outcome in left:
            path = shown(outcome.path, repo)
            for finding in outcome.warnings:
                step = refusals.REFUSALS.get(finding.code)
                advice = f" Next step: {step.next_step}." if step is not None else ""
                lines.append(
                    f"- {_code(f'{path}:{finding.line}')} **{finding.code}** "
                    f"{finding.message}.{advice}"
                )
            if outcome.error is not None:
                lines.append(f"- {_code(path)} error: {outcome.error.message}")
    if changed:
        lines += ["", "## How to check", "", "```sh"]
        for outcome in changed:
            sets = [list(files) for files in outcome.sets] or [[outcome.path]]
            for files in sets:
                flags = " ".join(f"-f {shlex.quote(shown(file, repo))}" for file in files)
                lines.append(f"docker compose {flags} config --format json")
        lines += [
            "```",
            "",
            "Run it before and after the change: each service's `deploy`, `gpus`, `devices`, "
            "`runtime` and `NVIDIA_*` environment must name the same GPUs.",
        ]
    return "\n".join(lines) + "\n"


def file_name(repo: Path | None) -> str:
    """The file ``--report-dir`` writes a repository's document to."""
    return f"{repo.name}.md" if repo is not None else "files.md"
