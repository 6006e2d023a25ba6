"""CM205 visible-devices-mismatch: ``NVIDIA_VISIBLE_DEVICES`` naming other GPUs than the request."""

from __future__ import annotations

import pytest

from composemigrate.lint import lint_text
from composemigrate.lint import visible_devices_mismatch as rule

RESERVATION = """\
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              {request}
              capabilities: [gpu]
"""


def messages(env: str, request: str) -> list[tuple[int, int, str]]:
    src = "services:\n  s:\n" + env + RESERVATION.format(request=request)
    return [(f.line, f.col, f.message) for f in lint_text(src) if f.code == rule.CODE]


LIST = "    environment:\n      - NVIDIA_VISIBLE_DEVICES={}\n"
MAPPING = "    environment:\n      NVIDIA_VISIBLE_DEVICES: '{}'\n"


@pytest.mark.parametrize(
    ("env", "request_", "col", "message"),
    [
        (
            LIST.format("all"),
            "count: 1",
            9,
            "NVIDIA_VISIBLE_DEVICES=all is overridden by the device reservation, which asks for "
            "GPUs 0",
        ),
        (
            MAPPING.format("1"),
            "device_ids: ['0']",
            7,
            "NVIDIA_VISIBLE_DEVICES=1 is overridden by the device reservation, "
            "which asks for GPUs 0",
        ),
        (
            LIST.format("0"),
            "count: all",
            9,
            "NVIDIA_VISIBLE_DEVICES=0 is overridden by the device reservation, which asks for "
            "every GPU",
        ),
        (
            LIST.format("none"),
            "count: all",
            9,
            "NVIDIA_VISIBLE_DEVICES=none is overridden by the device reservation, which asks for "
            "every GPU",
        ),
    ],
)
def test_finds(env: str, request_: str, col: int, message: str) -> None:
    assert messages(env, request_) == [(4, col, message)]


@pytest.mark.parametrize(
    ("env", "request_"),
    [
        (LIST.format("all"), "count: all"),
        (LIST.format("0,1"), "count: 2"),
        (MAPPING.format("3, 0"), "device_ids: ['0', '3']"),
        (LIST.format("${GPUS}"), "count: 1"),
        ("    environment:\n      - NVIDIA_VISIBLE_DEVICES\n", "count: 1"),
        ("    environment:\n      - TZ=UTC\n", "count: 1"),
        (LIST.format("1"), "device_ids: ['${ID}']"),
    ],
    ids=["all", "count-as-indexes", "order", "variable", "from-shell", "other-var", "id-variable"],
)
def test_keeps_quiet(env: str, request_: str) -> None:
    assert messages(env, request_) == []


def test_gpus_attribute() -> None:
    src = "services:\n  s:\n    gpus: all\n    environment:\n      NVIDIA_VISIBLE_DEVICES: 2\n"
    assert [f.message for f in lint_text(src) if f.code == rule.CODE] == [
        "NVIDIA_VISIBLE_DEVICES=2 is overridden by the gpus attribute, which asks for every GPU"
    ]
