"""Projects: multi-file golden cases, run through the real CLI and checked with Compose itself.

A case ``tests/fixtures/projects/<case>/`` holds ``input/`` (a folder as a user has it),
``expected/`` (the same folder after the run; every file), ``args`` (the CLI flags, one a line,
run on ``.`` unless they name files), ``sets`` (one file set a line, as ``docker compose -f`` takes
them) and optionally ``stderr`` (the exact warning lines). Every set must ask Compose for the same
GPUs, and nothing else, before and after; a second run changes nothing.
"""

from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from clirun import cli
from oracles import compose_project, gpu_requests, non_gpu_model

CASES = Path(__file__).resolve().parent / "fixtures" / "projects"


def _cases() -> list[Path]:
    return sorted(path for path in CASES.iterdir() if (path / "input").is_dir())


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.is_file() else []


def _run(case: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    args = _lines(case / "args")
    paths = [] if any(arg.startswith("-f") for arg in args) else ["."]
    return cli(folder, *args, *paths)


def _same_tree(left: Path, right: Path) -> list[str]:
    """Files that differ or exist on one side only, by relative path."""
    names = {p.relative_to(left) for p in left.rglob("*") if p.is_file()}
    names |= {p.relative_to(right) for p in right.rglob("*") if p.is_file()}
    return sorted(
        str(name)
        for name in names
        if not ((left / name).is_file() and (right / name).is_file())
        or not filecmp.cmp(left / name, right / name, shallow=False)
    )


@pytest.fixture(params=_cases(), ids=lambda path: path.name)
def case(request: pytest.FixtureRequest) -> Path:
    folder: Path = request.param
    return folder


def test_cli_gives_the_expected_files_and_warnings(case: Path, tmp_path: Path) -> None:
    work = tmp_path / "project"
    shutil.copytree(case / "input", work)
    done = _run(case, work)
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines() if ": warning: " in line] == _lines(
        case / "stderr"
    )
    assert _same_tree(work, case / "expected") == []
    again = _run(case, work)
    assert again.returncode == 0, again.stderr
    assert _same_tree(work, case / "expected") == []


def _model(folder: Path, files: list[str]) -> dict[str, Any]:
    outcome = compose_project(folder, files)
    assert outcome.ok, outcome.error
    assert outcome.model is not None
    return outcome.model


def test_every_set_asks_compose_for_the_same_gpus(case: Path) -> None:
    for line in _lines(case / "sets"):
        files = line.split()
        before, after = _model(case / "input", files), _model(case / "expected", files)
        assert gpu_requests(after) == gpu_requests(before), line
        assert non_gpu_model(after) == non_gpu_model(before), line


