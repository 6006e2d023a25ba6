"""CM106 invalid-gpus: a ``gpus:`` that is neither ``all`` nor a list of request mappings."""

from __future__ import annotations

import pytest

from composemigrate.lint import invalid_gpus as rule
from composemigrate.lint import lint_text


def messages(gpus: str) -> list[tuple[int, int, str]]:
    src = f"services:\n  s:\n    image: x\n    gpus: {gpus}\n"
    return [(f.line, f.col, f.message) for f in lint_text(src) if f.code == rule.CODE]


@pytest.mark.parametrize(
    ("gpus", "col", "message"),
    [
        ('"0"', 11, "gpus must be 'all' or a list of device requests, not '0'"),
        ("2", 11, "gpus must be 'all' or a list of device requests, not '2'"),
        ("ALL", 11, "gpus must be 'all' or a list of device requests, not 'ALL'"),
        ("", 10, "gpus must be 'all' or a list of device requests"),
        ("{count: 1}", 11, "gpus must be 'all' or a list of device requests"),
        (
            '"${GPU_UUID:-all}"',
            11,
            "gpus: ${GPU_UUID:-all} is accepted only when it expands to 'all'; use the list form",
        ),
        ("[all]", 12, "each gpus entry must be a mapping (count, device_ids...)"),
    ],
)
def test_finds(gpus: str, col: int, message: str) -> None:
    assert messages(gpus) == [(4, col, message)]


@pytest.mark.parametrize("gpus", ["all", "'all'", "[]", "[{count: 1}]", "!reset []", "!reset"])
def test_keeps_quiet(gpus: str) -> None:
    assert messages(gpus) == []
