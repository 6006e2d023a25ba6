"""Lint over every real Compose file of ``../shared/corpus``.

It must not crash; it must find an error in every file that Docker Compose refuses for a GPU
reason (the manifest's ``compose_v2`` column); it must not call invalid what Compose accepts; and
its fixes must give files that Compose still accepts, asking for the same GPUs.
"""

from __future__ import annotations

import pytest
from oracles import CorpusEntry, compose_config, corpus_manifest, gpu_requests

from composemigrate import MigrationError
from composemigrate.lint import fix_text, lint_text

ENTRIES = corpus_manifest()
GPU_REFUSALS = ("devices", "gpus", "capabilities", "count", "device_ids")
"""Words in a ``compose_v2`` refusal that make it a GPU problem lint must find."""
COMPOSE_REFUSES = {"CM101", "CM102", "CM104", "CM105", "CM106"}
"""Rules whose every finding is something Docker Compose refuses."""


def _parses(entry: CorpusEntry) -> bool:
    return entry.yaml == "ok" or "could not determine a constructor" in entry.yaml


def _gpu_refusal(entry: CorpusEntry) -> bool:
    reason = entry.compose_v2.removeprefix("rejects: ")
    return entry.compose_v2 != "ok" and any(word in reason for word in GPU_REFUSALS)


def _params(entries: list[CorpusEntry]) -> list[object]:
    return [pytest.param(entry, id=entry.file.name) for entry in entries]


def test_the_manifest_names_gpu_refusals() -> None:
    """Guard against a manifest change that would leave the next test with nothing to check."""
    assert sorted(entry.file.name for entry in ENTRIES if _gpu_refusal(entry)) == [
        "Kitware__dive__docker-compose__at-bb83926.yml",
        "illbnm__homelab-stack__stacks__ai__docker-compose.yml",
    ]


@pytest.mark.parametrize("entry", _params(ENTRIES))
def test_lint_reads_every_file(entry: CorpusEntry) -> None:
    """Files that parse give findings, the others a MigrationError with a place: never a crash."""
    try:
        findings = lint_text(entry.read(), gpus=1, path=entry.file.name)
    except MigrationError as exc:
        assert not _parses(entry), exc.message
        assert exc.line > 0
        return
    assert _parses(entry)
    if _gpu_refusal(entry):
        assert any(finding.severity == "error" for finding in findings)
    if entry.compose_v2 == "ok":
        assert not [f.render(entry.file.name) for f in findings if f.code in COMPOSE_REFUSES]


FIXED = [entry for entry in ENTRIES if _parses(entry) and entry.compose_v2 == "ok"]


@pytest.mark.parametrize("entry", _params(FIXED))
def test_fixes_keep_the_file_valid_and_the_gpus(entry: CorpusEntry) -> None:
    source = entry.read()
    result = fix_text(source)
    if not result.changed:
        return
    assert not fix_text(result.text).changed
    before, after = compose_config(source), compose_config(result.text)
    assert after.ok, after.error
    assert before.model is not None and after.model is not None
    assert gpu_requests(after.model) == gpu_requests(before.model)
