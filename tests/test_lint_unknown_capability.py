"""CM203 unknown-capability: capability names the NVIDIA driver does not offer."""

from __future__ import annotations

import pytest

from composemigrate.lint import lint_text
from composemigrate.lint import unknown_capability as rule

HEAD = "services:\n  s:\n    deploy:\n      resources:\n        reservations:\n          devices:\n"


def names(caps: str, driver: str = "nvidia") -> list[tuple[int, int, str]]:
    src = HEAD + f"            - driver: {driver}\n              count: 1\n"
    src += f"              capabilities: {caps}\n"
    return [
        (f.line, f.col, f.message.split(" (")[0]) for f in lint_text(src) if f.code == rule.CODE
    ]


@pytest.mark.parametrize(
    ("caps", "expected"),
    [
        ("[gpu, utilities]", [(9, 35, "unknown capability 'utilities'")]),
        ("[gpu, all]", [(9, 35, "unknown capability 'all'")]),
        ("[GPU]", [(9, 30, "unknown capability 'GPU'")]),
    ],
)
def test_finds(caps: str, expected: list[tuple[int, int, str]]) -> None:
    assert names(caps) == expected


@pytest.mark.parametrize(
    "caps", ["[gpu]", "[gpu, compute, compat32, graphics, utility, video, display]", "['${CAP}']"]
)
def test_keeps_quiet(caps: str) -> None:
    assert names(caps) == []


def test_other_drivers_are_not_judged() -> None:
    assert names("[tpu]", driver="tpu") == []


def test_non_strings_are_left_to_cm101() -> None:
    assert names("[gpu, 1]") == []


def test_message_lists_the_known_names() -> None:
    src = HEAD + "            - count: 1\n              capabilities: [gpu, vidoe]\n"
    assert [f.message for f in lint_text(src)] == [
        "unknown capability 'vidoe' "
        "(known: gpu, compute, compat32, graphics, utility, video, display)"
    ]
