"""The oracles must agree with the real Compose and be able to say no."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import oracles
import pytest
from oracles import (
    PATH_VALUE,
    ComposeOutcome,
    CorpusEntry,
    compose_config,
    corpus_manifest,
    gpu_requests,
    interpolation_values,
    non_gpu_model,
    require_compose,
    require_shared,
    schema_errors,
    variable_value,
)

SPEC = "compose-spec.json"
V24 = "config_schema_v2.4.json"
V1 = "compose-spec-docker-compose-1.29.2.json"


def service(body: str, name: str = "trainer") -> str:
    """A one-service Compose file; ``body`` is the service's keys, indented by four."""
    return f"services:\n  {name}:\n    image: nvidia/cuda:12.4.1-base-ubuntu22.04\n{body}"


def reservation(entry: str) -> str:
    """A service reserving one device; ``entry`` holds the list item's keys, one per line."""
    lines = entry.strip().splitlines()
    item = "\n".join(
        ["            - " + lines[0], *("              " + line for line in lines[1:])]
    )
    return service(
        f"    deploy:\n      resources:\n        reservations:\n          devices:\n{item}\n"
    )


LEGACY = service(
    "    runtime: nvidia\n"
    "    environment:\n"
    "      - NVIDIA_VISIBLE_DEVICES=0,3\n"
    "      - NVIDIA_DRIVER_CAPABILITIES=compute,utility\n"
    "      - OTHER=1\n"
)
DEVICES = service(
    "    environment:\n"
    "      OTHER: '1'\n"
    "    deploy:\n"
    "      resources:\n"
    "        reservations:\n"
    "          devices:\n"
    "            - driver: nvidia\n"
    "              device_ids: ['0', '3']\n"
    "              capabilities: [gpu, compute, utility]\n"
)
GPUS = service(
    "    environment: [OTHER=1]\n"
    "    gpus:\n"
    "      - device_ids: ['0', '3']\n"
    "        capabilities: [compute, utility]\n"
)
EFFECT_0_3 = ("0,3", ("compute", "gpu", "utility"), "nvidia", ())
ALL_GPUS = ("all", ("gpu",), "nvidia", ())


def model_of(text: str) -> dict[str, Any]:
    outcome = compose_config(text)
    assert outcome.ok, outcome.error
    assert outcome.model is not None
    return outcome.model


# --- locating things -----------------------------------------------------------------------------


def test_require_shared_finds_the_corpus() -> None:
    assert require_shared() == oracles.SHARED / "corpus"
    assert (require_shared("schema") / SPEC).is_file()


def test_require_shared_skips_locally_and_fails_under_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oracles, "SHARED", tmp_path)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"\.\./shared/corpus not found beside"):
        require_shared()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"\.\./shared/schema not found beside"):
        require_shared("schema")


def test_require_compose_skips_locally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oracles, "_find_compose", lambda: "no binary in this test")
    assert oracles.compose_binary() is None
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no binary in this test"):
        require_compose()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no binary in this test"):
        require_compose()


def test_corpus_manifest_reads_every_row() -> None:
    entries = corpus_manifest()
    assert len(entries) == 144
    assert all(entry.file.is_file() for entry in entries)
    assert {
        entry.compose_v2 == "ok" or entry.compose_v2.startswith("rejects: ") for entry in entries
    } == {True}
    first = entries[0]
    assert first == CorpusEntry(
        file=require_shared() / "compose" / "TransformerOptimus__SuperAGI__docker-compose-gpu.yml",
        repo="TransformerOptimus/SuperAGI",
        path="docker-compose-gpu.yml",
        commit="c3c1982e7bd6a11cfed53c5a193ea502f924b1b6",
        tags=("devices", "v3.8", "gpu-services=2"),
        yaml="ok",
        compose_v2="ok",
        note="count: all; caps [gpu]; driver nvidia; 2 GPU services; ${VAR} elsewhere",
    )


def test_corpus_entry_read_keeps_crlf() -> None:
    crlf = next(entry for entry in corpus_manifest() if "crlf" in entry.tags)
    assert "\r\n" in crlf.read()
    assert crlf.read().encode("utf-8") == crlf.file.read_bytes()


# --- interpolation values ------------------------------------------------------------------------


