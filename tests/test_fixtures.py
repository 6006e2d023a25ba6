"""Golden pairs: each ``tests/fixtures/<case>/input.yaml`` must migrate to its ``expected.yaml``.

A case folder holds ``input.yaml``, and optionally ``expected.yaml`` (absent: the file must come out
byte-identical and never be written), ``args`` (CLI flags, one a line; default ``--to-devices``) and
``stderr`` (the exact warning and error lines, the path shown as ``input.yaml``). Every case is
checked for exact bytes and exact warnings; changed cases also for idempotence, for the same GPUs
and the same everything else in the real Compose's model, and for kept comments and anchors; the CLI
runs on cases with expected warnings and on cases that must not be written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from oracles import compose_config, gpu_requests, non_gpu_model
from ruamel.yaml import YAML
from ruamel.yaml.events import AliasEvent, NodeEvent
from ruamel.yaml.tokens import CommentToken

from composemigrate import Form, MigrationError, migrate
from composemigrate.fileio import env_file_reader
from composemigrate.forms import SPECS
from composemigrate.yamldoc import tab_shadow

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHOWN_PATH = "input.yaml"
TARGETS = {spec.flag: form for form, spec in SPECS.items()}
DROP_VERSION = "--drop-version"
CASE_FILES = {"input.yaml", "expected.yaml", "args", "stderr"}
OLD_MTIME_NS = 1_000_000_000 * 10**9
"""A past modification time given to copies, so "not written" cannot depend on clock resolution."""


@dataclass(frozen=True)
class Case:
    """One fixture folder, read as bytes so CRLF, BOM and a missing final newline stay exact."""

    folder: Path
    source: bytes
    expected: bytes | None
    args: tuple[str, ...]
    stderr: tuple[str, ...]
    files: tuple[tuple[str, bytes], ...] = ()
    """Other files beside the input (env files), laid beside every copy of it."""

    @property
    def to(self) -> Form:
        targets = [TARGETS[arg] for arg in self.args if arg in TARGETS]
        if len(targets) != 1:
            raise ValueError(f"{self.folder.name}/args must name exactly one --to-* flag")
        return targets[0]

    @property
    def drop_version(self) -> bool:
        return DROP_VERSION in self.args

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(line for line in self.stderr if ": error: " in line)

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(line for line in self.stderr if ": error: " not in line)

    @property
    def output(self) -> bytes:
        """What the migration must produce: ``expected.yaml``, else the input unchanged."""
        return self.source if self.expected is None else self.expected

    def run(self, data: bytes) -> tuple[bytes, bool, tuple[str, ...]]:
        """Migrate ``data`` with the case's options: (new bytes, changed, rendered warnings)."""
        result = migrate(
            data.decode("utf-8"),
            self.to,
            drop_version=self.drop_version,
            env_files=env_file_reader(self.folder),
        )
        rendered = tuple(finding.render(SHOWN_PATH) for finding in result.warnings)
        return result.text.encode("utf-8"), result.changed, rendered


