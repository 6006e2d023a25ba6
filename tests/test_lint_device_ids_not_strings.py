"""CM104 device-ids-not-strings: ids Compose refuses, and quoting the integers as the fix."""

from __future__ import annotations

import pytest

from composemigrate.lint import device_ids_not_strings as rule
from composemigrate.lint import fix_text, lint_text

HEAD = "services:\n  s:\n    deploy:\n      resources:\n        reservations:\n          devices:\n"
CAPS = "              capabilities: [gpu]\n"


def entry(ids: str) -> str:
    return HEAD + f"            - device_ids: {ids}\n" + CAPS


def messages(src: str) -> list[tuple[int, int, str]]:
    return [(f.line, f.col, f.message) for f in lint_text(src) if f.code == rule.CODE]


@pytest.mark.parametrize(
    ("ids", "col", "message"),
    [
        ("[0, 3]", 28, "device_ids entries must be strings; quote them: '0', '3'"),
        ("['0', 1]", 33, "device_ids entries must be strings; quote them: '1'"),
        ("[true]", 28, "device_ids entries must be strings"),
        ("[1, ~]", 28, "device_ids entries must be strings"),
        ("[!!int 4]", 28, "device_ids entries must be strings"),
        ("0", 27, "device_ids must be a list of strings, e.g. ['0', '3']"),
        ("${IDS}", 27, "device_ids must be a list of strings, e.g. ['0', '3']"),
    ],
)
def test_finds(ids: str, col: int, message: str) -> None:
    assert messages(entry(ids)) == [(7, col, message)]


@pytest.mark.parametrize("ids", ["['0', '3']", '["GPU-8f2c"]', "[0:1]", "[a, b]", "[]"])
def test_keeps_quiet(ids: str) -> None:
    assert messages(entry(ids)) == []


@pytest.mark.parametrize(
    ("ids", "fixed"),
    [
        ("[0, 3]", "['0', '3']"),
        ("[ 0 ,'1', 0x1f ]", "[ '0' ,'1', '0x1f' ]"),
        ("\n                - 0  # first\n                - '1'", None),
    ],
    ids=["flow", "flow-spacing", "block"],
)
def test_fix_quotes_integers_as_written(ids: str, fixed: str | None) -> None:
    expected = (
        entry(fixed)
        if fixed is not None
        else entry("\n                - '0'  # first\n                - '1'")
    )
    assert fix_text(entry(ids)).text == expected


@pytest.mark.parametrize("ids", ["[0, true]", "0", "[!!int 4]"])
def test_no_fix_unless_every_bad_entry_is_an_integer(ids: str) -> None:
    assert messages(entry(ids))
    assert not fix_text(entry(ids)).changed


def test_gpus_entries_too() -> None:
    src = "services:\n  s:\n    gpus:\n      - device_ids: [2]\n"
    assert messages(src) == [(4, 22, "device_ids entries must be strings; quote them: '2'")]
    assert fix_text(src).text == src.replace("[2]", "['2']")
