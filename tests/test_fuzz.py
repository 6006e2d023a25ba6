"""Property-based fuzzing of every direction over generated Compose files (``strategies.py``).

Each property is a ``check_*`` function, so ``scripts/fuzz_long.py`` runs the very same checks
for its long run. The first rewrite of a valid file runs with the tool's verification on, since
a valid file must not be refused; every other with ``verify=False``, so that the tool's own
checks never hide what these are here to see.

Profiles: ``ci`` (selected when ``CI=true``) runs 2,000 examples per property and direction;
``dev`` (the default) 200. The Compose oracle costs ~50 ms a call, so it checks a sample.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracles import compose_config, gpu_requests, non_gpu_model
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from strategies import (
    DIRECTIONS,
    Doc,
    Refused,
    broken_documents,
    documents,
    refused_documents,
)

from composemigrate import MigrationError, migrate
from composemigrate.forms import FORMS
from composemigrate.rewrite import documents as parsed_documents
from composemigrate.rewrite import gpu_state
from composemigrate.service import ServiceView
from composemigrate.yamldoc import Lines

SUPPRESSED = [HealthCheck.too_slow, HealthCheck.large_base_example, HealthCheck.data_too_large]
settings.register_profile(
    "ci",
    max_examples=2000,
    deadline=None,
    suppress_health_check=SUPPRESSED,
    print_blob=True,
    derandomize=True,  # CI replays the same examples: a red run is a bug, never luck
)
settings.register_profile("dev", max_examples=200, deadline=None, suppress_health_check=SUPPRESSED)
FUZZ = settings.get_profile("ci" if os.environ.get("CI") == "true" else "dev")
ORACLE = settings(FUZZ, max_examples=max(FUZZ.max_examples // 50, 10))

GPU_ENV = ("NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES")
_COMMENT = re.compile(r"(?:^|[ \t])(#.*?)[ \t]*$")


# --- reading texts the way the checks need them -------------------------------------------------


def load(text: str) -> list[Any]:
    """Every document of ``text`` through ruamel's safe loader (libyaml first, as the tool does)."""
    body = text.removeprefix("\ufeff")
    error: YAMLError | None = None
    for pure in (False, True):
        try:
            return list(YAML(typ="safe", pure=pure).load_all(body))
        except YAMLError as exc:
            error = exc
    raise AssertionError(f"does not load as YAML: {error}")


def services(text: str) -> dict[tuple[int, str], ServiceView]:
    """Each service of each document, as the tool's readers see it."""
    body = text.removeprefix("\ufeff")
    return {
        (index, view.name): view
        for index, document in enumerate(parsed_documents(body, Lines(body)))
        for view in document.views
    }


def gpu_states(views: dict[tuple[int, str], ServiceView]) -> dict[tuple[int, str], object]:
    return {name: gpu_state(view) for name, view in views.items()}


def forms_present(view: ServiceView) -> set[str]:
    return {form.value for form, module in FORMS.items() if module.read(view) is not None}


def comments(text: str) -> Counter[str]:
    """Every comment's text (the generated values never hold ``#``)."""
    found = (_COMMENT.search(line) for line in text.replace("\r", "").split("\n"))
    return Counter(match.group(1) for match in found if match)


def _is_gpu_device(entry: object) -> bool:
    if not isinstance(entry, dict):
        return False
    caps = entry.get("capabilities")
    return entry.get("driver") == "nvidia" or (isinstance(caps, list) and "gpu" in caps)


def _is_gpu_env_item(item: object) -> bool:
    """An NVIDIA_* entry of a list environment, or a GPU named the CDI way in ``devices:``."""
    return isinstance(item, str) and (
        item.partition("=")[0] in GPU_ENV or item.startswith("nvidia.com/gpu=")
    )


def without_gpus(node: Any) -> Any:
    """Loaded YAML with every GPU setting taken out, and the containers that leaves empty."""
    if isinstance(node, list):
        kept = [without_gpus(item) for item in node if not _is_gpu_env_item(item)]
        return [item for item in kept if not _is_gpu_device(item) and item not in ({}, [])]
    if not isinstance(node, dict):
        return node
    out = {}
    for name, value in node.items():
        if name in ("gpus", *GPU_ENV) or (name == "runtime" and value == "nvidia"):
            continue
        value = without_gpus(value)
        if value not in ({}, []):
            out[name] = value
    return out


# --- the properties -------------------------------------------------------------------------------


def check_rewrite(text: str, direction: str) -> str:
    """One rewrite of a valid file: no error; output parses; same GPUs per service; nothing else
    in the data changed; every comment kept; BOM, CRLF and final newline kept; idempotent; and
    every service still asking for GPUs in another form is named in a warning. Returns the output.
    """
    try:
        result = migrate(text, direction)
    except MigrationError as exc:
        raise AssertionError(f"valid file refused: {exc.render('compose.yaml')}") from None
    out = result.text
    assert without_gpus(load(out)) == without_gpus(load(text)), "non-GPU data changed"
    after = services(out)
    assert gpu_states(after) == gpu_states(services(text)), "a service's GPU request changed"
    assert comments(out) == comments(text), "comments lost or duplicated"
    assert out.startswith("\ufeff") == text.startswith("\ufeff"), "BOM changed"
    assert out.endswith("\n") == text.endswith("\n"), "final newline changed"
    if "\r\n" in text and text.count("\r\n") == text.count("\n"):
        assert out.count("\r\n") == out.count("\n"), "LF line ends in a CRLF file"
    again = migrate(out, direction, verify=False)
    assert again.text == out and not again.changed, "second run changed the text"
    warned = "\n".join(finding.message for finding in result.warnings)
    for (_, name), view in after.items():
        others = forms_present(view) - {direction}
        assert not others or f"service {name!r}" in warned, f"{name} left in {others} silently"
    return out


