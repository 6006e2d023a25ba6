"""CM202 device-ids-all: ``device_ids: ['all']`` names one device called "all"."""

from __future__ import annotations

import pytest

from composemigrate.lint import device_ids_all as rule
from composemigrate.lint import lint_text

HEAD = "services:\n  s:\n    deploy:\n      resources:\n        reservations:\n          devices:\n"


def places(src: str) -> list[tuple[int, int]]:
    return [(f.line, f.col) for f in lint_text(src) if f.code == rule.CODE]


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param(
            HEAD + '            - device_ids: ["all"]\n              capabilities: [gpu]\n',
            [(7, 28)],
            id="reservation",
        ),
        pytest.param(
            "services:\n  s:\n    gpus: [{device_ids: ['0', all]}]\n", [(3, 31)], id="gpus"
        ),
    ],
)
def test_finds(src: str, expected: list[tuple[int, int]]) -> None:
    assert places(src) == expected


@pytest.mark.parametrize(
    "src",
    [
        pytest.param(
            HEAD + "            - count: all\n              capabilities: [gpu]\n", id="count-all"
        ),
        pytest.param(
            HEAD + "            - driver: cdi\n              device_ids: [all]\n"
            "              capabilities: [x]\n",
            id="not-a-gpu",
        ),
    ],
)
def test_keeps_quiet(src: str) -> None:
    assert places(src) == []
