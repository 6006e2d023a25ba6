"""CM101 capabilities-required: where it fires, where it keeps quiet, and its fix."""

from __future__ import annotations

import pytest

from composemigrate.lint import capabilities_required as rule
from composemigrate.lint import fix_text, lint_text

HEAD = "services:\n  s:\n    deploy:\n      resources:\n        reservations:\n          devices:\n"


def places(src: str) -> list[tuple[int, int]]:
    return [(f.line, f.col) for f in lint_text(src) if f.code == rule.CODE]


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param(HEAD + "            - driver: nvidia\n              count: 1\n", [(7, 15)]),
        pytest.param(HEAD + "            - count: 1\n            - count: 2\n", [(7, 15), (8, 15)]),
        pytest.param(HEAD + "          - {driver: nvidia, count: 1}\n", [(7, 13)], id="flow"),
        pytest.param(
            HEAD + "            - count: 1\n              capabilities: gpu\n",
            [(8, 29)],
            id="scalar",
        ),
        pytest.param(
            HEAD + "            - count: 1\n              capabilities: [gpu, 1]\n",
            [(8, 35)],
            id="not-a-string",
        ),
        pytest.param(
            "services:\n  s:\n    gpus:\n      - count: 1\n        capabilities:\n",
            [(5, 22)],
            id="gpus-empty-caps",
        ),
    ],
)
def test_finds(src: str, expected: list[tuple[int, int]]) -> None:
    assert places(src) == expected


@pytest.mark.parametrize(
    "src",
    [
        pytest.param(HEAD + "            - count: 1\n              capabilities: [gpu]\n", id="ok"),
        pytest.param("services:\n  s:\n    gpus:\n      - count: 1\n", id="gpus-implies-gpu"),
        pytest.param(
            HEAD + "            - count: 1\n              capabilities: !reset\n", id="reset"
        ),
        pytest.param("services:\n  s:\n    image: x\n", id="no-request"),
    ],
)
def test_keeps_quiet(src: str) -> None:
    assert places(src) == []


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param(
            HEAD + "            - driver: nvidia  # GPU\n              count: 1  # one\n",
            HEAD + "            - driver: nvidia  # GPU\n              count: 1  # one\n"
            "              capabilities: [gpu]\n",
            id="block-with-comments",
        ),
        pytest.param(
            HEAD + "          - {count: 1}\n",
            HEAD + "          - {count: 1, capabilities: [gpu]}\n",
            id="flow",
        ),
        pytest.param(
            HEAD + "          - {}\n",
            HEAD + "          - {capabilities: [gpu], count: all}\n",
            id="empty-flow",
        ),
    ],
)
def test_fix(src: str, expected: str) -> None:
    assert fix_text(src).text == expected


@pytest.mark.parametrize(
    "src",
    [
        pytest.param(
            HEAD + "            - driver: cdi\n              count: 1\n", id="other-driver"
        ),
        pytest.param(
            "x: &one\n  count: 1\n"
            + HEAD
            + "            - <<: *one\n              driver: nvidia\n",
            id="merge-key",
        ),
        pytest.param(
            HEAD + "            - count: 1\n              capabilities: gpu\n", id="scalar"
        ),
    ],
)
def test_no_fix(src: str) -> None:
    assert places(src)
    assert not fix_text(src).changed
