"""The lint engine and registry: rule metadata, ordering, documents, and the fix loop's guards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

import composemigrate.lint as engine
from composemigrate.edits import Edit
from composemigrate.lint import RULES, fix_text, lint_text
from composemigrate.lint.context import SEVERITIES, Context, Hit
from composemigrate.result import MigrationError
from composemigrate.service import ServiceView

FIXTURES = Path(__file__).parent / "fixtures" / "lint"
BROKEN = "services:\n  s:\n    gpus: [{device_ids: [1]}]\n    runtime: nvidia\n"


def test_codes_are_unique_ordered_and_say_their_severity() -> None:
    codes = [rule.CODE for rule in RULES]
    assert codes == sorted(set(codes))
    for rule in RULES:
        assert re.fullmatch(r"CM[123]\d\d", rule.CODE)
        assert SEVERITIES[int(rule.CODE[2]) - 1] == rule.SEVERITY
        assert rule.FIX in (None, "safe")


def test_docstrings_document_each_rule() -> None:
    for rule in RULES:
        doc = rule.__doc__ or ""
        assert doc.startswith(f"{rule.CODE} {rule.NAME}: ")
        assert "\nWhat: " in doc and "\nWhy: " in doc and "\nBefore" in doc


def test_only_rules_with_a_safe_fix_give_edits() -> None:
    found = [f for case in FIXTURES.glob("*/input.yaml") for f in lint_text(_read(case), gpus=2)]
    fixing = {f.code for f in found if f.fix}
    assert fixing == {rule.CODE for rule in RULES if rule.FIX == "safe"}


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def test_findings_are_sorted_by_place_then_code() -> None:
    assert [(f.line, f.col, f.code) for f in lint_text(BROKEN)] == [
        (3, 26, "CM104"),
        (4, 5, "CM204"),
    ]


def test_every_document_is_linted() -> None:
    text = "services:\n  a:\n    gpus: '0'\n---\nservices:\n  a:\n    runtime: nvidia\n"
    assert [(f.line, f.code) for f in lint_text(text)] == [(3, "CM106"), (7, "CM301")]


def test_a_bom_does_not_shift_columns_and_survives_a_fix() -> None:
    text = "\ufeff" + BROKEN
    assert [(f.line, f.col) for f in lint_text(text)] == [(3, 26), (4, 5)]
    fixed = fix_text(text)
    expected = BROKEN.replace("[1]", "['1']").replace("    runtime: nvidia\n", "")
    assert fixed.text == "\ufeff" + expected
    assert [w.code for w in fixed.warnings] == ["CM104", "CM204"]


def test_one_fix_can_enable_another() -> None:
    """With capabilities added the reservation can be read, and the runtime is seen redundant."""
    devices = (
        "    deploy:\n      resources:\n        reservations:\n          devices:\n"
        "            - driver: nvidia\n              count: all\n"
    )
    fixed = fix_text("services:\n  s:\n    runtime: nvidia\n" + devices)
    assert fixed.text == "services:\n  s:\n" + devices + "              capabilities: [gpu]\n"
    assert [(w.line, w.code) for w in fixed.warnings] == [(8, "CM101"), (3, "CM204")]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("services:\n  a: [\n", "invalid YAML: expected the node content", 3),
        ("services:\n  a: {}\n  a: {}\n", "duplicate key 'a' (first at line 2)", 3),
        ("- a\n", "the top level is not a mapping", 1),
    ],
)
def test_invalid_input_raises_with_a_place(text: str, message: str, line: int) -> None:
    with pytest.raises(MigrationError) as caught:
        lint_text(text)
    assert caught.value.message.startswith(message)
    assert caught.value.line == line


@pytest.mark.parametrize("text", ["", "# nothing\n", "services: {}\n", "x-gpu: {gpus: 1}\n"])
def test_nothing_to_say(text: str) -> None:
    assert lint_text(text) == []
    assert fix_text(text).text == text
    assert not fix_text(text).changed


def _bump(view: ServiceView, ctx: Context) -> Iterator[Hit]:
    """A rogue rule whose 'fix' turns count: 1 into count: 2."""
    at = view.lines.text.find("count: 1")
    if at >= 0:
        yield Hit(at, "bump", (Edit(at + 7, at + 8, "2"),))


def test_a_fix_that_changes_a_valid_service_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    rogue = SimpleNamespace(CODE="CM299", NAME="rogue", SEVERITY="warning", FIX="safe", check=_bump)
    monkeypatch.setattr(engine, "RULES", (*RULES, rogue))
    with pytest.raises(MigrationError, match="would change the GPUs of service 's'"):
        fix_text("services:\n  s:\n    gpus: [{count: 1}]\n")