def test_files_given_with_f_are_one_project_and_take_no_other_path(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("services:\n  s:\n    runtime: nvidia\n", encoding="utf-8")
    done = cli(tmp_path, "--to-devices", "-f", "a.yml", "other.yml")
    assert done.returncode == 2
    assert "-f files are one project: give no other PATH" in done.stderr


LEGACY = "services:\n  app:\n    runtime: nvidia\n"


@pytest.mark.parametrize(
    ("files", "errors"),
    [
        pytest.param(
            {"docker-compose.yml": "services:\n  app:\n    image: x\n  - broken\n"},
            [
                "docker-compose.gpu.yml: error: docker-compose.yml, a file of the same project, "
                "does not parse (line 4): invalid YAML: expected <block end>, but found '-'; "
                "no file of the project is migrated",
            ],
            id="base-does-not-parse",
        ),
        pytest.param(
            {
                "docker-compose.yml": "services:\n  app:\n    extends:\n      file: gone.yml\n"
                "      service: app\n"
            },
            [
                "docker-compose.gpu.yml: error: service 'app' of docker-compose.yml extends "
                "gone.yml, which does not exist; no file of the project is migrated",
            ],
            id="extends-a-missing-file",
        ),
        pytest.param(
            {
                "docker-compose.yml": "include:\n  - sub/compose.yaml\nservices:\n  app:\n"
                "    image: x\n",
                "sub/compose.yaml": "include:\n  - ../docker-compose.yml\n",
            },
            [
                "docker-compose.gpu.yml: error: include cycle: docker-compose.yml -> "
                "sub/compose.yaml -> docker-compose.yml; no file of the project is migrated",
            ],
            id="include-cycle",
        ),
        pytest.param(
            {"docker-compose.yml": "include:\n  - gone.yaml\nservices:\n  app:\n    image: x\n"},
            [
                "docker-compose.gpu.yml: error: gone.yaml, included by docker-compose.yml, does "
                "not exist; no file of the project is migrated",
            ],
            id="include-a-missing-file",
        ),
        pytest.param(
            {"docker-compose.yml": "services:\n  app:\n    image: x\n", ".env": None},
            [
                "docker-compose.gpu.yml: error: .env beside it cannot be read (is a directory); "
                "no file of the project is migrated",
            ],
            id="dotenv-unreadable",
        ),
    ],
)
def test_a_broken_project_is_left_whole_with_one_line_per_file(
    tmp_path: Path, files: dict[str, str | None], errors: list[str]
) -> None:
    """Every file of the project untouched, the one with GPU settings with one line naming
    what is wrong (the others have nothing to migrate); another project beside it is still
    migrated."""
    project = tmp_path / "project"
    project.mkdir()
    for name, text in files.items():
        if text is None:
            (project / name).mkdir()  # a folder where a file should be: it cannot be read
        else:
            (project / name).parent.mkdir(exist_ok=True)
            (project / name).write_text(text, encoding="utf-8")
    (project / "docker-compose.gpu.yml").write_text(LEGACY, encoding="utf-8")
    other = tmp_path / "other"
    other.mkdir()
    (other / "compose.yaml").write_text(LEGACY, encoding="utf-8")
    before = {path: path.read_bytes() for path in project.rglob("*") if path.is_file()}
    done = cli(tmp_path, "--to-gpus", "--jobs", "1", ".")
    assert done.returncode == 2
    found = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert found == [f"project/{line}" for line in errors]
    assert {path: path.read_bytes() for path in project.rglob("*") if path.is_file()} == before
    assert (other / "compose.yaml").read_text(encoding="utf-8").endswith("gpus: all\n")


def test_a_file_with_nothing_to_do_does_not_read_its_project(tmp_path: Path) -> None:
    """A file already in the target form is unchanged even beside a broken file of its project:
    the project is read only for a file with something to do (and that one is refused)."""
    (tmp_path / "compose.yaml").write_text(
        "services:\n  train:\n    image: x\n    gpus: all\n", encoding="utf-8"
    )
    (tmp_path / "compose.override.yaml").write_text("services: [\n", encoding="utf-8")
    done = cli(tmp_path, "--to-gpus", "--check", "--report", "json", ".")
    assert done.returncode == 0, done.stderr
    files = {entry["path"]: entry for entry in json.loads(done.stdout)["files"]}
    assert files["compose.yaml"]["status"] == "unchanged"
    done = cli(tmp_path, "--to-devices", "--check", ".")
    assert done.returncode == 2
    assert "compose.yaml: error: compose.override.yaml, a file of the same project, does not " in (
        done.stderr
    )


def test_the_report_names_each_file_s_project_and_v_shows_it_once(tmp_path: Path) -> None:
    shutil.copytree(CASES / "override-changes-visible" / "input", tmp_path / "p")
    report = cli(tmp_path / "p", "--to-devices", "--check", "--report", "json", ".")
    files = {entry["path"]: entry["project"] for entry in json.loads(report.stdout)["files"]}
    both = ["compose.yaml", "compose.override.yaml"]
    assert files == {"compose.override.yaml": both, "compose.yaml": both}
    projects = json.loads(report.stdout)["projects"]
    assert projects == [{"files": both, "repository": None, "sets": [both]}]
    verbose = cli(tmp_path / "p", "--to-devices", "--check", "-v", ".")
    shown = [line for line in verbose.stderr.splitlines() if line.startswith("project: ")]
    assert shown == ["project: compose.yaml + compose.override.yaml"]


@pytest.mark.parametrize("refused", ["compose.yaml", "compose.override.yaml"])
def test_a_project_is_written_all_or_none(tmp_path: Path, refused: str) -> None:
    """Two files of one project, each with a service of its own to migrate; one cannot be
    written (no write bit, refused also for root): the other is put back, whichever came first."""
    (tmp_path / "compose.yaml").write_text(LEGACY, encoding="utf-8")
    other = "services:\n  worker:\n    runtime: nvidia\n"
    (tmp_path / "compose.override.yaml").write_text(other, encoding="utf-8")
    (tmp_path / refused).chmod(0o444)
    done = cli(tmp_path, "--to-gpus", "--jobs", "1", ".")
    assert done.returncode == 2
    assert (tmp_path / "compose.yaml").read_text(encoding="utf-8") == LEGACY
    assert (tmp_path / "compose.override.yaml").read_text(encoding="utf-8") == other
    kept = "compose.override.yaml" if refused == "compose.yaml" else "compose.yaml"
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert f"{refused}: error: permission denied" in errors
    assert any(line.startswith(f"{kept}: error: put back as it was: ") for line in errors)
    assert (
        "0 files migrated, 0 unchanged, 0 skipped with warnings, 2 failed; 1 multi-file project."
    ) in done.stderr


def test_lint_reports_a_split_service_in_each_file(tmp_path: Path) -> None:
    shutil.copytree(CASES / "override-changes-visible" / "input", tmp_path / "p")
    done = cli(tmp_path / "p", "lint", ".")
    split = [line for line in done.stdout.splitlines() if " CM206 " in line]
    assert split == [
        "compose.override.yaml:2:3: CM206 warning: service 'trainer': its GPU settings are also "
        "made in compose.yaml:2 ('trainer'), which Compose merges with this one",
        "compose.yaml:2:3: CM206 warning: service 'trainer': its GPU settings are also made in "
        "compose.override.yaml:2 ('trainer'), which Compose merges with this one",
    ]


def test_the_report_gives_the_sets_a_project_is_run_with(tmp_path: Path) -> None:
    """The base alone (``docker compose`` with no ``-f``), then the base with each overlay."""
    shutil.copytree(CASES / "dash-named-overlay" / "input", tmp_path / "p")
    report = cli(tmp_path / "p", "--to-devices", "--check", "--report", "json", ".")
    base, overlay = "docker-compose.yml", "docker-compose-gpu1.yml"
    assert json.loads(report.stdout)["projects"] == [
        {"files": [base, overlay], "repository": None, "sets": [[base], [base, overlay]]}
    ]
    assert "; 1 multi-file project." in report.stderr
