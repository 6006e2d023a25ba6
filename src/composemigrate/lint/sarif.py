"""SARIF 2.1.0 output, so code-scanning tools (GitHub, GitLab, IDEs) can show lint findings.

One run; every rule is described from its module docstring; a file that could not be linted
becomes an error notification of the invocation rather than a result.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote

from composemigrate import __version__
from composemigrate.lint import RULES, LintFinding
from composemigrate.lint.context import Rule
from composemigrate.lint.report import Checked
from composemigrate.result import MigrationError

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
"""SARIF has no "info" level: "note" is its lowest."""


def uri(path: str) -> str:
    """A URI reference for a path as given: a relative path stays relative (to the checkout)."""
    return ("file://" if path.startswith("/") else "") + quote(os.fsencode(path))


def describe(rule: Rule) -> dict[str, Any]:
    """A ``reportingDescriptor``: the docstring's first line is the summary, the rest the help."""
    doc = (getattr(rule, "__doc__", None) or "").strip()
    head, _, body = doc.partition("\n")
    short = head.partition(": ")[2].replace("``", "`") or rule.NAME
    return {
        "id": rule.CODE,
        "name": rule.NAME,
        "shortDescription": {"text": short},
        "help": {"text": body.strip().replace("``", "`") or short},
        "defaultConfiguration": {"level": LEVELS[rule.SEVERITY]},
        "properties": {"fixable": rule.FIX is not None},
    }


def _location(path: str, item: LintFinding | MigrationError) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri(path)}}
    if item.line:
        physical["region"] = {"startLine": item.line, "startColumn": max(item.col, 1)}
    return {"physicalLocation": physical}


def to_sarif(files: list[Checked]) -> str:
    index = {rule.CODE: number for number, rule in enumerate(RULES)}
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [_location(checked.path, f)],
        }
        for checked in files
        for f in checked.findings
    ]
    notifications = [
        {
            "level": "error",
            "message": {"text": checked.error.message},
            "locations": [_location(checked.path, checked.error)],
        }
        for checked in files
        if checked.error is not None
    ]
    run = {
        "tool": {
            "driver": {
                "name": "composemigrate",
                "version": __version__,
                "rules": [describe(rule) for rule in RULES],
            }
        },
        "invocations": [
            {
                "executionSuccessful": not notifications,
                "toolExecutionNotifications": notifications,
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2) + "\n"
