"""``--only-failed`` and ``--only-refused``: the files to run again, read from an earlier
``--report json`` (of this report version), including those an interrupt left pending."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from composemigrate.refusals import is_refusal
from composemigrate.report import REPORT_VERSION


class ReportError(Exception):
    """A report that cannot be used: one line naming the file and what is wrong."""


def paths(report: Path, *, refused: bool, repositories: bool = False) -> tuple[Path, ...]:
    """The files of ``report`` that failed (and those left pending), or with ``refused`` those
    with a service left unchanged under a refusal code; in the report's order. With
    ``repositories``, the repository of each such file instead (a file in none stays a file),
    so that each is run again whole."""
    document = _load(report)
    chosen: list[Path] = []
    for entry in document["files"]:
        if refused:
            codes = [warning.get("code") or "" for warning in entry.get("warnings") or []]
            picked = any(is_refusal(code) for code in codes)
        else:
            picked = entry.get("status") == "failed"
        if picked:
            repository = entry.get("repository")
            path = Path(entry["path"])
            whole = repositories and isinstance(repository, str)
            chosen.append(_spelled(path, Path(str(repository))) if whole else path)
    if not refused:
        known = [Path(entry["path"]) for entry in document.get("repositories") or []]
        for path in map(Path, document.get("pending") or []):
            real = Path(os.path.abspath(path))
            holding = [repo for repo in known if real.is_relative_to(repo)]
            deepest = max(holding, key=lambda repo: len(repo.parts)) if holding else None
            chosen.append(_spelled(path, deepest) if repositories and deepest else path)
    return tuple(dict.fromkeys(chosen))


def _spelled(path: Path, repository: Path) -> Path:
    """``repository`` (absolute in a report) as ``path``, a file in it, spells it: relative
    when the path is, so messages name it the way the first run named its files."""
    return next(
        (folder for folder in path.parents if os.path.abspath(folder) == str(repository)),
        repository,
    )


def _load(report: Path) -> dict[str, Any]:
    try:
        document = json.loads(report.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"{report}: cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{report}: not JSON, or cut short ({exc})") from None
    if not isinstance(document, dict) or "direction" not in document:
        raise ReportError(f"{report}: not a migrate report (composemigrate --report json)")
    if document.get("version") != REPORT_VERSION:
        version = document.get("version")
        raise ReportError(
            f"{report}: report version {version!r}, this composemigrate reads {REPORT_VERSION}"
        )
    files = document.get("files")
    if not isinstance(files, list) or not all(
        isinstance(entry, dict) and isinstance(entry.get("path"), str) for entry in files
    ):
        raise ReportError(f"{report}: its files are not listed with their paths")
    repositories = document.get("repositories") or []
    if not isinstance(repositories, list) or not all(
        isinstance(entry, dict) and isinstance(entry.get("path"), str) for entry in repositories
    ):
        raise ReportError(f"{report}: its repositories are not listed with their paths")
    return document
