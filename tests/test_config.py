"""Configuration files through the real command line: found upwards, flags win, bad files are
one-line usage errors naming the file and the key, ``--show-config`` says where each came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from clirun import cli

LEGACY = "services:\n  app:\n    image: nvidia/cuda\n    runtime: nvidia\n"
REFUSED = (
    "services:\n  app:\n    runtime: nvidia\n    environment:\n      - NVIDIA_VISIBLE_DEVICES\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository with its configuration at the top and the Compose file two folders down."""
    (tmp_path / "deploy" / "gpu").mkdir(parents=True)
    (tmp_path / "deploy" / "gpu" / "compose.yaml").write_text(LEGACY)
    return tmp_path


def test_the_file_found_upwards_gives_the_direction_and_flags_win(project: Path) -> None:
    (project / ".composemigrate.toml").write_text('to = "gpus"\n')
    here = project / "deploy"
    done = cli(here, "--check", "gpu")
    assert done.returncode == 1
    assert "would migrate gpu/compose.yaml" in done.stderr
    shown = cli(here, "--dry-run", "gpu")
    assert "+    gpus: all" in shown.stdout
    flag = cli(here, "--dry-run", "--to-devices", "gpu")
    assert "+    deploy:" in flag.stdout


def test_pyproject_table_and_show_config(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.composemigrate]\nto = "devices"\nstrict = true\n'
        'exclude = ["legacy/**"]\n'
    )
    done = cli(project / "deploy", "--show-config", "-j", "2")
    where = str(project / "pyproject.toml")
    assert done.returncode == 0
    assert done.stdout.splitlines() == [
        f'to = "devices"  # {where}',
        "include = []  # default",
        f'exclude = ["legacy/**"]  # {where}',
        f"strict = true  # {where}",
        "max-size = 10  # default",
        "jobs = 2  # command line",
    ]


def test_strict_from_the_file(project: Path) -> None:
    (project / ".composemigrate.toml").write_text('to = "devices"\nstrict = true\n')
    (project / "deploy" / "gpu" / "compose.yaml").write_text(REFUSED)
    assert cli(project, "--check", "deploy").returncode == 1
    (project / ".composemigrate.toml").write_text('to = "devices"\nstrict = false\n')
    assert cli(project, "--check", "deploy").returncode == 0


def test_the_own_file_wins_over_pyproject_in_the_same_folder(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.composemigrate]\nto = "runtime"\n')
    (project / ".composemigrate.toml").write_text('to = "gpus"\n')
    assert cli(project, "--show-config").stdout.startswith('to = "gpus"')


def test_config_given_explicitly(project: Path) -> None:
    (project / "ci.toml").write_text('to = "cdi"\n')
    done = cli(project / "deploy", "--config", "../ci.toml", "--dry-run", "gpu")
    assert "+      - nvidia.com/gpu=all" in done.stdout


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        pytest.param(
            ".composemigrate.toml",
            'to = "gpus"\ncolour = true\n',
            "unknown key 'colour' (known: to, include, exclude, strict, max-size, jobs, gpus)",
            id="unknown-key",
        ),
        pytest.param(
            "pyproject.toml",
            "[tool.composemigrate.lint]\nselct = ['CM1']\n",
            "unknown key 'tool.composemigrate.lint.selct' (known: select, ignore, "
            "per-file-ignores)",
            id="unknown-lint-key",
        ),
        pytest.param(
            ".composemigrate.toml",
            'to = "nvidia"\n',
            "to must be one of runtime, devices, gpus, cdi, not 'nvidia'",
            id="bad-direction",
        ),
        pytest.param(
            ".composemigrate.toml",
            "jobs = 0\n",
            "jobs must be a number of processes, at least 1, not 0",
            id="bad-jobs",
        ),
        pytest.param(
            ".composemigrate.toml",
            "to = gpus\n",
            "not valid TOML (",
            id="not-toml",
        ),
    ],
)
def test_a_bad_file_is_a_usage_error_naming_it(
    project: Path, name: str, text: str, message: str
) -> None:
    (project / name).write_text(text)
    before = (project / "deploy" / "gpu" / "compose.yaml").read_text()
    for command in (["--to-devices", "deploy"], ["lint", "deploy"]):
        done = cli(project, *command)
        assert done.returncode == 2
        assert f"Error: {project / name}: {message}" in done.stderr
    assert (project / "deploy" / "gpu" / "compose.yaml").read_text() == before


def test_lint_settings_from_the_file(project: Path) -> None:
    (project / "deploy" / "gpu" / "compose.yaml").write_text(
        "services:\n  app:\n    runtime: nvidia\n    gpus: all\n"
    )
    (project / "deploy" / "gpu" / "other.yaml").write_text(
        "services:\n  app:\n    runtime: nvidia\n    gpus: [{count: 3}]\n"
    )
    (project / ".composemigrate.toml").write_text(
        'gpus = 2\n[lint]\nignore = ["CM301"]\nper-file-ignores = {"compose.yaml" = ["CM2"]}\n'
    )
    done = cli(project, "lint", "--include", "other.yaml", "deploy")
    codes = [line.split()[1] for line in done.stdout.splitlines()]
    assert codes == ["CM204", "CM107"], done.stdout  # other.yaml only; compose.yaml's CM204 off
    assert done.returncode == 1  # CM107: 3 GPUs asked, the file says the host has 2
    shown = cli(project, "lint", "--show-config", "--select", "CM1")
    assert 'select = ["CM1"]  # command line' in shown.stdout
    assert f'ignore = ["CM301"]  # {project / ".composemigrate.toml"}' in shown.stdout
    assert f"gpus = 2  # {project / '.composemigrate.toml'}" in shown.stdout
