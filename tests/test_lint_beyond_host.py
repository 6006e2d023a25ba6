"""CM107 beyond-host: counts and device indexes the target host does not have."""

from __future__ import annotations

import pytest

from composemigrate.lint import beyond_host as rule
from composemigrate.lint import lint_text

HEAD = "services:\n  s:\n    deploy:\n      resources:\n        reservations:\n          devices:\n"


def entry(line: str) -> str:
    return (
        HEAD
        + f"            - driver: nvidia\n              {line}\n              capabilities: [gpu]\n"
    )


def messages(src: str, gpus: int | None = 2) -> list[tuple[int, int, str]]:
    return [(f.line, f.col, f.message) for f in lint_text(src, gpus=gpus) if f.code == rule.CODE]


@pytest.mark.parametrize(
    ("line", "col", "message"),
    [
        ("count: 3", 22, "count: 3 is more than the host has (2 GPUs)"),
        ("count: '3'", 22, "count: 3 is more than the host has (2 GPUs)"),
        ("device_ids: ['1', '2']", 33, "device id 2 is not on the host, which has 2 GPUs"),
        ("device_ids: ['2:0']", 28, "device id 2:0 is not on the host, which has 2 GPUs"),
        ("device_ids: [7]", 28, "device id 7 is not on the host, which has 2 GPUs"),
    ],
)
def test_finds(line: str, col: int, message: str) -> None:
    assert messages(entry(line)) == [(8, col, message)]


@pytest.mark.parametrize(
    "line",
    [
        "count: 2",
        "count: all",
        "count: ${N}",
        "device_ids: ['0', '1']",
        "device_ids: ['1:3']",
        "device_ids: ['GPU-5b3b8b0e']",
        "device_ids: ['MIG-11111111']",
    ],
)
def test_keeps_quiet(line: str) -> None:
    assert messages(entry(line)) == []


def test_skipped_without_a_host() -> None:
    assert messages(entry("count: 99"), gpus=None) == []


def test_a_host_without_gpus() -> None:
    assert messages(entry("count: 1"), gpus=0) == [
        (8, 22, "count: 1 is more than the host has (no GPU)")
    ]
    assert messages(entry("count: 1"), gpus=1) == []


def test_gpus_entries() -> None:
    src = "services:\n  s:\n    gpus:\n      - device_ids: ['0', '4']\n"
    assert messages(src) == [(4, 27, "device id 4 is not on the host, which has 2 GPUs")]


def test_non_gpu_devices_are_not_judged() -> None:
    src = (
        HEAD
        + "            - driver: cdi\n              count: 8\n              capabilities: [x]\n"
    )
    assert messages(src) == []


@pytest.mark.parametrize(
    ("env", "line", "col"),
    [
        ("    environment:\n      - NVIDIA_VISIBLE_DEVICES=0,2\n", 5, 9),
        ("    environment:\n      NVIDIA_VISIBLE_DEVICES: '3'\n", 5, 7),
    ],
    ids=["list", "mapping"],
)
def test_legacy_visible_devices(env: str, line: int, col: int) -> None:
    src = "services:\n  s:\n    runtime: nvidia\n" + env
    found = messages(src)
    assert [(f_line, f_col) for f_line, f_col, _ in found] == [(line, col)]
    assert found[0][2].endswith("; the host has 2 GPUs")


def test_visible_devices_without_the_runtime_are_not_judged() -> None:
    src = "services:\n  s:\n    environment:\n      - NVIDIA_VISIBLE_DEVICES=5\n"
    assert messages(src) == []
