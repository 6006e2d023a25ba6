"""CM103 invalid-count: counts Compose refuses, and the ones it takes but that ask for no GPU."""

from __future__ import annotations

import pytest

from composemigrate.lint import invalid_count as rule
from composemigrate.lint import lint_text

HEAD = "services:\n  s:\n    deploy:\n      resources:\n        reservations:\n          devices:\n"


def entry(count: str) -> str:
    return HEAD + f"            - count: {count}\n              capabilities: [gpu]\n"


def messages(src: str) -> list[tuple[int, int, str]]:
    return [(f.line, f.col, f.message) for f in lint_text(src) if f.code == rule.CODE]


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ("two", "count must be a positive integer or 'all', not 'two'"),
        ("1.5", "count must be a positive integer or 'all', not '1.5'"),
        ("'-'", "count must be a positive integer or 'all', not '-'"),
        ("0", "count: 0 reserves no GPU; ask for at least one, or remove the reservation"),
        ("'0'", "count: 0 reserves no GPU; ask for at least one, or remove the reservation"),
        ("-1", "count: -1 is not a GPU count; write count: all for every GPU"),
        ("[1]", "count must be a positive integer or 'all', not a list"),
    ],
)
def test_finds(count: str, message: str) -> None:
    assert messages(entry(count)) == [(7, 22, message)]


def test_empty_count() -> None:
    src = HEAD + "            - count:\n              capabilities: [gpu]\n"
    assert messages(src) == [(7, 21, "count must be a positive integer or 'all', not empty")]


@pytest.mark.parametrize("count", ["1", "'2'", "all", "ALL", '"all"', "0x2", "${GPUS:-1}"])
def test_keeps_quiet(count: str) -> None:
    assert messages(entry(count)) == []


def test_gpus_entries_too() -> None:
    assert messages("services:\n  s:\n    gpus: [{count: 0}]\n") == [
        (3, 20, "count: 0 reserves no GPU; ask for at least one, or remove the reservation")
    ]