def test_interpolation_values_cover_every_syntax_and_ignore_defaults() -> None:
    text = "a: $BARE ${BRACED} ${DEF:-all} ${REQ:?set it} $${ESCAPED} ${HOST}/data:/data ${T}:/x\n"
    assert interpolation_values(text) == {
        "BARE": variable_value("BARE"),
        "BRACED": variable_value("BRACED"),
        "DEF": variable_value("DEF"),
        "REQ": variable_value("REQ"),
        "HOST": PATH_VALUE,
        "T": PATH_VALUE,
    }


def test_variable_values_are_two_digit_numbers_distinct_per_name() -> None:
    assert variable_value("LLM_MS_GPU_ID") != variable_value("LLM_MS_GPU_ID2")
    assert re.fullmatch(r"[1-9][0-9]", variable_value("ANY"))


# --- gpu_requests on hand-written models (no binary needed) ---------------------------------------


@pytest.mark.parametrize(
    ("svc", "expected"),
    [
        pytest.param({"runtime": "nvidia"}, (ALL_GPUS,), id="bare-runtime-is-all"),
        pytest.param(
            {"runtime": "nvidia", "environment": {"NVIDIA_VISIBLE_DEVICES": None}},
            (ALL_GPUS,),
            id="bare-env-key-is-unset",
        ),
        pytest.param(
            {"runtime": "runc", "environment": {"NVIDIA_VISIBLE_DEVICES": "0"}}, (), id="no-runtime"
        ),
        pytest.param(
            {"runtime": "nvidia", "environment": {"NVIDIA_VISIBLE_DEVICES": "void"}},
            (
                (
                    "unsupported",
                    "NVIDIA_VISIBLE_DEVICES=void asks for no GPU; no device request means that",
                ),
            ),
            id="void-is-unsupported",
        ),
        pytest.param({"gpus": [{"count": -1}]}, (ALL_GPUS,), id="gpus-all"),
        pytest.param(
            {"gpus": [{"count": -1}], "runtime": "nvidia"}, (ALL_GPUS,), id="two-forms-one-effect"
        ),
        pytest.param(
            {"gpus": [{"driver": "nvidia"}]},
            (("void", ("gpu",), "nvidia", ()),),
            id="count-0-is-void",
        ),
        pytest.param(
            {
                "deploy": {
                    "resources": {
                        "reservations": {"devices": [{"capabilities": ["gpu"], "count": 2}]}
                    }
                }
            },
            (("0,1", ("gpu",), "nvidia", ()),),
            id="no-driver-gpu-capability",
        ),
        pytest.param(
            {
                "deploy": {
                    "resources": {
                        "reservations": {"devices": [{"driver": "rocm", "capabilities": ["gpu"]}]}
                    }
                }
            },
            (),
            id="rocm-is-not-nvidia",
        ),
        pytest.param(
            {
                "deploy": {
                    "resources": {
                        "reservations": {"devices": [{"capabilities": ["tpu"], "count": -1}]}
                    }
                }
            },
            (),
            id="no-driver-no-gpu-capability",
        ),
    ],
)
def test_gpu_requests_reads_each_form(svc: dict[str, Any], expected: tuple[object, ...]) -> None:
    assert gpu_requests({"services": {"s": {"image": "x", **svc}}}) == {"s": expected}


def test_non_gpu_model_keeps_other_devices_and_deploy_settings() -> None:
    other = {"driver": "cdi", "device_ids": ["amd.com/gpu=0"], "capabilities": ["gpu"]}
    cdi = {"driver": "cdi", "device_ids": ["nvidia.com/gpu=all"], "capabilities": ["gpu"]}
    sound = {"source": "/dev/snd", "target": "/dev/snd", "permissions": "rwm"}
    gpu = {"source": "nvidia.com/gpu=0", "target": "nvidia.com/gpu=0", "permissions": "rwm"}
    model = {
        "services": {
            "s": {
                "runtime": "nvidia",
                "devices": [gpu, sound],
                "environment": {"NVIDIA_VISIBLE_DEVICES": "0", "NVIDIA_REQUIRE_CUDA": "cuda>=12"},
                "gpus": [{"count": -1}],
                "deploy": {
                    "resources": {
                        "limits": {"cpus": 2},
                        "reservations": {"devices": [{"driver": "nvidia", "count": 1}, other, cdi]},
                    },
                    "placement": {},
                },
            }
        }
    }
    assert non_gpu_model(model) == {
        "services": {
            "s": {
                "environment": {"NVIDIA_REQUIRE_CUDA": "cuda>=12"},
                "devices": [sound],
                "deploy": {
                    "resources": {"limits": {"cpus": 2}, "reservations": {"devices": [other]}}
                },
            }
        }
    }
    assert model["services"]["s"]["runtime"] == "nvidia", "the input must not change"


