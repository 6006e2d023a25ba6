"""CM201 implicit-count: a GPU reservation naming no GPUs; the fix says ``count: all``."""

from __future__ import annotations

import pytest

from composemigrate.lint import fix_text, lint_text
from composemigrate.lint import implicit_count as rule

HEAD = "services:\n  s:\n    deploy:\n      resources:\n        reservations:\n          devices:\n"


def places(src: str) -> list[tuple[int, int]]:
    return [(f.line, f.col) for f in lint_text(src) if f.code == rule.CODE]


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param(HEAD + "            - capabilities: [gpu]\n", [(7, 15)], id="caps-only"),
        pytest.param(
            HEAD + "            - driver: nvidia\n              capabilities: [utility]\n",
            [(7, 15)],
            id="driver-only",
        ),
        pytest.param(HEAD + "          - {capabilities: [gpu]}\n", [(7, 13)], id="flow"),
    ],
)
def test_finds(src: str, expected: list[tuple[int, int]]) -> None:
    assert places(src) == expected


@pytest.mark.parametrize(
    "src",
    [
        pytest.param(
            HEAD + "            - count: 1\n              capabilities: [gpu]\n", id="count"
        ),
        pytest.param(
            HEAD + "            - device_ids: ['0']\n              capabilities: [gpu]\n", id="ids"
        ),
        pytest.param(
            HEAD + "            - driver: cdi\n              capabilities: [x]\n", id="not-a-gpu"
        ),
        pytest.param("services:\n  s:\n    gpus:\n      - driver: nvidia\n", id="gpus-entry"),
    ],
)
def test_keeps_quiet(src: str) -> None:
    assert places(src) == []


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param(
            HEAD + "            - capabilities: [gpu]  # all of them\n",
            HEAD + "            - capabilities: [gpu]  # all of them\n              count: all\n",
            id="block",
        ),
        pytest.param(
            HEAD + "          - {capabilities: [gpu]}\n",
            HEAD + "          - {capabilities: [gpu], count: all}\n",
            id="flow",
        ),
        pytest.param(
            HEAD + "            - capabilities: [gpu]\n            - driver: cdi\n",
            HEAD + "            - capabilities: [gpu]\n              count: all\n"
            "            - driver: cdi\n",
            id="before-the-next-entry",
        ),
    ],
)
def test_fix(src: str, expected: str) -> None:
    assert fix_text(src).text == expected


def test_no_fix_through_a_merge_key() -> None:
    src = "x: &gpu\n  capabilities: [gpu]\n" + HEAD + "            - <<: *gpu\n"
    assert places(src) == [(9, 15)]
    assert not fix_text(src).changed
