"""CM204 runtime-with-request: ``runtime: nvidia`` beside a device request; a redundant one goes."""

from __future__ import annotations

import pytest

from composemigrate.lint import fix_text, lint_text
from composemigrate.lint import runtime_with_request as rule

DEVICES = """\
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              count: all
              capabilities: [gpu]
"""


def findings(src: str) -> list[tuple[int, int, str, bool]]:
    return [(f.line, f.col, f.message, bool(f.fix)) for f in lint_text(src) if f.code == rule.CODE]


REDUNDANT = "runtime: nvidia is redundant with the device reservation and fails where no nvidia "
REDUNDANT += "runtime exists"


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param(
            "services:\n  s:\n    runtime: nvidia\n" + DEVICES,
            [(3, 5, REDUNDANT, True)],
            id="redundant",
        ),
        pytest.param(
            "services:\n  s:\n    gpus: all\n    runtime: nvidia\n",
            [
                (
                    4,
                    5,
                    "runtime: nvidia is redundant with the gpus attribute and fails where no "
                    "nvidia runtime exists",
                    True,
                )
            ],
            id="gpus",
        ),
        pytest.param(
            "services:\n  s:\n    runtime: nvidia\n    environment:\n"
            "      - NVIDIA_VISIBLE_DEVICES=0\n" + DEVICES,
            [
                (
                    3,
                    5,
                    "runtime: nvidia beside the device reservation: the request decides the "
                    "GPUs (all), so the NVIDIA_* settings the runtime reads here are "
                    "overridden; drop them with the runtime",
                    True,
                )
            ],
            id="other-gpus",
        ),
        pytest.param(
            "services:\n  s:\n    runtime: nvidia\n    environment:\n"
            "      - NVIDIA_DRIVER_CAPABILITIES=video\n" + DEVICES,
            [
                (
                    3,
                    5,
                    REDUNDANT,
                    True,
                )
            ],
            id="other-capabilities",
        ),
        pytest.param(
            "services:\n  s:\n    runtime: nvidia\n    env_file: gpu.env\n" + DEVICES,
            [
                (
                    3,
                    5,
                    "runtime: nvidia beside the device reservation: the request decides the "
                    "GPUs (all), so the NVIDIA_* settings the runtime reads here are "
                    "overridden; drop them with the runtime",
                    True,
                )
            ],
            id="unknown",
        ),
    ],
)
def test_finds(src: str, expected: list[tuple[int, int, str, bool]]) -> None:
    assert findings(src) == expected


@pytest.mark.parametrize(
    "src",
    [
        pytest.param("services:\n  s:\n    runtime: nvidia\n", id="runtime-only"),
        pytest.param("services:\n  s:\n    runtime: runc\n    gpus: all\n", id="other-runtime"),
        pytest.param("services:\n  s:\n    runtime: ${RT}\n    gpus: all\n", id="variable"),
        pytest.param("services:\n  s:\n" + DEVICES, id="devices-only"),
    ],
)
def test_keeps_quiet(src: str) -> None:
    assert findings(src) == []


def test_fix_removes_the_runtime_and_the_nvidia_environment() -> None:
    src = (
        "services:\n  s:\n    image: x\n    runtime: nvidia\n    environment:\n"
        "      - NVIDIA_VISIBLE_DEVICES=all\n      - TZ=UTC\n" + DEVICES
    )
    assert fix_text(src).text == (
        "services:\n  s:\n    image: x\n    environment:\n      - TZ=UTC\n" + DEVICES
    )


@pytest.mark.parametrize(
    "src",
    [
        pytest.param(
            "x-gpu: &gpu\n  runtime: nvidia\nservices:\n  s:\n    <<: *gpu\n    gpus: all\n",
            id="runtime-from-an-anchor",
        ),
        pytest.param(
            "services:\n  s:\n    runtime: nvidia\n    gpus: all\n" + DEVICES,
            id="both-request-forms",
        ),
        pytest.param(
            "services:\n  s: &s\n    runtime: nvidia\n    gpus: all\n  t:\n    <<: *s\n",
            id="service-used-as-an-anchor",
        ),
    ],
)
def test_no_fix(src: str) -> None:
    found = findings(src)
    assert found
    assert not any(fixable for *_, fixable in found)
    assert not fix_text(src).changed


def test_fix_keeps_a_comment_of_the_runtime_line_above_the_request() -> None:
    src = "services:\n  s:\n    runtime: nvidia  # keep me\n    gpus: all\n"
    assert fix_text(src).text == "services:\n  s:\n    # keep me\n    gpus: all\n"