# --- the real Compose --------------------------------------------------------------------------


@pytest.fixture
def compose() -> Path:
    return require_compose()


@pytest.mark.usefixtures("compose")
def test_the_three_forms_of_the_same_request_agree() -> None:
    models = [model_of(text) for text in (LEGACY, DEVICES, GPUS)]
    assert [gpu_requests(model) for model in models] == [{"trainer": (EFFECT_0_3,)}] * 3
    stripped = [non_gpu_model(model) for model in models]
    assert stripped[0] == stripped[1] == stripped[2]
    assert stripped[0]["services"]["trainer"] == {
        "command": None,
        "entrypoint": None,
        "environment": {"OTHER": "1"},
        "image": "nvidia/cuda:12.4.1-base-ubuntu22.04",
        "networks": {"default": None},
    }


@pytest.mark.usefixtures("compose")
def test_non_gpu_model_sees_other_changes() -> None:
    changed = LEGACY.replace("OTHER=1", "OTHER=2")
    assert gpu_requests(model_of(changed)) == gpu_requests(model_of(LEGACY))
    assert non_gpu_model(model_of(changed)) != non_gpu_model(model_of(LEGACY))


@pytest.mark.usefixtures("compose")
def test_count_2_is_device_ids_0_1() -> None:
    count = model_of(reservation("driver: nvidia\ncount: 2\ncapabilities: [gpu]"))
    ids = model_of(reservation("driver: nvidia\ndevice_ids: ['0', '1']\ncapabilities: [gpu]"))
    assert (
        gpu_requests(count) == gpu_requests(ids) == {"trainer": (("0,1", ("gpu",), "nvidia", ()),)}
    )
    assert non_gpu_model(count) == non_gpu_model(ids)


@pytest.mark.usefixtures("compose")
def test_count_1_is_not_device_ids_1() -> None:
    count = model_of(reservation("driver: nvidia\ncount: 1\ncapabilities: [gpu]"))
    ids = model_of(reservation("driver: nvidia\ndevice_ids: ['1']\ncapabilities: [gpu]"))
    assert gpu_requests(count) != gpu_requests(ids)


@pytest.mark.usefixtures("compose")
def test_legacy_runtime_is_gpus_all_and_reservation_without_count() -> None:
    legacy = model_of(service("    runtime: nvidia\n"))
    gpus_all = model_of(service("    gpus: all\n"))
    no_count = model_of(reservation("capabilities: [gpu]"))
    assert gpu_requests(legacy) == gpu_requests(gpus_all) == gpu_requests(no_count)
    assert gpu_requests(legacy) == {"trainer": (ALL_GPUS,)}


@pytest.mark.usefixtures("compose")
def test_count_0_is_no_gpu() -> None:
    zero = model_of(reservation("driver: nvidia\ncount: 0\ncapabilities: [gpu]"))
    assert gpu_requests(zero) == {"trainer": (("void", ("gpu",), "nvidia", ()),)}


@pytest.mark.usefixtures("compose")
def test_count_with_device_ids_is_refused() -> None:
    outcome = compose_config(
        reservation("driver: nvidia\ncount: 1\ndevice_ids: ['1']\ncapabilities: [gpu]")
    )
    assert outcome == ComposeOutcome(
        ok=False,
        model=None,
        error='services.trainer.deploy.resources.reservations.devices.[]: "count" and "device_ids" '
        "attributes are exclusive",
    )


@pytest.mark.usefixtures("compose")
def test_integer_device_ids_are_refused_with_the_file_name() -> None:
    outcome = compose_config(reservation("capabilities: [gpu]\ndevice_ids: [0, 3]"), name="gpu.yml")
    assert outcome.error == (
        "validating gpu.yml: services.trainer.deploy.resources.reservations.devices.0.device_ids.0 "
        "must be a string"
    )


@pytest.mark.usefixtures("compose")
def test_env_files_in_every_form_are_provided() -> None:
    text = (
        service(
            "    env_file:\n"
            "      - .env\n"
            "      - path: ../../shared.env\n"
            "        required: true\n"
            "      - config/app.env\n",
        )
        + "  other:\n    image: busybox\n    env_file: [../up.env]\n"
        + "  third:\n    image: busybox\n    env_file: third.env\n"
    )
    assert compose_config(text).ok


