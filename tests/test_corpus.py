"""Every real Compose file of ``../shared/corpus``, migrated in every direction (issues 2 and 3).

Each output is checked against the oracles, not against expectations written by hand: the real
Docker Compose says which GPUs a file asks for and that nothing else changed, the published JSON
schemas say whether it is still valid, and ``properties`` reads comments and lines independently
of composemigrate's parser. Test ids name the file and the direction(s).
"""

from __future__ import annotations

import functools
from itertools import permutations
from typing import Any

import pytest
from oracles import (
    CorpusEntry,
    compose_config,
    corpus_manifest,
    gpu_requests,
    non_gpu_model,
    require_compose,
    schema_errors,
)
from properties import (
    comment_only_lines,
    comments,
    declared_version,
    gpu_lines,
    layout_changes,
    split_lines,
    stray_changes,
)

from composemigrate import MigrationError, Result, migrate

DIRECTIONS = ("devices", "runtime", "gpus", "cdi")
SPEC = "compose-spec.json"
V24 = "config_schema_v2.4.json"


def _composes(entry: CorpusEntry) -> bool:
    """Whether ruamel.yaml can compose the node graph, all a splice needs: a manifest row that
    only says the safe *constructor* refuses Compose's own tags (``!override``) still composes."""
    return entry.yaml == "ok" or "could not determine a constructor" in entry.yaml


ENTRIES = corpus_manifest()
PARSED = [entry for entry in ENTRIES if _composes(entry)]
REFUSED = [entry for entry in ENTRIES if not _composes(entry)]
ACCEPTED = [entry for entry in PARSED if entry.compose_v2 == "ok"]
"""Files Compose accepts as they are (no missing ``extends`` base): it can judge their outputs."""

ROUND_TRIPS = list(permutations(DIRECTIONS, 2))
"""(there, back): every pair of distinct forms; a form and itself is idempotence."""


def cases(entries: list[CorpusEntry]) -> list[Any]:
    return [
        pytest.param(entry, to, id=f"{entry.file.name}-{to}")
        for entry in entries
        for to in DIRECTIONS
    ]


def round_trip_cases(entries: list[CorpusEntry]) -> list[Any]:
    return [
        pytest.param(entry, there, back, id=f"{entry.file.name}-{there}-then-{back}")
        for entry in entries
        for there, back in ROUND_TRIPS
    ]


# --- cached runs of the tool and of Compose ------------------------------------------------------


@functools.cache
def migrated(text: str, to: str) -> Result:
    """``migrate`` once per text and direction: round trips and idempotence reuse outputs."""
    return migrate(text, to)


def there_and_back(text: str, there: str, back: str) -> str:
    return migrated(migrated(text, there).text, back).text


def compose_model(entry: CorpusEntry, text: str) -> dict[str, Any]:
    """Compose's model of ``text``, one of ``entry``'s inputs or outputs; fails the test if
    Compose refuses it.

    One call at a time, cached by the oracle: CI runs ``pytest -n auto``, where a per-file
    thread pool computing every output up front would run again in each worker.
    """
    outcome = compose_config(text, name=entry.file.name)
    assert outcome.ok, f"Compose refuses the text: {outcome.error}"
    assert outcome.model is not None
    return outcome.model


@pytest.fixture
def compose() -> None:
    require_compose()


# --- checks shared by direct migrations and round trips ------------------------------------------


def schema_regressions(before: str, after: str, to: str) -> list[str]:
    """Schema errors of ``after`` under each schema that ``before`` satisfied: compose-spec
    always, v2.4 as well for a ``runtime`` output of a ``version: "2.x"`` file."""
    legacy = (declared_version(before) or "").startswith("2")
    schemas = [SPEC, V24] if to == "runtime" and legacy else [SPEC]
    return [
        f"{schema}: {error}"
        for schema in schemas
        if not cached_schema_errors(before, schema)
        for error in cached_schema_errors(after, schema)
    ]


@functools.cache
def cached_schema_errors(text: str, schema: str) -> tuple[str, ...]:
    """``schema_errors`` once per text: an input is compared with nine outputs."""
    return tuple(schema_errors(text, schema))


def without_extensions(model: dict[str, Any]) -> dict[str, Any]:
    """``model`` without its top-level ``x-`` fields, which Compose passes through unread.

    A GPU setting in an anchored ``x-`` mapping is rewritten there once; what services merge
    from it is in their own models, and ``layout_changes`` checks the rest of its text.
    """
    return {key: value for key, value in model.items() if not key.startswith("x-")}


