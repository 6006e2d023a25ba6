"""Time composemigrate over a synthetic fleet, side by side with a naive baseline and a floor.

Every command runs as a child of a fresh wrapper process that reports the child's wall time, CPU
time (user + system, over the child and its workers: steadier than wall time on a busy machine) and
peak resident memory (``ru_maxrss`` of ``RUSAGE_CHILDREN``: the largest single process among the
child and its workers), so no figure includes this script's own imports. The baseline is what a
platform team would write without this tool: load and dump every Compose file with ruamel.yaml's
round trip. ``grep -rlE`` over the same tree is the floor: reading the bytes and nothing else.

Usage: ``python benchmarks/bench.py [--repos 200] [--files 50] [--repeat 3] [--smoke]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import fleet

from composemigrate.pool import default_workers

HELP_TARGET = 0.3
"""Seconds ``composemigrate --help`` may take (issue 4)."""

SPEEDUP_TARGET = 10.0
"""How many times faster than the baseline ``--check`` must be over the fleet (issue 4)."""

FLEET_SPEEDUP_TARGET = 50.0
"""How many times faster than the baseline, in wall and CPU time (the fleet issue)."""

FLOOR_TARGET = 10.0
"""At most how many times the grep floor's wall time ``--check`` may take (the fleet issue)."""

FLAT_MEMORY = 1.2
"""Peak memory counts as flat when ten times the files take less than this factor more."""

BASELINE = """\
import io, sys
from ruamel.yaml import YAML
yaml = YAML()
with open(sys.argv[1], encoding="utf-8") as listing:
    paths = listing.read().splitlines()
for path in paths:
    with open(path, encoding="utf-8") as stream:
        data = yaml.load(stream)
    yaml.dump(data, io.StringIO())
"""
"""The naive tool: a ruamel.yaml round trip (load, then dump) of every file, one after another."""

WRAPPER = """\
import json, resource, subprocess, sys, tempfile, time
timer, command = sys.argv[1], sys.argv[2:]
with tempfile.NamedTemporaryFile("r") as peak_file:
    prefix = [timer, "-f", "%M", "-o", peak_file.name] if timer else []
    start = time.perf_counter()
    done = subprocess.run(prefix + command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    timed = peak_file.read().split()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak = int(timed[-1]) if timer else usage.ru_maxrss
tail = done.stderr.decode("utf-8", "replace")[-2000:]
report = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_kib": peak}
print(json.dumps({**report, "rc": done.returncode, "stderr": tail}))
"""
"""Runs one command and reports its wall and CPU time and peak RSS in KiB, nothing of itself.

The peak comes from GNU time when there is one: a child forked from this Python wrapper would
count the wrapper's own ~10 MiB (Linux keeps the pre-exec high-water mark), which hides small
commands such as grep.
"""

GNU_TIME = "/usr/bin/time"


@dataclass(frozen=True)
class Run:
    """One measured command: median wall and CPU seconds over the repeats, largest peak RSS."""

    label: str
    wall: float
    cpu: float
    rss_kib: int


class BenchError(Exception):
    """A measured command did not end the way it should, so its figure would mean nothing."""


def measure(label: str, argv: Sequence[str], ok: Sequence[int], repeat: int) -> Run:
    """Run ``argv`` ``repeat`` times in a fresh wrapper each; fail unless it exits with ``ok``."""
    print(f"measuring {label} ({repeat}x)", file=sys.stderr, flush=True)
    walls, cpus, peaks = [], [], []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", WRAPPER, _timer(), *argv],
            capture_output=True,
            text=True,
            check=True,
        )
        report = json.loads(done.stdout)
        if report["rc"] not in ok:
            raise BenchError(f"{label}: exit {report['rc']}, expected {ok}\n{report['stderr']}")
        walls.append(float(report["wall"]))
        cpus.append(float(report["cpu"]))
        peaks.append(int(report["rss_kib"]))
    return Run(label, statistics.median(walls), statistics.median(cpus), max(peaks))


def _timer() -> str:
    """GNU time's path, or "" to fall back on the wrapper's own ``getrusage``."""
    return GNU_TIME if os.access(GNU_TIME, os.X_OK) else ""


