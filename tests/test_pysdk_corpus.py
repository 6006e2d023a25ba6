"""docker SDK migration over files: the golden pairs in fixtures/py and the shared Python corpus.

Every migrated text is checked four ways: exact bytes (golden pairs), idempotence, the same GPUs
per docker SDK call (read with ``ast``, independently of the rewriter), and nothing but GPU
arguments and ``DeviceRequest`` imports changed, comments included.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest
from oracles import require_shared

from composemigrate.gpu import (
    CAPABILITIES,
    VISIBLE,
    Form,
    GpuRequest,
    Unsupported,
    from_environment,
)
from composemigrate.pysdk import migrate_python
from composemigrate.result import MigrationError

FIXTURES = Path(__file__).parent / "fixtures" / "py"
GPU_KEYS = (VISIBLE, CAPABILITIES)
DIRECTIONS = {"to-devices": Form.DEVICES, "to-runtime": Form.RUNTIME}
OTHER = {Form.DEVICES: Form.RUNTIME, Form.RUNTIME: Form.DEVICES}


# --- the oracle: what each docker SDK call asks for, read with ast ------------------------------


def _method(call: ast.Call) -> str:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return ""
    owner = func.value
    if isinstance(owner, ast.Attribute) and owner.attr == "containers":
        return f"containers.{func.attr}"
    return func.attr


def _handed_over(arg: ast.expr) -> bool:
    """``containers.run`` passed uncalled (``functools.partial``, ``asyncio.to_thread``): the
    keyword arguments of the call that takes it are its own."""
    return (
        isinstance(arg, ast.Attribute)
        and arg.attr in ("run", "create")
        and isinstance(arg.value, ast.Attribute)
        and arg.value.attr == "containers"
    )


def _keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}


def _text(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _entry(node: ast.expr) -> tuple[str | None, str | None]:
    """Key and value of a ``"KEY=value"`` list entry (an f-string has a known key at most)."""
    if isinstance(node, ast.JoinedStr) and node.values:
        node = node.values[0]
    key, equals, value = (_text(node) or "").partition("=")
    return (key, value) if equals else (None, None)


def _environment(node: ast.expr | None) -> dict[str, str] | None:
    """The NVIDIA_* entries of a literal environment; None when they are not known."""
    if node is None:
        return {}
    if isinstance(node, ast.Dict):
        pairs = [
            (_text(key), _text(value)) for key, value in zip(node.keys, node.values, strict=True)
        ]
    elif isinstance(node, ast.List):
        pairs = [_entry(element) for element in node.elts]
    else:
        return None
    if any(key is None for key, _ in pairs):
        return None
    gpu = {key: value for key, value in pairs if key in GPU_KEYS}
    values = [value for value in gpu.values() if value is not None]
    return (
        {key: value for key, value in gpu.items() if value is not None}
        if len(values) == len(gpu)
        else None
    )


def _request(node: ast.expr) -> object:
    """The engine's effect of a literal one-request ``device_requests`` list."""
    call = node.elts[0] if isinstance(node, ast.List) and len(node.elts) == 1 else None
    if not isinstance(call, ast.Call):
        return ast.dump(node)
    try:
        args = {name: ast.literal_eval(value) for name, value in _keywords(call).items()}
    except ValueError:
        return ast.dump(node)
    request = GpuRequest(
        count=args.get("count", 0 if "device_ids" not in args else None),
        device_ids=tuple(args["device_ids"]) if "device_ids" in args else None,
        capabilities=tuple(args.get("capabilities", [[]])[0]),
        driver=args.get("driver") or None,
        options=tuple(sorted(args.get("options", {}).items())),
    )
    return request.effect()


def _asks(gpu_call: ast.Call, env_call: ast.Call | None) -> object:
    gpu = _keywords(gpu_call)
    if "device_requests" in gpu:
        return _request(gpu["device_requests"])
    runtime = gpu.get("runtime")
    if runtime is None or not _is_nvidia(runtime):
        return ast.dump(runtime) if runtime else None
    env = _environment(_keywords(env_call).get("environment")) if env_call else None
    if env is None:
        return ("not known", ast.dump(gpu_call), env_call and ast.dump(env_call))
    request = from_environment(env.get(VISIBLE), env.get(CAPABILITIES))
    return request if isinstance(request, Unsupported) else request.effect()


def gpu_asks(text: str) -> list[object]:
    """Per docker SDK call (and per call with a runtime or device_requests), in source order."""
    calls = [node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Call)]
    nested = {}
    for call in calls:
        host_config = _keywords(call).get("host_config")
        if _method(call) == "create_container" and isinstance(host_config, ast.Call):
            nested[id(host_config)] = call
    asks = []
    for call in sorted(calls, key=lambda node: (node.lineno, node.col_offset)):
        if id(call) in nested:
            asks.append(_asks(call, nested[id(call)]))
        elif _method(call).startswith("containers.") or any(map(_handed_over, call.args)):
            asks.append(_asks(call, call))
        elif {"runtime", "device_requests"} & _keywords(call).keys():
            asks.append(_asks(call, None))
    return asks