def _optional(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def load_case(folder: Path) -> Case:
    args_text = _optional(folder / "args")
    args = tuple(args_text.decode("utf-8").split()) if args_text else ("--to-devices",)
    unknown = [arg for arg in args if arg not in TARGETS and arg != DROP_VERSION]
    if unknown:
        raise ValueError(f"{folder.name}/args: unknown flags {unknown}")
    stderr_text = _optional(folder / "stderr")
    files = sorted(
        (path.name, path.read_bytes())
        for path in folder.iterdir()
        if path.name not in CASE_FILES and path.is_file()
    )
    return Case(
        folder=folder,
        source=(folder / "input.yaml").read_bytes(),
        expected=_optional(folder / "expected.yaml"),
        args=args,
        stderr=tuple(stderr_text.decode("utf-8").splitlines()) if stderr_text else (),
        files=tuple(files),
    )


def _cases() -> list[Case]:
    """Folders holding an ``input.yaml`` (``lint/`` and ``py/`` hold cases of their own)."""
    folders = sorted(path for path in FIXTURES.iterdir() if (path / "input.yaml").is_file())
    return [load_case(folder) for folder in folders]


def _params(cases: list[Case]) -> list[object]:
    return [pytest.param(case, id=case.folder.name) for case in cases]


CASES = _cases()
VALID = [case for case in CASES if not case.errors]
CHANGED = [case for case in CASES if case.expected is not None]
UNCHANGED = [case for case in CASES if case.expected is None]
WITH_STDERR = [case for case in CASES if case.stderr]


# --- what the library returns -------------------------------------------------------------------


@pytest.mark.parametrize("case", _params(VALID))
def test_exact_bytes(case: Case) -> None:
    out, changed, _ = case.run(case.source)
    assert out == case.output
    assert changed is (case.expected is not None)


@pytest.mark.parametrize("case", _params(VALID))
def test_exact_warnings(case: Case) -> None:
    assert case.run(case.source)[2] == case.warnings


@pytest.mark.parametrize("case", _params([case for case in CASES if case.errors]))
def test_refused_with_error(case: Case) -> None:
    with pytest.raises(MigrationError) as caught:
        case.run(case.source)
    assert (caught.value.render(SHOWN_PATH),) == case.errors


@pytest.mark.parametrize("case", _params(CHANGED))
def test_idempotent(case: Case) -> None:
    out, changed, _ = case.run(case.output)
    assert out == case.output
    assert not changed


@pytest.mark.parametrize("case", _params(CHANGED))
def test_same_gpus_for_compose(case: Case) -> None:
    """Docker Compose itself reads the same GPUs, and nothing else changed, in input and output."""
    before = compose_config(case.source.decode("utf-8"), files=case.files)
    if not before.ok:
        pytest.skip(f"Compose rejects the input: {before.error}")
    after = compose_config(case.output.decode("utf-8"), files=case.files)
    assert after.ok, after.error
    assert before.model is not None and after.model is not None
    assert gpu_requests(after.model) == gpu_requests(before.model)
    assert _settings(after.model) == _settings(before.model)


def _settings(model: dict[str, Any]) -> dict[str, Any]:
    """The model without its GPU settings and without ``x-`` extensions (anchored GPU settings
    often live there, and a rewrite changes them on purpose)."""
    stripped = non_gpu_model(model)
    return {key: value for key, value in stripped.items() if not key.startswith("x-")}


def comments(text: str) -> Counter[str]:
    """Every comment's text (trailing blanks dropped), as the YAML scanner finds them.

    The scanner reads a shadow with inner tabs as spaces (it refuses tabs Compose accepts)."""
    found: Counter[str] = Counter()

    def collect(item: object) -> None:
        if isinstance(item, CommentToken):
            lines = (line.strip() for line in str(item.value).split("\n"))
            found.update(line for line in lines if line.startswith("#"))
        elif isinstance(item, list):
            for sub in item:
                collect(sub)

    for token in YAML().scan(tab_shadow(text)):
        collect(token if isinstance(token, CommentToken) else getattr(token, "_comment", None))
    return found


def anchors(text: str) -> Counter[str]:
    """Every anchor (``&name``) and alias (``*name``) in the text."""
    found: Counter[str] = Counter()
    for event in YAML().parse(tab_shadow(text)):
        if isinstance(event, NodeEvent) and event.anchor is not None:
            found[("*" if isinstance(event, AliasEvent) else "&") + str(event.anchor)] += 1
    return found


@pytest.mark.parametrize("case", _params(CHANGED))
def test_comments_and_anchors_kept(case: Case) -> None:
    before, after = case.source.decode("utf-8"), case.output.decode("utf-8")
    assert comments(after) == comments(before)
    assert anchors(after) == anchors(before)


def test_comment_and_anchor_counters_see_them() -> None:
    text = '# top\nx: &a [1, 2]  # on x\ny: *a\nz: "# not a comment"\n'
    assert comments(text) == Counter({"# top": 1, "# on x": 1})
    assert anchors(text) == Counter({"&a": 1, "*a": 1})


# --- what the command line does -----------------------------------------------------------------


def _cli(case: Case, workdir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run the real CLI on a copy of the case's input, from inside the copy's folder."""
    return subprocess.run(
        [sys.executable, "-m", "composemigrate", *case.args, *extra, SHOWN_PATH],
        cwd=workdir,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _copy_input(case: Case, workdir: Path) -> Path:
    target = workdir / SHOWN_PATH
    shutil.copyfile(case.folder / "input.yaml", target)
    for name, data in case.files:
        (workdir / name).write_bytes(data)
    os.utime(target, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    return target


def _exit_status(case: Case, *, check: bool) -> int:
    if case.errors:
        return 2
    return 1 if check and case.expected is not None else 0


@pytest.mark.parametrize("case", _params(WITH_STDERR))
def test_cli_reports_exact_lines(case: Case, tmp_path: Path) -> None:
    copy = _copy_input(case, tmp_path)
    done = _cli(case, tmp_path, "--check")
    reported = [line for line in done.stderr.splitlines() if line.startswith(f"{SHOWN_PATH}:")]
    assert reported == list(case.stderr)
    assert done.returncode == _exit_status(case, check=True), done.stderr
    assert copy.read_bytes() == case.source


@pytest.mark.parametrize("case", _params(UNCHANGED))
def test_cli_does_not_write_unchanged(case: Case, tmp_path: Path) -> None:
    copy = _copy_input(case, tmp_path)
    done = _cli(case, tmp_path)
    assert done.returncode == _exit_status(case, check=False), done.stderr
    assert copy.read_bytes() == case.source
    assert copy.stat().st_mtime_ns == OLD_MTIME_NS
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [SHOWN_PATH, *(name for name, _ in case.files)]
    )


@pytest.mark.parametrize("to", list(Form), ids=lambda form: form.value)
@pytest.mark.parametrize("case", _params(VALID))
def test_every_direction_asks_compose_for_the_same_gpus(case: Case, to: Form) -> None:
    """Not only the case's own direction: each input migrated to every form keeps its GPUs and
    everything else, as Compose itself reads them."""
    source = case.source.decode("utf-8")
    before = compose_config(source, files=case.files)
    if not before.ok:
        pytest.skip(f"Compose rejects the input: {before.error}")
    result = migrate(source, to, env_files=env_file_reader(case.folder))
    if not result.changed:
        return
    after = compose_config(result.text, files=case.files)
    assert after.ok, after.error
    assert before.model is not None and after.model is not None
    assert gpu_requests(after.model) == gpu_requests(before.model)
    assert _settings(after.model) == _settings(before.model)
