"""The library API: ``from composemigrate import migrate``, as README documents it."""

from __future__ import annotations

from importlib.resources import files

import pytest
from click.testing import CliRunner

import composemigrate
from composemigrate import Finding, Form, MigrationError, Result, migrate
from composemigrate.cli import cli

LEGACY = (
    "services:\n"
    "  app:\n"
    "    image: nvidia/cuda  # base\n"
    "    runtime: nvidia\n"
    "    environment:\n"
    "      NVIDIA_VISIBLE_DEVICES: 0,3\n"
    "      NVIDIA_DRIVER_CAPABILITIES: compute,utility\n"
    "      TZ: UTC\n"
)
DEVICES = (
    "services:\n"
    "  app:\n"
    "    image: nvidia/cuda  # base\n"
    "    deploy:\n"
    "      resources:\n"
    "        reservations:\n"
    "          devices:\n"
    "            - driver: nvidia\n"
    "              device_ids: ['0', '3']\n"
    "              capabilities: [gpu, compute, utility]\n"
    "    environment:\n"
    "      TZ: UTC\n"
)
GPUS = (
    "services:\n"
    "  app:\n"
    "    image: nvidia/cuda  # base\n"
    "    gpus:\n"
    "      - driver: nvidia\n"
    "        device_ids: ['0', '3']\n"
    "        capabilities: [gpu, compute, utility]\n"
    "    environment:\n"
    "      TZ: UTC\n"
)


def test_public_names() -> None:
    assert set(composemigrate.__all__) >= {"migrate", "Result", "Form", "MigrationError"}
    assert composemigrate.__version__


def test_package_is_typed() -> None:
    assert files("composemigrate").joinpath("py.typed").is_file()


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        pytest.param("devices", DEVICES, id="devices"),
        pytest.param(Form.DEVICES, DEVICES, id="Form.DEVICES"),
        pytest.param("gpus", GPUS, id="gpus"),
    ],
)
def test_migrate_returns_the_new_text(to: Form | str, expected: str) -> None:
    result = migrate(LEGACY, to=to)
    assert result == Result(expected, changed=True, warnings=(), services=("app",))


def test_migrate_is_idempotent() -> None:
    once = migrate(LEGACY, to="devices")
    assert migrate(once.text, to="devices") == Result(DEVICES, changed=False)


def test_nothing_to_do_returns_the_input_unchanged() -> None:
    text = "services:\n  web:\n    image: nginx  # no GPU\n"
    assert migrate(text, to="gpus") == Result(text, changed=False)


def test_warnings_carry_line_and_column_and_other_services_still_migrate() -> None:
    text = (
        "services:\n"
        "  a:\n"
        "    image: nvidia/cuda\n"
        "    runtime: ${RUNTIME}\n"
        "  b:\n"
        "    runtime: nvidia\n"
    )
    result = migrate(text, to="gpus")
    message = "service 'a': runtime is set from ${RUNTIME}; left unchanged"
    assert result == Result(
        "services:\n  a:\n    image: nvidia/cuda\n    runtime: ${RUNTIME}\n  b:\n    gpus: all\n",
        changed=True,
        warnings=(Finding(4, 5, message, "CM504"),),
        services=("b",),
    )
    rendered = f"compose.yaml:4:5: warning: CM504 {message}"
    assert result.warnings[0].render("compose.yaml") == rendered


def test_a_variable_runtime_warns_whatever_the_case_of_the_other_nvidia_words() -> None:
    """The warning must not depend on a lower-case "nvidia" elsewhere in the file."""
    text = (
        "services:\n"
        "  app:\n"
        "    runtime: ${RUNTIME}\n"
        "    environment:\n"
        "      - NVIDIA_VISIBLE_DEVICES=0\n"
    )
    result = migrate(text, to="devices")
    assert (result.text, result.changed) == (text, False)
    assert [(w.line, w.col) for w in result.warnings] == [(3, 5)]
    assert "runtime is set from ${RUNTIME}" in result.warnings[0].message
    assert result.warnings[0].code == "CM504"


def test_version_key_kept_with_a_warning_or_dropped_on_request() -> None:
    text = 'version: "2.4"\nservices:\n  app:\n    runtime: nvidia\n'
    kept = migrate(text, to="gpus")
    assert kept.text == 'version: "2.4"\nservices:\n  app:\n    gpus: all\n'
    assert [(w.line, w.col) for w in kept.warnings] == [(1, 1)]
    assert kept.warnings[0].message.startswith("version '2.4': gpus: needs a recent Compose v2")
    dropped = migrate(text, to="gpus", drop_version=True)
    assert dropped == Result("services:\n  app:\n    gpus: all\n", True, (), ("app",))


@pytest.mark.parametrize(
    ("text", "line", "col", "message"),
    [
        pytest.param(
            "services:\n  app:\n    runtime: nvidia\n  - oops\n",
            4,
            3,
            "invalid YAML: expected <block end>, but found '-'",
            id="invalid-yaml",
        ),
        pytest.param(
            "- runtime: nvidia\n", 1, 1, "the top level is not a mapping", id="not-a-mapping"
        ),
        pytest.param(
            "services: [nvidia]\n", 1, 11, "services is not a mapping", id="services-list"
        ),
    ],
)
def test_invalid_input_raises_with_a_position(text: str, line: int, col: int, message: str) -> None:
    with pytest.raises(MigrationError) as caught:
        migrate(text, to="devices")
    assert (caught.value.line, caught.value.col, caught.value.message) == (line, col, message)
    assert caught.value.render("x.yaml") == f"x.yaml:{line}:{col}: error: {message}"


def test_unknown_direction_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="sideways"):
        migrate(LEGACY, to="sideways")


@pytest.mark.parametrize("to", list(Form))
def test_the_cli_prints_what_the_library_returns(to: Form) -> None:
    """The CLI is a thin layer: its stdin mode writes exactly ``migrate(text, to).text``."""
    for text in (LEGACY, DEVICES, GPUS):
        done = CliRunner().invoke(cli, [f"--to-{to.value}", "-"], input=text.encode())
        assert (done.exit_code, done.stdout) == (0, migrate(text, to=to).text)


def test_a_value_with_a_line_break_is_written_escaped() -> None:
    """A multi-line plain scalar moved into flow text keeps its line breaks (found by fuzzing)."""
    text = (
        "services:\n  a:\n    gpus:\n      - capabilities:\n         - compute\n\n"
        "          - video\n        driver: nvidia\n"
    )
    result = migrate(text, to="devices")
    assert '              capabilities: ["compute\\n- video"]\n' in result.text
