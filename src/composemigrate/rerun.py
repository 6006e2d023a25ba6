"""``--only-failed`` and ``--only-refused``: the files to run again, read from an earlier
``--report json`` (of this report version), including those an interrupt left pending."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from composemigrate.refusals import is_refusal
from composemigrate.report import REPORT_VERSION


class ReportError(Exception):
    """A report that cannot be used: one line naming the file and what is wrong."""


def paths(report: Path, *, refused: bool) -> tuple[Path, ...]:
    """The files of ``report`` that failed (and those left pending), or with ``refused`` those
    with a service left unchanged under a refusal code; in the report's order."""
    document = _load(report)
    chosen: list[Path] = []
    for entry in document["files"]:
        if refused:
            codes = [warning.get("code") or "" for warning in entry.get("warnings") or []]
            if any(is_refusal(code) for code in codes):
                chosen.append(Path(entry["path"]))
        elif entry.get("status") == "failed":
            chosen.append(Path(entry["path"]))
    if not refused:
        chosen += [Path(path) for path in document.get("pending") or []]
    return tuple(dict.fromkeys(chosen))


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
    return document