def compile_sources() -> None:
    """Byte-compile the package first, as installing it does: with ``PYTHONDONTWRITEBYTECODE``
    set (or a source tree never imported), every measured start would compile it again."""
    import compileall

    import composemigrate as package

    compileall.compile_dir(Path(package.__file__).parent, quiet=1)


def composemigrate() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m``."""
    script = shutil.which("composemigrate", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "composemigrate"]


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


@dataclass(frozen=True)
class Fleet:
    """A fleet on disk: its root, the list file the baseline reads, and what it holds."""

    root: Path
    listing: Path
    files: list[fleet.FleetFile]

    def gpu_paths(self) -> list[str]:
        return [str(self.root / f.path) for f in self.files if f.kind in fleet.GPU_FORMS]


def make_fleet(workdir: Path, name: str, spec: fleet.Spec) -> Fleet:
    root = workdir / name
    files = fleet.plan(spec)
    fleet.write(root, files)
    listing = workdir / f"{name}.files"
    listing.write_text("".join(f"{root / f.path}\n" for f in files), encoding="utf-8")
    return Fleet(root, listing, files)


def fleet_runs(where: Fleet, repeat: int) -> tuple[Run, Run, Run, Run]:
    """composemigrate --check (default jobs, then one job), the baseline and grep, in that order."""
    check = [*composemigrate(), "--to-devices", "--check", str(where.root)]
    return (
        measure(f"composemigrate --check (jobs {default_workers()})", check, (0, 1), repeat),
        measure("composemigrate --check --jobs 1", [*check, "--jobs", "1"], (0, 1), repeat),
        measure(
            "baseline: ruamel round trip",
            [sys.executable, "-c", BASELINE, str(where.listing)],
            (0,),
            repeat,
        ),
        measure(
            "floor: grep -rlE 'nvidia|gpus'",
            ["grep", "-rlE", "nvidia|gpus", str(where.root)],
            (0, 1),
            repeat,
        ),
    )


def verify_runs(where: Fleet, repeat: int) -> tuple[Run, Run]:
    """--verify against --no-verify on the GPU files only, in one process, so verify dominates."""
    base = [*composemigrate(), "--to-devices", "--check", "--jobs", "1"]
    files = where.gpu_paths()
    return (
        measure("--verify (GPU files, jobs 1)", [*base, "--verify", *files], (0, 1), repeat),
        measure("--no-verify (GPU files, jobs 1)", [*base, "--no-verify", *files], (0, 1), repeat),
    )


def help_runs(runs: int) -> tuple[Run, Run]:
    """``composemigrate --help`` and a bare interpreter start, each the median of ``runs``."""
    return (
        measure("composemigrate --help", [*composemigrate(), "--help"], (0,), runs),
        measure("python -c pass (floor)", [sys.executable, "-c", "pass"], (0,), runs),
    )


def table(runs: Sequence[Run], baseline: Run | None = None) -> str:
    """Wall and CPU time, speed-ups against ``baseline`` (when given), peak memory per run."""
    width = max(len("run"), *(len(run.label) for run in runs))
    head = f"{'run':<{width}}  {'wall s':>8}  {'cpu s':>8}  {'vs baseline: wall':>17}"
    rows = [f"{head}  {'cpu':>6}  {'peak MiB':>8}"]
    for run in runs:
        wall = f"{baseline.wall / run.wall:.1f}x" if baseline else ""
        cpu = f"{baseline.cpu / run.cpu:.1f}x" if baseline and run.cpu else ""
        rows.append(
            f"{run.label:<{width}}  {run.wall:8.3f}  {run.cpu:8.3f}  {wall:>17}  {cpu:>6}  "
            f"{run.rss_kib / 1024:8.1f}"
        )
    return "\n".join(rows)


def memory_table(small: tuple[int, Sequence[Run]], large: tuple[int, Sequence[Run]]) -> str:
    """Peak memory per command for two fleet sizes, how much it grew, and by how much per file."""
    (n_small, runs_small), (n_large, runs_large) = small, large
    width = max(len("peak MiB"), *(len(run.label) for run in runs_small))
    head = f"{'peak MiB':<{width}}  {f'{n_small} files':>12}  {f'{n_large} files':>12}"
    rows = [f"{head}  {'growth':>7}  {'KiB/file':>8}"]
    for a, b in zip(runs_small, runs_large, strict=True):
        per_file = (b.rss_kib - a.rss_kib) / (n_large - n_small)
        rows.append(
            f"{a.label:<{width}}  {a.rss_kib / 1024:12.1f}  {b.rss_kib / 1024:12.1f}  "
            f"{b.rss_kib / a.rss_kib:6.2f}x  {per_file:8.2f}"
        )
    return "\n".join(rows)


def verdicts(
    fast: Run, baseline: Run, floor: Run, help_run: Run, growth: float, more_files: float
) -> str:
    """Each target (issue 4, then the fleet issue's), with the measured figures."""

    def line(name: str, met: bool, figure: str) -> str:
        return f"  {'met ' if met else 'MISS'}  {name}: {figure}"

    speedup, cpu_speedup = baseline.wall / fast.wall, baseline.cpu / fast.cpu
    over_floor = fast.wall / floor.wall
    return "\n".join(
        [
            "targets:",
            line(
                f"{SPEEDUP_TARGET:.0f}x faster than the baseline",
                speedup >= SPEEDUP_TARGET,
                f"{speedup:.1f}x wall, {cpu_speedup:.1f}x CPU",
            ),
            line(
                f"{FLEET_SPEEDUP_TARGET:.0f}x faster than the baseline, wall and CPU",
                min(speedup, cpu_speedup) >= FLEET_SPEEDUP_TARGET,
                f"{speedup:.1f}x wall, {cpu_speedup:.1f}x CPU",
            ),
            line(
                f"at most {FLOOR_TARGET:.0f}x the grep floor",
                over_floor <= FLOOR_TARGET,
                f"{over_floor:.1f}x ({fast.wall:.3f} s against {floor.wall:.3f} s, wall)",
            ),
            line(
                f"--help under {HELP_TARGET} s",
                help_run.wall < HELP_TARGET,
                f"{help_run.wall:.3f} s wall, {help_run.cpu:.3f} s CPU",
            ),
            line(
                "flat peak memory",
                growth < FLAT_MEMORY,
                f"{growth:.2f}x for {more_files:.0f}x the files",
            ),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=fleet.Spec.repos)
    parser.add_argument("--files", type=int, default=fleet.Spec.files)
    parser.add_argument("--gpu-share", type=float, default=fleet.Spec.gpu_share)
    parser.add_argument("--seed", type=int, default=fleet.Spec.seed)
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (median)")
    parser.add_argument("--help-runs", type=int, default=10, help="runs of --help (median)")
    parser.add_argument(
        "--smoke", action="store_true", help="a tiny fleet, once: checks the script"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.repos, args.files, args.gpu_share, args.repeat, args.help_runs = 3, 4, 0.5, 1, 1
    spec = fleet.Spec(args.repos, args.files, args.gpu_share, seed=args.seed)
    small_spec = fleet.Spec(max(1, args.repos // 10), args.files, args.gpu_share, seed=args.seed)
    compile_sources()
    with tempfile.TemporaryDirectory(prefix="composemigrate-bench-") as tmp:
        large = make_fleet(Path(tmp), "fleet", spec)
        small = make_fleet(Path(tmp), "small", small_spec)
        print(f"fleet: {fleet.summary(large.files)}", flush=True)
        print(f"machine: {default_workers()} CPUs, load average {_load()} at the start", flush=True)
        try:
            runs = fleet_runs(large, args.repeat)
            verify, no_verify = verify_runs(large, args.repeat)
            help_run, python_run = help_runs(args.help_runs)
            small_runs = fleet_runs(small, 1)[:3]
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    fast, _, baseline, floor = runs
    print(f"load average {_load()} at the end\n")
    print(table(runs, baseline))
    print()
    print(table([verify, no_verify, help_run, python_run]))
    wall_cost, cpu_cost = verify.wall / no_verify.wall - 1, verify.cpu / no_verify.cpu - 1
    print(
        f"\n--verify costs {wall_cost:+.0%} wall, {cpu_cost:+.0%} CPU "
        f"on the {len(large.gpu_paths())} GPU files"
    )
    print()
    print(memory_table((len(small.files), small_runs), (len(large.files), runs[:3])))
    growth = max(b.rss_kib / a.rss_kib for a, b in zip(small_runs[:2], runs[:2], strict=True))
    print()
    more_files = len(large.files) / len(small.files)
    print(verdicts(fast, baseline, floor, help_run, growth, more_files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
