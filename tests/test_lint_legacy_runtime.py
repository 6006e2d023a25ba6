"""CM301 legacy-runtime: ``runtime: nvidia`` alone, with the command that migrates it."""

from __future__ import annotations

import pytest

from composemigrate.lint import legacy_runtime as rule
from composemigrate.lint import lint_text


def messages(src: str, path: str = "compose.yaml") -> list[tuple[int, int, str]]:
    found = lint_text(src, path=path)
    return [(f.line, f.col, f.message) for f in found if f.code == rule.CODE]


def test_names_the_command_with_the_path() -> None:
    src = "services:\n  s:\n    image: x\n    runtime: nvidia\n"
    assert messages(src, "deploy/gpu stack.yaml") == [
        (
            4,
            5,
            "legacy runtime: nvidia; migrate it to a device reservation with "
            "`composemigrate --to-devices 'deploy/gpu stack.yaml'`",
        )
    ]


def test_says_why_a_service_would_be_left_alone() -> None:
    src = "services:\n  s:\n    runtime: nvidia\n    environment:\n"
    src += "      - NVIDIA_VISIBLE_DEVICES=void\n"
    assert messages(src) == [
        (
            3,
            5,
            "legacy runtime: nvidia, not migratable as written: NVIDIA_VISIBLE_DEVICES=void "
            "asks for no GPU; no device request means that",
        )
    ]


def test_an_anchor_is_reported_once() -> None:
    src = "x: &gpu\n  runtime: nvidia\nservices:\n  a:\n    <<: *gpu\n  b:\n    <<: *gpu\n"
    assert [(line, col) for line, col, _ in messages(src)] == [(2, 3)]


def test_severity_is_info() -> None:
    assert [f.severity for f in lint_text("services:\n  s:\n    runtime: nvidia\n")] == ["info"]


@pytest.mark.parametrize(
    "src",
    [
        pytest.param("services:\n  s:\n    runtime: nvidia\n    gpus: all\n", id="with-gpus"),
        pytest.param("services:\n  s:\n    runtime: runc\n", id="other-runtime"),
        pytest.param("services:\n  s:\n    runtime: ${RUNTIME:-nvidia}\n", id="variable"),
        pytest.param("x-runtime: nvidia\nservices: {}\n", id="not-a-service"),
    ],
)
def test_keeps_quiet(src: str) -> None:
    assert messages(src) == []