def assert_same_compose_model(entry: CorpusEntry, before: str, after: str) -> None:
    """Compose reads the same GPUs, per service, and the same everything else from both."""
    old, new = compose_model(entry, before), compose_model(entry, after)
    assert gpu_requests(new) == gpu_requests(old)
    assert without_extensions(non_gpu_model(new)) == without_extensions(non_gpu_model(old))


# --- files ruamel.yaml cannot read ---------------------------------------------------------------


@pytest.mark.parametrize(("entry", "to"), cases(REFUSED))
def test_unreadable_file_is_refused_with_its_line(entry: CorpusEntry, to: str) -> None:
    text = entry.read()
    with pytest.raises(MigrationError) as caught:
        migrate(text, to)
    assert 0 < caught.value.line <= len(split_lines(text))


# --- one migration -------------------------------------------------------------------------------


@pytest.mark.parametrize(("entry", "to"), cases(PARSED))
def test_migration_changes_only_gpu_lines(entry: CorpusEntry, to: str) -> None:
    text = entry.read()
    result = migrated(text, to)
    assert result.changed == (result.text != text)
    assert layout_changes(text, result.text) == []


@pytest.mark.parametrize(("entry", "to"), cases(PARSED))
def test_warnings_name_a_line_of_the_file(entry: CorpusEntry, to: str) -> None:
    text = entry.read()
    count = len(split_lines(text))
    assert [w for w in migrated(text, to).warnings if not 0 < w.line <= count] == []


@pytest.mark.parametrize(("entry", "to"), cases(PARSED))
def test_migration_is_idempotent(entry: CorpusEntry, to: str) -> None:
    again = migrated(migrated(entry.read(), to).text, to)
    assert not again.changed
    assert again.text == migrated(entry.read(), to).text


@pytest.mark.parametrize(("entry", "to"), cases(PARSED))
def test_migration_keeps_schema_validity(entry: CorpusEntry, to: str) -> None:
    """Also: the output loads (``schema_errors`` raises ValueError when it does not)."""
    text = entry.read()
    assert schema_regressions(text, migrated(text, to).text, to) == []


@pytest.mark.slow
@pytest.mark.usefixtures("compose")
@pytest.mark.parametrize(("entry", "to"), cases(ACCEPTED))
def test_migration_asks_compose_for_the_same_gpus(entry: CorpusEntry, to: str) -> None:
    text = entry.read()
    assert_same_compose_model(entry, text, migrated(text, to).text)


# --- there and back ------------------------------------------------------------------------------


@pytest.mark.parametrize(("entry", "there", "back"), round_trip_cases(PARSED))
def test_round_trip_changes_only_gpu_lines(entry: CorpusEntry, there: str, back: str) -> None:
    text = entry.read()
    assert layout_changes(text, there_and_back(text, there, back)) == []


@pytest.mark.parametrize(("entry", "there", "back"), round_trip_cases(PARSED))
def test_round_trip_reaches_a_fixed_point(entry: CorpusEntry, there: str, back: str) -> None:
    """After two cycles there and back, a third gives the same two texts, byte for byte.

    The first cycles may still change what one form cannot carry: a ``count`` (``runtime`` only
    knows device ids), a comment on a line the other form lacks, an input's own spelling, an
    ``NVIDIA_*`` entry beside a request (set in place once, then written where the form puts it).
    """
    texts = [entry.read()]
    for to in (there, back) * 4:
        texts.append(migrated(texts[-1], to).text)
    assert texts[7:] == texts[5:7]


@pytest.mark.parametrize(("entry", "there", "back"), round_trip_cases(PARSED))
def test_round_trip_keeps_schema_validity(entry: CorpusEntry, there: str, back: str) -> None:
    text = entry.read()
    assert schema_regressions(text, there_and_back(text, there, back), back) == []


@pytest.mark.slow
@pytest.mark.usefixtures("compose")
@pytest.mark.parametrize(("entry", "there", "back"), round_trip_cases(ACCEPTED))
def test_round_trip_asks_compose_for_the_same_gpus(
    entry: CorpusEntry, there: str, back: str
) -> None:
    text = entry.read()
    assert_same_compose_model(entry, text, there_and_back(text, there, back))


