"""Smoke tests of benchmarks/: the fleet generator's shape and bench.py end to end (no timings)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ruamel.yaml import YAML

from composemigrate import migrate

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``benchmarks/<name>`` as a user would, from its folder."""
    return subprocess.run(
        [sys.executable, name, *args],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _benchmark(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def fleet() -> ModuleType:
    return _benchmark("fleet")


@pytest.fixture(scope="module")
def tiny(fleet: ModuleType) -> list[Any]:
    """3 repositories x 4 files, half with GPUs (one per form), a quarter decoys."""
    return list(fleet.plan(fleet.Spec(repos=3, files=4, gpu_share=0.5, decoy_share=0.25, seed=7)))


def test_tiny_fleet_has_the_expected_counts(fleet: ModuleType, tiny: list[Any]) -> None:
    kinds = Counter(item.kind for item in tiny)
    assert kinds == {**dict.fromkeys(fleet.GPU_FORMS, 1), "decoy": 3, "plain": 3}
    paths = [item.path for item in tiny]
    assert len(set(paths)) == 12
    assert Counter(path.parts[0] for path in paths) == {"repo-000": 4, "repo-001": 4, "repo-002": 4}
    assert fleet.summary(tiny) == (
        "12 Compose files in 3 repositories: 6 with GPUs (runtime-list 1, runtime-map 1, "
        "devices 1, gpus 1, anchor 1, commented 1), 3 decoys, 3 plain"
    )


def test_the_seed_decides_every_byte(fleet: ModuleType, tiny: list[Any]) -> None:
    spec = fleet.Spec(repos=3, files=4, gpu_share=0.5, decoy_share=0.25, seed=7)
    assert fleet.plan(spec) == tiny
    assert fleet.plan(fleet.Spec(3, 4, 0.5, 0.25, seed=8)) != tiny


def test_each_form_is_what_composemigrate_reads(tiny: list[Any]) -> None:
    """Every file is a Compose mapping; GPU files other than devices would move to devices."""
    would_change: dict[str, set[bool]] = {}
    for item in tiny:
        assert "services" in YAML(typ="safe").load(item.text)
        would_change.setdefault(item.kind, set()).add(migrate(item.text, "devices").changed)
    assert would_change == {
        "runtime-list": {True},
        "runtime-map": {True},
        "devices": {False},
        "gpus": {True},
        "anchor": {True},
        "commented": {True},
        "decoy": {False},
        "plain": {False},
    }


def test_forms_look_as_named(tiny: list[Any]) -> None:
    texts = {item.kind: item.text for item in tiny}
    assert "      - NVIDIA_VISIBLE_DEVICES=" in texts["runtime-list"]
    assert '      NVIDIA_VISIBLE_DEVICES: "' in texts["runtime-map"]
    assert "          devices:\n            - driver: nvidia\n" in texts["devices"]
    assert "    gpus:" in texts["gpus"]
    assert "x-gpu: &gpu\n" in texts["anchor"] and "    <<: *gpu\n" in texts["anchor"]
    assert "runtime: nvidia  # legacy" in texts["commented"]
    assert "nvidia" in texts["decoy"] and "runtime:" not in texts["decoy"]


def test_the_cli_writes_the_tree_and_refuses_a_full_directory(tmp_path: Path) -> None:
    out = tmp_path / "fleet"
    argv = [sys.executable, str(BENCHMARKS / "fleet.py"), str(out), "--repos", "2", "--files", "3"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{out}: 6 Compose files in 2 repositories: ")
    compose_files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*compose*"))
    assert compose_files == [
        f"repo-00{repo}/svc-00/{name}"
        for repo in (0, 1)
        for name in ("compose.override.yaml", "compose.yaml", "docker-compose.yml")
    ]
    assert (out / "repo-001" / ".git").is_dir() and (out / "repo-001" / ".gitignore").is_file()
    again = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert again.returncode == 2
    assert f"{out} is not empty" in again.stderr


@pytest.mark.slow
def test_bench_smoke_prints_the_tables() -> None:
    done = script("bench.py", "--smoke")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("fleet: 12 Compose files in 3 repositories: 6 with GPUs")
    labels = [
        "composemigrate --check (jobs ",
        "composemigrate --check --jobs 1 ",
        "baseline: ruamel round trip ",
        "floor: grep -rlE 'nvidia|gpus' ",
        "--verify (GPU files, jobs 1) ",
        "--no-verify (GPU files, jobs 1) ",
        "composemigrate --help ",
    ]
    for label in labels:
        assert any(line.startswith(label) for line in lines), label
    baseline = next(line for line in lines if line.startswith("baseline"))
    assert baseline.split()[-3:-1] == ["1.0x", "1.0x"]
    assert "--verify costs " in done.stdout
    assert lines[-6:-5] == ["targets:"]
    assert lines[-1].lstrip().startswith(("met ", "MISS")) and "flat peak memory" in lines[-1]


def test_table_gives_speed_ups_against_the_baseline() -> None:
    bench = _benchmark("bench")
    baseline = bench.Run("baseline", 20.0, 18.0, 16 * 1024)
    tool = bench.Run("tool", 2.5, 3.0, 32 * 1024)
    assert bench.table([tool, baseline], baseline).splitlines() == [
        "run         wall s     cpu s  vs baseline: wall     cpu  peak MiB",
        "tool         2.500     3.000               8.0x    6.0x      32.0",
        "baseline    20.000    18.000               1.0x    1.0x      16.0",
    ]
    floor = bench.Run("grep", 0.25, 0.2, 2 * 1024)
    assert bench.verdicts(
        tool, baseline, floor, bench.Run("help", 0.25, 0.2, 1), 1.3, 10
    ).splitlines() == [
        "targets:",
        "  MISS  10x faster than the baseline: 8.0x wall, 6.0x CPU",
        "  MISS  50x faster than the baseline, wall and CPU: 8.0x wall, 6.0x CPU",
        "  met   at most 10x the grep floor: 10.0x (2.500 s against 0.250 s, wall)",
        "  met   --help under 0.3 s: 0.250 s wall, 0.200 s CPU",
        "  MISS  flat peak memory: 1.30x for 10x the files",
    ]


def test_memory_table_gives_growth_and_cost_per_file() -> None:
    bench = _benchmark("bench")
    small = [bench.Run("tool", 1.0, 1.0, 20 * 1024)]
    large = [bench.Run("tool", 9.0, 9.0, 29 * 1024)]
    assert bench.memory_table((1000, small), (10000, large)).splitlines() == [
        "peak MiB    1000 files   10000 files   growth  KiB/file",
        "tool              20.0          29.0    1.45x      1.02",
    ]


def test_coverage_counts_migrated_and_refused_services(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.yml").write_text(
        "services:\n  ok:\n    runtime: nvidia\n  left:\n    runtime: nvidia\n"
        "    environment: [NVIDIA_VISIBLE_DEVICES=void]\n",
        encoding="utf-8",
    )
    done = script("coverage.py", "--corpus", str(corpus))
    assert done.returncode == 0, done.stderr
    rows = {line.split(" | ")[0].strip("| "): line for line in done.stdout.splitlines()}
    assert rows["--to-devices"] == "| --to-devices | 2 | 1 | 50.0% | - | CM501 1 | 0 |"
    assert rows["--to-runtime"] == "| --to-runtime | 0 | 0 | 0.0% | - | - | 0 |"


def test_versus_compares_with_a_revision() -> None:
    done = script("versus.py", "HEAD", "--repos", "2", "--files", "4", "--repeat", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "8 files, jobs 1, median of 1"
    assert lines[2].startswith("at HEAD ") and lines[3].startswith("this tree ")
    assert lines[-1].startswith("this tree / HEAD: wall ")


def test_services_prints_the_growth_per_size() -> None:
    done = script("services.py", "--sizes", "5", "10", "--repeat", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["services", "seconds", "ms/service", "growth"]
    assert [line.split()[0] for line in lines[1:]] == ["5", "10"]
    assert lines[1].endswith("1.00x")
