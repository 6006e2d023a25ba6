"""CM102 count-with-device-ids: both keys in one request; reported at the second one."""

from __future__ import annotations

import pytest

from composemigrate.lint import count_with_device_ids as rule
from composemigrate.lint import fix_text, lint_text

HEAD = "services:\n  s:\n    deploy:\n      resources:\n        reservations:\n          devices:\n"
CAPS = "              capabilities: [gpu]\n"


def places(src: str) -> list[tuple[int, int]]:
    return [(f.line, f.col) for f in lint_text(src) if f.code == rule.CODE]


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param(
            HEAD + "            - count: 1\n              device_ids: ['0']\n" + CAPS,
            [(8, 15)],
            id="ids-second",
        ),
        pytest.param(
            HEAD + "            - device_ids: ['0']\n              count: 1\n" + CAPS,
            [(8, 15)],
            id="count-second",
        ),
        pytest.param(
            "services:\n  s:\n    gpus: [{count: all, device_ids: ['0']}]\n", [(3, 25)], id="gpus"
        ),
    ],
)
def test_finds(src: str, expected: list[tuple[int, int]]) -> None:
    assert places(src) == expected


@pytest.mark.parametrize(
    "src",
    [
        HEAD + "            - count: 1\n" + CAPS,
        HEAD + "            - device_ids: ['0']\n" + CAPS,
        HEAD + "            - count: 1\n              device_ids: !reset []\n" + CAPS,
    ],
    ids=["count", "ids", "ids-reset"],
)
def test_keeps_quiet(src: str) -> None:
    assert places(src) == []


def test_has_no_fix() -> None:
    src = HEAD + "            - count: 1\n              device_ids: ['0']\n" + CAPS
    assert [f.fix for f in lint_text(src)] == [()]
    assert not fix_text(src).changed