# --- the checks themselves can say no ------------------------------------------------------------

LEGACY = """\
services:
  train:  # the job
    image: cuda-app
    runtime: nvidia   # legacy
    environment:
      - TZ=UTC
      # reserved for this job
      - NVIDIA_VISIBLE_DEVICES=0,1  # two cards

    deploy:
      replicas: 2
"""
DEVICES = """\
services:
  train:  # the job
    image: cuda-app
    environment:
      - TZ=UTC

    deploy:
      replicas: 2
      resources:  # legacy
        reservations:
          devices:
            - driver: nvidia
              # reserved for this job
              device_ids: ['0', '1']  # two cards
              capabilities: [gpu]
"""


def test_comments_are_found_only_outside_scalars() -> None:
    text = (
        "# head\r\n"
        "a: 'x # quoted'  # after quotes \r\n"
        "b: |\r\n"
        "  # block text\r\n"
        "c: plain # after plain\r\n"
        "d: a#b\r\n"
    )
    assert comments(text) == ["# head", "# after quotes", "# after plain"]
    assert comment_only_lines(text) == {0}


def test_gpu_lines_follow_merges_and_leave_other_entries_out() -> None:
    text = (
        "x-gpu: &gpu\n"
        "  runtime: nvidia\n"
        "x-unused: &unused\n"
        "  runtime: nvidia\n"
        "services:\n"
        "  a:\n"
        "    <<: *gpu\n"
        "    environment: {TZ: UTC}\n"
        "    deploy:\n"
        "      limits: {cpus: '2'}\n"
        "      resources:\n"
        "        reservations:\n"
        "          devices:\n"
        "            - driver: cdi\n"
        "              device_ids: ['vendor.com/x=0']\n"
        "            - capabilities: [gpu]\n"
        "              count: 1\n"
        "    devices:\n"
        "      - /dev/kfd\n"
        "      - nvidia.com/gpu=0\n"
    )
    assert sorted(gpu_lines(text)) == [1, 7, 8, 10, 11, 12, 15, 16, 17, 19]


def test_layout_changes_accept_a_gpu_block_that_moves() -> None:
    assert layout_changes(LEGACY, DEVICES) == []
    assert layout_changes(DEVICES, LEGACY) == []


def test_layout_changes_name_every_broken_promise() -> None:
    broken = DEVICES.replace("  # the job", "").replace("cuda-app", "cuda-app:2")
    broken = broken.replace("      - TZ=UTC\n\n", "      - TZ=UTC\n")
    assert layout_changes(LEGACY, broken) == [
        "comment lost: # the job",
        "blank lines: 1 before, 0 after",
        "non-GPU line changed: -2: '  train:  # the job\\n'",
        "non-GPU line changed: -3: '    image: cuda-app\\n'",
        "non-GPU line changed: +2: '  train:\\n'",
        "non-GPU line changed: +3: '    image: cuda-app:2\\n'",
    ]


def test_stray_changes_see_reordered_and_re_ended_lines() -> None:
    swapped = DEVICES.replace(
        "    image: cuda-app\n    environment:\n      - TZ=UTC\n",
        "    environment:\n      - TZ=UTC\n    image: cuda-app\n",
    )
    assert stray_changes(DEVICES, swapped) == ["+4: '      - TZ=UTC\\n'", "-5: '      - TZ=UTC\\n'"]
    crlf = DEVICES.replace("image: cuda-app\n", "image: cuda-app\r\n")
    assert stray_changes(DEVICES, crlf) == [
        "-3: '    image: cuda-app\\n'",
        "+3: '    image: cuda-app\\r\\n'",
    ]


def test_a_line_that_only_lost_or_gained_the_final_break_is_kept() -> None:
    legacy = "services:\n  a:\n    image: x\n    runtime: nvidia"
    assert stray_changes(legacy, "services:\n  a:\n    image: x") == []
    assert stray_changes("services:\n  a:\n    image: x", legacy) == []
    assert stray_changes(legacy + "\n", "services:\n  a:\n    image: x") == [
        "-3: '    image: x\\n'",
        "+3: '    image: x'",
    ]


def test_declared_version_reads_the_first_document() -> None:
    assert declared_version('version: "2.4"\nservices: {}\n---\nversion: "3"\n') == "2.4"
    assert declared_version("services: {}\n") is None
