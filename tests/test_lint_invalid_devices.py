"""CM105 invalid-devices: a ``devices`` reservation that is not a list of mappings."""

from __future__ import annotations

import pytest

from composemigrate.lint import invalid_devices as rule
from composemigrate.lint import lint_text

HEAD = "services:\n  s:\n    deploy:\n      resources:\n        reservations:\n"


def messages(src: str) -> list[tuple[int, int, str]]:
    return [(f.line, f.col, f.message) for f in lint_text(src) if f.code == rule.CODE]


@pytest.mark.parametrize(
    ("devices", "col", "message"),
    [
        (
            '${GPU:+[{"driver":"nvidia"}]}',
            20,
            "devices must be a list of device requests; a variable expands to a string, "
            "never to a list",
        ),
        ("nvidia", 20, "devices must be a list of device requests"),
        ("{driver: nvidia, count: 1}", 20, "devices must be a list of device requests"),
        ("[nvidia]", 21, "each devices entry must be a mapping (driver, count...)"),
    ],
)
def test_finds(devices: str, col: int, message: str) -> None:
    assert messages(HEAD + f"          devices: {devices}\n") == [(6, col, message)]


def test_empty_devices() -> None:
    assert messages(HEAD + "          devices:\n") == [
        (6, 19, "devices must be a list of device requests")
    ]


@pytest.mark.parametrize(
    "devices", ["[]", "!reset []", "!reset", "[{driver: nvidia, count: 1, capabilities: [gpu]}]"]
)
def test_keeps_quiet(devices: str) -> None:
    assert messages(HEAD + f"          devices: {devices}\n") == []


def test_other_levels_are_not_judged() -> None:
    assert messages("services:\n  s:\n    deploy:\n      resources: ${RES}\n") == []
