"""``composemigrate census`` through the real command line over real git repositories: the count
before a migration, the burndown after it, and reports that cannot be compared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clirun import cli, git_repo
from gitenv import bare_git  # noqa: F401  (a git without the user's configuration)

RUNTIME = "services:\n  train:\n    image: nvidia/cuda\n    runtime: nvidia\n"
DEVICES = (
    "services:\n  infer:\n    image: nvidia/cuda\n    deploy:\n      resources:\n"
    "        reservations:\n          devices:\n            - driver: nvidia\n"
    "              count: 1\n              capabilities: [gpu]\n"
)
REFUSED = "services:\n  job:\n    image: nvidia/cuda\n    gpus:\n      - count: ${NGPU}\n"


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    git_repo(tmp_path / "a", {"compose.yaml": RUNTIME, "gpu/docker-compose.yml": DEVICES})
    git_repo(tmp_path / "b", {"compose.yaml": REFUSED, "web/compose.yaml": "services: {w: {}}\n"})
    return tmp_path


def test_a_table_per_repository_and_in_total(fleet: Path) -> None:
    done = cli(fleet, "census", "--to", "runtime", "a", "b")
    assert done.returncode == 0, done.stderr
    assert [line.split() for line in done.stdout.splitlines()] == [
        ["repository", "files", "services", "runtime", "devices", "gpus", "cdi", "refused"],
        [str(fleet / "a"), "2", "2", "1", "1", "0", "0", "0"],
        [str(fleet / "b"), "2", "1", "0", "0", "1", "0", "1"],
        ["total", "4", "3", "1", "1", "1", "0", "1"],
        ["refused", "by", "code:", "CM503", "1"],
    ]
    header, first = done.stdout.splitlines()[:2]
    assert header.index("files") + len("files") == first.index(" 2 ") + 2  # right-aligned


def test_json_then_the_burndown_after_a_migration(fleet: Path) -> None:
    before = cli(fleet, "census", "--format", "json", "a", "b")
    (fleet / "before.json").write_text(before.stdout)
    document = json.loads(before.stdout)
    assert document["totals"]["forms"] == {"runtime": 1, "devices": 1, "gpus": 1, "cdi": 0}
    assert [repo["path"] for repo in document["repositories"]] == [
        str(fleet / "a"),
        str(fleet / "b"),
    ]
    assert cli(fleet, "--to-devices", "a", "b").returncode == 0
    after = cli(fleet, "census", "--format", "json", "a", "b")
    (fleet / "after.json").write_text(after.stdout)
    burndown = cli(fleet, "census", "--compare", "before.json", "after.json")
    assert burndown.returncode == 0
    assert burndown.stdout.splitlines() == [
        "services asking for GPUs 3 → 3",
        "runtime services 1 → 0",
        "devices services 1 → 3",
        "gpus services 1 → 0",
        "files 4 → 4, failed 0 → 0",
    ]


def test_a_file_that_does_not_parse_is_counted_failed(fleet: Path) -> None:
    (fleet / "b" / "compose.yaml").write_text("services:\n  a:\n    runtime: nvidia\n  - x\n")
    done = cli(fleet, "census", "b")
    assert done.returncode == 2
    assert "b/compose.yaml:4:3: error: invalid YAML" in done.stderr
    assert done.stdout.splitlines()[1].split()[:3] == ["total", "2", "(1"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            '{"version": 1, "kind": "composemigrate-cen', "not JSON, or cut short", id="cut"
        ),
        pytest.param('{"version": 1, "files": []}', "not a census", id="a-migrate-report"),
        pytest.param(
            '{"version": 9, "kind": "composemigrate-census", "totals": {}}',
            "census version 9, this composemigrate reads 1",
            id="other-version",
        ),
        pytest.param(
            '{"version": 1, "kind": "composemigrate-census", "totals": {"files": 1}}',
            "totals are incomplete",
            id="incomplete",
        ),
    ],
)
def test_compare_refuses_a_report_it_cannot_read(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "old.json").write_text(text)
    good = (
        '{"version": 1, "kind": "composemigrate-census", "totals": '
        + json.dumps({"files": 0, "failed": 0, "services": 0, "forms": {}, "refusals": {}})
        + "}"
    )
    (tmp_path / "new.json").write_text(good)
    done = cli(tmp_path, "census", "--compare", "old.json", "new.json")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"error: old.json: {message}")
    assert done.stderr.count("\n") == 1
