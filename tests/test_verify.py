"""Verification: a rewrite that would change what a service asks for is refused, not written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from composemigrate import GpuRequest, MigrationError, migrate
from composemigrate.cli import cli
from composemigrate.forms import entry

LEGACY = "services:\n  app:\n    image: cuda\n    runtime: nvidia\n"


@pytest.fixture
def wrong_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer bug: every new entry asks for the first GPU only."""
    original = entry.render

    def render(request: GpuRequest, dash: int) -> list[tuple[str, str]]:
        return original(GpuRequest(count=1), dash)

    monkeypatch.setattr(entry, "render", render)


@pytest.mark.usefixtures("wrong_writer")
def test_a_rewrite_that_changes_the_gpus_is_refused_and_says_what_differs() -> None:
    with pytest.raises(MigrationError) as caught:
        migrate(LEGACY, "devices")
    assert caught.value.message == (
        "the rewrite would change the GPUs of service 'app' from nvidia GPUs all with [gpu] "
        "to nvidia GPUs 0 with [gpu]; file left unchanged"
    )
    assert (caught.value.line, caught.value.col) == (2, 3)


@pytest.mark.usefixtures("wrong_writer")
def test_the_cli_leaves_the_file_and_no_verify_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(LEGACY)
    refused = CliRunner().invoke(cli, ["--to-devices", str(path)])
    assert refused.exit_code == 2
    assert (
        f"{path}:2:3: error: the rewrite would change the GPUs of service 'app'" in refused.output
    )
    assert path.read_text() == LEGACY
    written = CliRunner().invoke(cli, ["--to-devices", "--no-verify", str(path)])
    assert written.exit_code == 0
    assert "count: 1" in path.read_text()


def test_a_correct_rewrite_passes_verification() -> None:
    result = migrate(LEGACY, "devices")
    assert result.changed
    assert "count: all" in result.text