@pytest.mark.usefixtures("compose")
def test_variables_are_set_even_required_ones() -> None:
    text = service(
        "    container_name: ${NAME:?name it}\n"
        "    ports: ['${PORT}:80']\n"
        "    volumes: ['${DATA}/models:/models']\n"
        "    gpus:\n      - count: ${GPUS:-all}\n"
    )
    model = model_of(text)
    svc = model["services"]["trainer"]
    assert svc["container_name"] == variable_value("NAME")
    assert svc["volumes"][0]["source"] == f"{PATH_VALUE}/models"
    count = int(variable_value("GPUS"))
    assert gpu_requests(model) == {
        "trainer": ((",".join(map(str, range(count))), ("gpu",), "nvidia", ()),)
    }


@pytest.mark.usefixtures("compose")
def test_missing_extends_base_is_refused() -> None:
    outcome = compose_config(service("    extends:\n      file: base.yaml\n      service: gpu\n"))
    assert not outcome.ok
    assert "base.yaml: no such file or directory" in outcome.error


@pytest.mark.usefixtures("compose")
def test_services_behind_profiles_are_in_the_model() -> None:
    assert gpu_requests(model_of(service("    profiles: [gpu]\n    gpus: all\n"))) == {
        "trainer": (ALL_GPUS,)
    }


@pytest.mark.usefixtures("compose")
def test_each_call_gets_its_own_model() -> None:
    first = model_of(LEGACY)
    first["services"].clear()
    assert model_of(LEGACY)["services"]


# --- JSON schemas -------------------------------------------------------------------------------


def test_schema_accepts_a_valid_file() -> None:
    assert schema_errors(DEVICES, SPEC) == []
    assert schema_errors(DEVICES, V1) == []
    assert schema_errors('version: "2.4"\n' + LEGACY, V24) == []


def test_schema_errors_for_gpus_count() -> None:
    text = service("    gpus: 2\n")
    assert schema_errors(text, SPEC) == [
        "services.trainer.gpus: 2 is not valid under any of the given schemas"
    ]
    assert schema_errors(text, V1) == [
        "services.trainer: 'gpus' does not match any of the regexes: '^x-'"
    ]
    assert schema_errors(service("    gpus: all\n"), SPEC) == []


def test_schema_errors_for_integer_device_ids() -> None:
    text = reservation("capabilities: [gpu]\ndevice_ids: [0, 3]")
    where = "services.trainer.deploy.resources.reservations.devices.0.device_ids"
    expected = [f"{where}.0: 0 is not of type 'string'", f"{where}.1: 3 is not of type 'string'"]
    assert schema_errors(text, SPEC) == expected
    assert schema_errors(text, V1) == expected
    assert schema_errors(text, V24) == [
        "services.trainer: 'deploy' does not match any of the regexes: '^x-'"
    ]


def test_schema_errors_read_compose_tags_and_every_document() -> None:
    text = (
        service("    ports: !reset []\n    devices: !override ['/dev/kfd']\n")
        + "---\nservices: []\n"
    )
    assert schema_errors(text, SPEC) == ["doc 2 services: [] is not of type 'object'"]


def test_schema_errors_refuse_broken_yaml() -> None:
    with pytest.raises(ValueError, match="YAML does not load"):
        schema_errors("services:\n  a: [\n", SPEC)


# --- the corpus, as the manifest says ------------------------------------------------------------


def _same_reason(reason: str, error: str) -> bool:
    """Compose names one of the failing services, in map order: compare up to that name."""

    def anonymous(message: str) -> str:
        return re.sub(r"services\.[^.]+\.", "services.*.", message)

    return anonymous(reason) in anonymous(error)


@pytest.mark.slow
@pytest.mark.usefixtures("compose")
def test_compose_agrees_with_the_manifest() -> None:
    entries = corpus_manifest()

    def check(entry: CorpusEntry) -> tuple[str, str, ComposeOutcome]:
        return entry.file.name, entry.compose_v2, compose_config(entry.read(), name=entry.file.name)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(check, entries))
    wrong = [
        f"{name}: manifest {verdict!r}, Compose {outcome.error or 'ok'!r}"
        for name, verdict, outcome in results
        if (verdict == "ok") != outcome.ok
        or (verdict != "ok" and not _same_reason(verdict.removeprefix("rejects: "), outcome.error))
    ]
    assert wrong == []
    assert sum(outcome.ok for _, _, outcome in results) == 131
