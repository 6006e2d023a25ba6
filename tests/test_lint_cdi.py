"""CM108 invalid-cdi-request, CM109 unknown-driver, CM207 cdi-needs-recent-compose."""

from __future__ import annotations

import pytest

from composemigrate.lint import fix_text, lint_text

HEAD = "services:\n  s:\n    deploy:\n      resources:\n        reservations:\n          devices:\n"


def codes(src: str) -> list[tuple[str, int, int]]:
    return [(f.code, f.line, f.col) for f in lint_text(src)]


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        pytest.param(
            HEAD + "            - driver: cdi\n              count: all\n"
            "              capabilities: [gpu]\n",
            [("CM108", 8, 22)],
            id="cdi-with-count",
        ),
        pytest.param(
            "services:\n  s:\n    gpus: [{driver: cdi, device_ids: ['GPU-1', amd.com/gpu=0]}]\n",
            [("CM108", 3, 39)],
            id="cdi-with-a-bare-uuid",
        ),
        pytest.param(
            "services:\n  s:\n    gpus: [{driver: nvidia.com/gpu, count: 1}]\n",
            [("CM109", 3, 21)],
            id="kubernetes-resource-name",
        ),
        pytest.param(
            "version: '2.4'\nservices:\n  s:\n    devices: ['nvidia.com/gpu=0']\n",
            [("CM207", 4, 15)],
            id="cdi-name-under-version",
        ),
    ],
)
def test_finds(src: str, expected: list[tuple[str, int, int]]) -> None:
    assert codes(src) == expected


@pytest.mark.parametrize(
    "src",
    [
        pytest.param(
            HEAD + "            - driver: cdi\n              device_ids: [nvidia.com/gpu=all]\n"
            "              capabilities: [gpu]\n",
            id="cdi-request",
        ),
        pytest.param(
            "services:\n  s:\n    gpus: [{driver: '${GPU_DRIVER}', count: 1}]\n", id="variable"
        ),
        pytest.param(
            "services:\n  s:\n    gpus: [{driver: amd, count: 1}]\n", id="amd-is-registered"
        ),
        pytest.param(
            "services:\n  s:\n    devices: ['nvidia.com/gpu=0', /dev/snd]\n", id="no-version"
        ),
        pytest.param(
            "version: '3'\nservices:\n  s:\n    devices: ['/dev/snd:/dev/snd']\n", id="a-path"
        ),
    ],
)
def test_keeps_quiet(src: str) -> None:
    assert codes(src) == []


@pytest.mark.parametrize(
    ("src", "fixed"),
    [
        pytest.param(
            "services:\n  s:\n    gpus: [{driver: nvidia.com/gpu, device_ids: ['0', GPU-1]}]\n",
            "services:\n  s:\n    gpus: [{driver: cdi, device_ids: ['nvidia.com/gpu=0', "
            "nvidia.com/gpu=GPU-1]}]\n",
            id="kubernetes-name-with-ids",
        ),
        pytest.param(
            "services:\n  s:\n    gpus: [{driver: Nvidia, count: 1}]\n",
            "services:\n  s:\n    gpus: [{driver: nvidia, count: 1}]\n",
            id="capitals",
        ),
        pytest.param(
            "services:\n  s:\n    gpus: [{driver: nvidia.com/gpu, count: 1}]\n",
            "services:\n  s:\n    gpus: [{driver: nvidia.com/gpu, count: 1}]\n",
            id="no-ids-no-fix",
        ),
    ],
)
def test_unknown_driver_fix(src: str, fixed: str) -> None:
    assert fix_text(src).text == fixed