def check_round_trip(text: str, there: str, first: str, second: str) -> None:
    """``text`` migrated to ``first`` (``there``), then to ``second``, then back to ``first``
    asks for the same GPUs as ``text`` at every step."""
    before = gpu_states(services(text))
    back = migrate(there, second, verify=False).text
    assert gpu_states(services(back)) == before, f"then to {second} changed the GPUs"
    again = migrate(back, first, verify=False).text
    assert gpu_states(services(again)) == before, f"and back to {first} changed the GPUs"


def check_no_crash(doc: Doc, direction: str) -> None:
    """A broken text: at most a MigrationError, with a one-line message and a line in the file."""
    try:
        migrate(doc.text, direction)
    except MigrationError as exc:
        assert "\n" not in exc.message
        assert 0 <= exc.line <= doc.text.count("\n") + 1


def check_refused(refused: Refused, direction: str) -> None:
    """A documented refusal: the text comes back unchanged, with a warning where it applies."""
    result = migrate(refused.text, direction, verify=False)
    assert result.text == refused.text and not result.changed
    warned = any("service 'train'" in finding.message for finding in result.warnings)
    assert warned == (direction in refused.warn_for), result.warnings


def check_compose_agrees(text: str, direction: str) -> None:
    """Docker Compose v2.40.3 reads the same GPUs and the same everything else after a rewrite."""
    before = compose_config(text)
    assert before.ok, f"the strategy drew a file Compose rejects: {before.error}"
    after = compose_config(migrate(text, direction, verify=False).text)
    assert after.ok, f"Compose rejects the rewrite: {after.error}"
    assert before.model is not None and after.model is not None
    assert gpu_requests(after.model) == gpu_requests(before.model)
    assert without_extensions(non_gpu_model(after.model)) == without_extensions(
        non_gpu_model(before.model)
    )


def without_extensions(model: dict[str, Any]) -> dict[str, Any]:
    """A model without its top-level ``x-`` keys: an anchored block that services merge changes
    form with them, and what it means is compared in the services themselves."""
    return {key: value for key, value in model.items() if not key.startswith("x-")}


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", DIRECTIONS)
@FUZZ
@given(doc=documents(), data=st.data())
def test_rewrite_changes_only_the_form(doc: Doc, direction: str, data: st.DataObject) -> None:
    there = check_rewrite(doc.text, direction)
    second = data.draw(st.sampled_from([d for d in DIRECTIONS if d != direction]), "then to")
    check_round_trip(doc.text, there, direction, second)


@pytest.mark.filterwarnings("ignore::ruamel.yaml.error.ReusedAnchorWarning")  # a doubled line
@pytest.mark.parametrize("direction", DIRECTIONS)
@FUZZ
@given(doc=broken_documents())
def test_broken_files_get_an_error_not_a_crash(doc: Doc, direction: str) -> None:
    check_no_crash(doc, direction)


@pytest.mark.parametrize("direction", DIRECTIONS)
@FUZZ
@given(data=st.data())
def test_refused_shapes_are_left_alone(data: st.DataObject, direction: str) -> None:
    check_refused(data.draw(refused_documents(direction)), direction)


@pytest.mark.slow
@pytest.mark.parametrize("direction", DIRECTIONS)
@ORACLE
@given(doc=documents())
def test_compose_reads_the_same(doc: Doc, direction: str) -> None:
    check_compose_agrees(doc.text, direction)


REGRESSIONS = Path(__file__).resolve().parent / "fixtures" / "fuzz"


@pytest.mark.parametrize(
    "path", sorted(REGRESSIONS.glob("*.yaml")), ids=lambda path: path.name.removesuffix(".yaml")
)
def test_what_the_long_run_found(path: Path) -> None:
    """Examples the long fuzz run found (services sharing an anchor whose merged edits carried
    a comment twice), named ``N-to-FIRST-then-SECOND.yaml``: each property holds on them now."""
    first, second = path.name.removesuffix(".yaml").split("-to-")[1].split("-then-")
    text = path.read_bytes().decode("utf-8")
    check_round_trip(text, check_rewrite(text, first), first, second)


def test_a_cdi_name_folded_over_lines_is_no_gpu_and_errors_stay_one_line() -> None:
    """Found by the CI fuzz run: a bad indent folds two list items into one plain scalar that
    holds a line break; it names no CDI device, and no message may break its line."""
    text = (
        "services:\n  web:\n    image: nvidia/cuda\n    runtime: nvidia\n"
        "    environment:\n      - NVIDIA_VISIBLE_DEVICES=0,1\n"
        "    devices:\n     - nvidia.com/gpu=0\n\n      - nvidia.com/gpu=1\n"
    )
    for direction in DIRECTIONS:
        check_no_crash(Doc(text, "bad indentation"), direction)
    assert "nvidia.com/gpu=1\n" in migrate(text, "cdi").text