class _WithoutGpu(ast.NodeTransformer):
    """Drops GPU arguments, NVIDIA_* entries and DeviceRequest imports: what must not change."""

    def visit_Call(self, node: ast.Call) -> ast.Call:
        self.generic_visit(node)
        kept = []
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg == "device_requests" or (keyword.arg == "runtime" and _is_nvidia(value)):
                continue
            if keyword.arg == "environment" and isinstance(value, ast.Dict | ast.List):
                value = _without_gpu_entries(value)
                if not (value.keys if isinstance(value, ast.Dict) else value.elts):
                    continue
            kept.append(ast.keyword(keyword.arg, value))
        node.keywords = kept
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.ImportFrom | None:
        node.names = [alias for alias in node.names if alias.name != "DeviceRequest"]
        return node if node.names else None


def _is_nvidia(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value == "nvidia"


def _is_gpu_entry(node: ast.expr | None) -> bool:
    text = node.value if isinstance(node, ast.Constant) else None
    return isinstance(text, str) and text.partition("=")[0] in GPU_KEYS


def _without_gpu_entries(node: ast.Dict | ast.List) -> ast.Dict | ast.List:
    if isinstance(node, ast.List):
        return ast.List([elt for elt in node.elts if not _is_gpu_entry(elt)], node.ctx)
    pairs = [(k, v) for k, v in zip(node.keys, node.values, strict=True) if not _is_gpu_entry(k)]
    return ast.Dict([k for k, _ in pairs], [v for _, v in pairs])


def without_gpu(text: str) -> str:
    return ast.dump(_WithoutGpu().visit(ast.parse(text)))


def comments(text: str) -> list[str]:
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return sorted(token.string for token in tokens if token.type == tokenize.COMMENT)


def check_migration(name: str, text: str, to: Form) -> str:
    """Migrate ``text`` and assert what every migration must keep; returns the new text."""
    result = migrate_python(text, to)
    new = result.text
    assert result.changed == (new != text)
    compile(new, name, "exec")
    again = migrate_python(new, to)
    assert (again.text, again.changed) == (new, False), "not idempotent"
    assert gpu_asks(new) == gpu_asks(text), "the GPUs asked for changed"
    assert without_gpu(new) == without_gpu(text), "more than GPU arguments and imports changed"
    assert comments(new) == comments(text)
    back = migrate_python(new, OTHER[to]).text
    assert gpu_asks(back) == gpu_asks(text), "the round trip changed the GPUs asked for"
    return new


# --- golden pairs --------------------------------------------------------------------------------


def _cases() -> list[Path]:
    return sorted(path for path in FIXTURES.iterdir() if path.is_dir())


def test_fixture_names_say_their_direction() -> None:
    assert len(_cases()) >= 15
    for case in _cases():
        assert case.name[:10] in DIRECTIONS, case.name


@pytest.mark.parametrize("case", _cases(), ids=lambda path: path.name)
def test_golden_pair(case: Path) -> None:
    to = DIRECTIONS[case.name[:10]]
    text = (case / "input.py").read_text(encoding="utf-8")
    expected_file = case / "expected.py"
    expected = expected_file.read_text(encoding="utf-8") if expected_file.exists() else text
    assert check_migration("input.py", text, to) == expected


# --- the shared corpus ---------------------------------------------------------------------------

CORPUS_WARNINGS: dict[tuple[str, Form], list[tuple[int, str]]] = {
    ("03-transcoder-uuid-video-caps.py", Form.DEVICES): [(12, "NVIDIA_VISIBLE_DEVICES is not a")],
    ("05-kwargs-literal-splat.py", Form.DEVICES): [
        (15, "'runtime': 'nvidia' is set in a mapping"),
        (25, "**gpu_args may set runtime"),
        (31, "'runtime': 'nvidia' is set in a mapping"),
        (32, "**sidecar_opts may set runtime"),
    ],
    ("05-kwargs-literal-splat.py", Form.RUNTIME): [
        (25, "**gpu_args may set runtime"),
        (32, "**sidecar_opts may set runtime"),
    ],
    ("06-runtime-from-attribute.py", Form.DEVICES): [
        (25, "runtime is not a literal string (self.runtime)"),
        (33, "runtime is not a literal string (GPU_RUNTIME)"),
    ],
    ("07-deliberate-legacy-tabs.py", Form.DEVICES): [(20, "runtime is not a literal string")],
    ("08-serve-all-gpus-import-docker.py", Form.DEVICES): [(26, "**(extra_kwargs or {}) may set")],
    ("08-serve-all-gpus-import-docker.py", Form.RUNTIME): [
        (25, "environment is not a dict or list literal (env_vars)"),
        (26, "**(extra_kwargs or {}) may set runtime"),
    ],
    ("09-single-gpu-count-one.py", Form.RUNTIME): [
        (15, "environment is not a dict or list literal (job_env)"),
        (31, 'driver "cdi" is not the NVIDIA runtime'),
    ],
    ("12-pytest-fixture-conditional.py", Form.RUNTIME): [(29, "device_requests is not a list")],
    ("14-both-forms-two-functions.py", Form.DEVICES): [
        (26, "environment sets NVIDIA_DRIVER_CAPABILITIES next to device_requests"),
        (34, "**network_config may set runtime"),
    ],
    ("14-both-forms-two-functions.py", Form.RUNTIME): [
        (26, "environment sets NVIDIA_DRIVER_CAPABILITIES next to device_requests"),
        (34, "**network_config may set runtime"),
    ],
    ("18-apiclient-dict-requests.py", Form.RUNTIME): [(11, "the device request is a dict")],
    ("20-create-then-start.py", Form.DEVICES): [(22, "environment is not a dict or list literal")],
    ("22-helper-built-request.py", Form.RUNTIME): [
        (22, "device_requests is not a list literal (self.device_requests())"),
        (27, "the device request gpu_request(spec) is not a DeviceRequest(...) call"),
    ],
    ("24-jupyterhub-spawner-config.py", Form.DEVICES): [(12, "'runtime': 'nvidia' is set in a")],
    ("25-compose-through-subprocess.py", Form.DEVICES): [(17, "'runtime': 'nvidia' is set in a")],
    ("29-probe-jetson-gvisor.py", Form.DEVICES): [
        (13, "inside try looks like a probe"),
        (25, "'runtime': 'nvidia' is set in a mapping"),
        (28, "**run_kwargs may set runtime"),
    ],
    ("29-probe-jetson-gvisor.py", Form.RUNTIME): [
        (28, "device_requests is not a list literal (device_requests)"),
        (28, "**run_kwargs may set runtime"),
    ],
    ("30-aiodocker-raw-config.py", Form.DEVICES): [(25, "'Runtime': 'nvidia' is set in a")],
    ("30-aiodocker-raw-config.py", Form.RUNTIME): [(14, "'DeviceRequests' is set in a")],
}
"""The warnings MANIFEST.tsv asks for (leave_alone_and_warn), by file and direction; none else."""

CORPUS_MIGRATED: dict[tuple[str, Form], tuple[str, ...]] = {
    ("01-cli-all-gpus-dict-env.py", Form.DEVICES): ("containers.run@19",),
    ("03-transcoder-uuid-video-caps.py", Form.DEVICES): ("containers.run@17",),
    ("11-aliased-imports.py", Form.RUNTIME): ("containers.run@9", "containers.run@19"),
    ("14-both-forms-two-functions.py", Form.DEVICES): ("containers.run@12",),
    ("20-create-then-start.py", Form.DEVICES): ("containers.create@9",),
}
"""The calls MANIFEST.tsv expects to be migrated, by file and direction; no others."""

BROKEN = "16-broken-syntax.py"


def _corpus() -> list[Path]:
    folder = require_shared("corpus") / "python"
    return sorted(folder.glob("*.py"))


@pytest.fixture(scope="module")
def corpus() -> list[Path]:
    return _corpus()


def test_corpus_is_there(corpus: list[Path]) -> None:
    names = {path.name for path in corpus}
    assert names >= {name for name, _ in [*CORPUS_WARNINGS, *CORPUS_MIGRATED]} | {BROKEN}


@pytest.mark.parametrize("to", [Form.DEVICES, Form.RUNTIME], ids=lambda form: form.value)
def test_corpus(corpus: list[Path], to: Form) -> None:
    for path in corpus:
        if path.name == BROKEN:
            continue
        text = path.read_bytes().decode("utf-8")
        result = migrate_python(text, to)
        check_migration(path.name, text, to)
        found = [(warning.line, warning.message) for warning in result.warnings]
        expected = CORPUS_WARNINGS.get((path.name, to), [])
        assert [line for line, _ in found] == [line for line, _ in expected], path.name
        for (_, message), (_, fragment) in zip(found, expected, strict=True):
            assert fragment in message, path.name
        migrated = CORPUS_MIGRATED.get((path.name, to), ())
        assert (result.services, result.changed) == (migrated, bool(migrated)), path.name


@pytest.mark.parametrize("to", [Form.DEVICES, Form.RUNTIME], ids=lambda form: form.value)
def test_corpus_broken_file_is_an_error_with_its_line(corpus: list[Path], to: Form) -> None:
    text = next(path for path in corpus if path.name == BROKEN).read_text(encoding="utf-8")
    with pytest.raises(MigrationError) as caught:
        migrate_python(text, to)
    assert (caught.value.line, caught.value.message) == (8, "invalid Python: '(' was never closed")
