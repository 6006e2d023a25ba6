"""docker SDK migration, snippet by snippet: exact output, warnings with their lines, errors."""

from __future__ import annotations

import libcst as cst
import pytest

from composemigrate.gpu import Form
from composemigrate.pysdk import layout, migrate_python
from composemigrate.result import Finding, MigrationError, Result

DEVICES, RUNTIME = Form.DEVICES, Form.RUNTIME


def warnings(text: str, to: Form) -> list[tuple[int, str]]:
    """The (line, message) warnings for ``text``, which must come out unchanged."""
    result = migrate_python(text, to)
    assert (result.text, result.changed) == (text, False)
    return [(warning.line, warning.message) for warning in result.warnings]


# --- the API -------------------------------------------------------------------------------------


def test_gpus_form_is_refused() -> None:
    with pytest.raises(MigrationError, match="docker SDK code has no gpus form"):
        migrate_python('client.containers.run("img", runtime="nvidia")\n', Form.GPUS)


def test_text_without_gpu_words_is_returned_without_parsing() -> None:
    assert migrate_python("def broken(:\n", DEVICES) == Result("def broken(:\n", False)


def test_invalid_python_is_an_error_with_cpythons_message_and_place() -> None:
    with pytest.raises(MigrationError) as caught:
        migrate_python('import docker\nclient.containers.run("img", runtime="nvidia"\n', DEVICES)
    error = caught.value
    assert (error.line, error.col, error.message) == (2, 22, "invalid Python: '(' was never closed")


def test_text_only_libcst_rejects_is_an_error_with_libcsts_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(cst.ParserSyntaxError) as rejected:
        cst.parse_module("x = (\n")

    def parse_module(text: str) -> cst.Module:
        raise rejected.value

    monkeypatch.setattr(cst, "parse_module", parse_module)
    with pytest.raises(MigrationError) as caught:
        migrate_python("nvidia = 1\n", DEVICES)
    assert caught.value.message.startswith("libcst cannot parse this Python: ")
    assert (caught.value.line, caught.value.col) == (
        rejected.value.raw_line,
        rejected.value.raw_column + 1,
    )


def test_result_names_the_migrated_calls_and_keeps_crlf() -> None:
    text = (
        "import docker\r\n"
        "client = docker.from_env()\r\n"
        "client.containers.run(\r\n"
        '    "img",\r\n'
        '    runtime="nvidia",\r\n'
        '    environment={"NVIDIA_VISIBLE_DEVICES": "0", "TZ": "UTC"},\r\n'
        ")\r\n"
    )
    result = migrate_python(text, DEVICES)
    assert result.text == (
        "import docker\r\n"
        "client = docker.from_env()\r\n"
        "client.containers.run(\r\n"
        '    "img",\r\n'
        "    device_requests=[docker.types.DeviceRequest("
        'device_ids=["0"], capabilities=[["gpu"]])],\r\n'
        '    environment={"TZ": "UTC"},\r\n'
        ")\r\n"
    )
    assert (result.changed, result.warnings, result.services) == (True, (), ("containers.run@3",))


# --- to devices ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "request_"),
    [
        pytest.param("", "count=-1, capabilities=[['gpu']]", id="unset-is-all"),
        pytest.param(
            "environment=['NVIDIA_VISIBLE_DEVICES=all'], ",
            "count=-1, capabilities=[['gpu']]",
            id="all",
        ),
        pytest.param(
            "environment={'NVIDIA_VISIBLE_DEVICES': 'GPU-1a, MIG-2b'}, ",
            "device_ids=['GPU-1a', 'MIG-2b'], capabilities=[['gpu']]",
            id="uuids-trimmed",
        ),
        pytest.param(
            "environment={'NVIDIA_DRIVER_CAPABILITIES': 'utility,compute'}, ",
            "count=-1, capabilities=[['gpu', 'utility', 'compute']]",
            id="capabilities-in-order",
        ),
    ],
)
def test_to_devices_request(environment: str, request_: str) -> None:
    text = f"import docker\nc.containers.run('img', runtime='nvidia', {environment}detach=True)\n"
    expected = (
        "import docker\n"
        f"c.containers.run('img', device_requests=[docker.types.DeviceRequest({request_})], "
        "detach=True)\n"
    )
    assert migrate_python(text, DEVICES).text == expected


def test_to_devices_warns_about_a_jetson_image_and_migrates() -> None:
    text = 'import docker\nc.containers.run("nvcr.io/nvidia/l4t-base:r35", runtime="nvidia")\n'
    result = migrate_python(text, DEVICES)
    assert result.changed
    assert result.warnings == (
        Finding(
            2,
            18,
            "containers.run: nvcr.io/nvidia/l4t-base:r35 looks like a Jetson (L4T) image, where "
            "runtime='nvidia' is the documented way; check that device_requests work there",
        ),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            'c.containers.run("nvidia/cuda", runtime=rt)\n',
            [(1, "containers.run: runtime is not a literal string (rt); left unchanged")],
            id="runtime-name",
        ),
        pytest.param(
            'c.containers.run("img", runtime="nvidia", environment=make_env())\n',
            [
                (
                    1,
                    "containers.run: environment is not a dict or list literal (make_env()); "
                    "left unchanged",
                )
            ],
            id="environment-call",
        ),
        pytest.param(
            'c.containers.run(\n    "img",\n    runtime="nvidia",\n    environment={\n'
            '        "A": "1",\n        **extra,\n    },\n)\n',
            [(6, "containers.run: environment entry **extra is not literal; left unchanged")],
            id="environment-splat",
        ),
        pytest.param(
            'c.containers.run("img", runtime="nvidia",\n'
            '                 environment=[f"NVIDIA_VISIBLE_DEVICES={i}"])\n',
            [(2, "containers.run: NVIDIA_VISIBLE_DEVICES is not a literal string; left unchanged")],
            id="value-f-string",
        ),
        pytest.param(
            'c.containers.run("img", runtime="nvidia", environment=[KEY + "=0"])\n',
            [(1, 'containers.run: environment entry KEY + "=0" is not literal; left unchanged')],
            id="unknown-list-entry",
        ),
        pytest.param(
            'c.containers.run("img", runtime="nvidia",\n'
            '                 environment=["NVIDIA_VISIBLE_DEVICES=0",\n'
            '                              "NVIDIA_VISIBLE_DEVICES=1"])\n',
            [(3, "containers.run: environment sets NVIDIA_VISIBLE_DEVICES twice; left unchanged")],
            id="duplicate",
        ),
        pytest.param(
            'c.containers.run("img", runtime="nvidia",\n'
            '                 environment={"NVIDIA_VISIBLE_DEVICES": "void"})\n',
            [
                (
                    1,
                    "containers.run: NVIDIA_VISIBLE_DEVICES=void asks for no GPU; "
                    "no device request means that; left unchanged",
                )
            ],
            id="no-gpu",
        ),
        pytest.param(
            "from docker.types import DeviceRequest\n"
            'c.containers.run("img", runtime="nvidia", environment={"NVIDIA_VISIBLE_DEVICES": "0"},'
            ' device_requests=[DeviceRequest(count=-1, capabilities=[["gpu"]])])\n',
            [
                (
                    2,
                    "containers.run: runtime='nvidia' and device_requests ask for different GPUs; "
                    "left unchanged",
                )
            ],
            id="both-forms-differ",
        ),
        pytest.param(
            'c.containers.run("nvidia/cuda", environment={"NVIDIA_VISIBLE_DEVICES": "0"})\n',
            [
                (
                    1,
                    "containers.run: environment sets NVIDIA_VISIBLE_DEVICES without "
                    "runtime='nvidia'; left unchanged",
                )
            ],
            id="env-without-runtime",
        ),
        pytest.param(
            'try:\n    c.containers.run("img", runtime="nvidia")\nexcept E:\n    pass\n',
            [
                (
                    2,
                    "containers.run: runtime='nvidia' inside try looks like a probe for the "
                    "runtime; left unchanged",
                )
            ],
            id="probe",
        ),
        pytest.param(
            'c.containers.run("img", runtime="nvidia", **opts)\n',
            [
                (
                    1,
                    "containers.run: **opts may set runtime, environment or device_requests; "
                    "left unchanged",
                )
            ],
            id="splat",
        ),
        pytest.param(
            "from docker.types import HostConfig\n"
            'hc = HostConfig(version="1.43", runtime="nvidia")\n',
            [
                (
                    2,
                    "HostConfig: the environment goes to create_container, not visible here; "
                    "left unchanged",
                )
            ],
            id="host-config-alone",
        ),
        pytest.param(
            'opts = dict(runtime="nvidia")\nconfig["Runtime"] = "nvidia"\n',
            [
                (
                    1,
                    "'runtime': 'nvidia' is set in a mapping, not as a docker SDK call argument; "
                    "not migrated",
                ),
                (
                    2,
                    "'Runtime': 'nvidia' is set in a mapping, not as a docker SDK call argument; "
                    "not migrated",
                ),
            ],
            id="mappings",
        ),
        pytest.param('c.containers.run("img", runtime="runsc")\n', [], id="other-runtime"),
        pytest.param('config = {"runtime": "runc", "gpu": "nvidia"}\n', [], id="other-mapping"),
    ],
)
def test_to_devices_leaves_and_warns(text: str, expected: list[tuple[int, str]]) -> None:
    assert warnings(text, DEVICES) == expected


# --- to runtime ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "environment"),
    [
        pytest.param(
            "count=-1, capabilities=[['gpu']]", "'NVIDIA_VISIBLE_DEVICES': 'all'", id="all"
        ),
        pytest.param(
            "count=2, capabilities=[['gpu']]", "'NVIDIA_VISIBLE_DEVICES': '0,1'", id="count"
        ),
        pytest.param(
            "driver='', device_ids=['3'], capabilities=[['gpu', 'utility']]",
            "'NVIDIA_VISIBLE_DEVICES': '3', 'NVIDIA_DRIVER_CAPABILITIES': 'utility'",
            id="empty-driver-caps",
        ),
        pytest.param(
            "count=-1, capabilities=[['gpu', 'compute', 'compat32', 'graphics', 'utility', "
            "'video', 'display']]",
            "'NVIDIA_VISIBLE_DEVICES': 'all', 'NVIDIA_DRIVER_CAPABILITIES': 'all'",
            id="every-capability",
        ),
    ],
)
def test_to_runtime_environment(request_: str, environment: str) -> None:
    requests = f"[docker.types.DeviceRequest({request_})]"
    text = f"import docker\nc.containers.run('img', device_requests={requests})\n"
    expected = (
        f"import docker\nc.containers.run('img', runtime='nvidia', environment={{{environment}}})\n"
    )
    assert migrate_python(text, RUNTIME).text == expected


GPU = "capabilities=[['gpu']]"


@pytest.mark.parametrize(
    ("requests", "reason"),
    [
        pytest.param(
            f"DeviceRequest(count=1, device_ids=['0'], {GPU})",
            "count and device_ids are exclusive",
            id="count-and-ids",
        ),
        pytest.param(
            f"DeviceRequest(count=n, {GPU})", "count is not a literal (n)", id="count-name"
        ),
        pytest.param(
            f"DeviceRequest(device_ids=ids, {GPU})",
            "device_ids is not a literal (ids)",
            id="ids-name",
        ),
        pytest.param(
            "DeviceRequest(count=1, capabilities=[['gpu'], ['compute']])",
            "capabilities is not one literal list that includes 'gpu'",
            id="capability-sets",
        ),
        pytest.param(
            "DeviceRequest(count=1, capabilities=[['compute']])",
            "capabilities is not one literal list that includes 'gpu'",
            id="no-gpu-capability",
        ),
        pytest.param(f"DeviceRequest(count=0, {GPU})", "count 0 asks for no GPU", id="count-zero"),
        pytest.param(
            "DeviceRequest(count=1, capabilities=[['gpu', 'nvidia.com/pva']])",
            "capabilities nvidia.com/pva have no environment equivalent",
            id="unknown-capability",
        ),
        pytest.param(
            "*requests", "device_requests does not hold exactly one request", id="starred"
        ),
        pytest.param(
            "Other(count=1)",
            "the device request Other(count=1) is not a DeviceRequest(...) call",
            id="other-class",
        ),
    ],
)
def test_to_runtime_leaves_and_warns(requests: str, reason: str) -> None:
    call = f"c.containers.run('i', device_requests=[{requests}])"
    text = f"from docker.types import DeviceRequest\n{call}\n"
    assert warnings(text, RUNTIME) == [(2, f"containers.run: {reason}; left unchanged")]


@pytest.mark.parametrize(
    ("call", "line", "reason"),
    [
        pytest.param(
            f"HostConfig(version='1.43', device_requests=[DeviceRequest(count=1, {GPU})])",
            2,
            "HostConfig: the environment goes to create_container, not visible here",
            id="host-config-alone",
        ),
        pytest.param(
            f"c.containers.run('i', device_requests=[DeviceRequest(count=1, {GPU})],\n"
            "                 environment={'NVIDIA_VISIBLE_DEVICES': '0'})",
            3,
            "containers.run: environment sets NVIDIA_VISIBLE_DEVICES next to device_requests",
            id="mixed",
        ),
    ],
)
def test_to_runtime_leaves_and_warns_about_the_call(call: str, line: int, reason: str) -> None:
    text = f"from docker.types import DeviceRequest, HostConfig\n{call}\n"
    assert warnings(text, RUNTIME) == [(line, f"{reason}; left unchanged")]


def test_to_runtime_warns_about_requests_in_a_mapping() -> None:
    text = "kwargs = {'device_requests': requests}\n"
    expected = (
        "'device_requests' is set in a mapping, not as a docker SDK call argument; not migrated"
    )
    assert warnings(text, RUNTIME) == [(1, expected)]


@pytest.mark.parametrize(
    ("imports", "expected"),
    [
        pytest.param(
            "import os\n\n# GPU bits\nfrom docker.types import DeviceRequest  # the request\n"
            "import sys\n",
            "import os\n\n# GPU bits\n# the request\nimport sys\n",
            id="comments-move-down",
        ),
        pytest.param(
            "from docker.types import DeviceRequest\n\n\n", "", id="first-line-leaves-no-blanks"
        ),
        pytest.param(
            "from docker.types import (\n    DeviceRequest,  # gpus\n    Mount,\n)\n",
            "from docker.types import (\n    # gpus\n    Mount,\n)\n",
            id="parenthesized",
        ),
        pytest.param(
            "from docker.types import Mount as M, DeviceRequest; import os\n",
            "from docker.types import Mount as M; import os\n",
            id="semicolon",
        ),
        pytest.param(
            "from docker.types import DeviceRequest; import os\n", "import os\n", id="first-small"
        ),
    ],
)
def test_to_runtime_removes_unused_imports_keeping_comments(imports: str, expected: str) -> None:
    call = (
        "c.containers.run('img', device_requests=[DeviceRequest(count=1, capabilities=[['gpu']])])"
    )
    new = "c.containers.run('img', runtime='nvidia', environment={'NVIDIA_VISIBLE_DEVICES': '0'})"
    assert migrate_python(f"{imports}{call}\n", RUNTIME).text == f"{expected}{new}\n"


def test_round_trip_of_a_count_asks_for_the_same_first_gpus() -> None:
    requests = f"[docker.types.DeviceRequest(count=2, {GPU})]"
    text = f"import docker\nc.containers.run('i', device_requests={requests})\n"
    legacy = migrate_python(text, RUNTIME).text
    assert migrate_python(legacy, DEVICES).text == (
        "import docker\nc.containers.run('i', device_requests=[docker.types.DeviceRequest("
        "device_ids=['0', '1'], capabilities=[['gpu']])])\n"
    )


# --- layout --------------------------------------------------------------------------------------


def _call(text: str) -> cst.Call:
    return cst.ensure_type(cst.parse_expression(text), cst.Call)


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


@pytest.mark.parametrize(
    ("before", "index", "after"),
    [
        pytest.param("f(a, x, b)", 1, "f(a, b)", id="middle"),
        pytest.param("f(x, b)", 0, "f(b)", id="first"),
        pytest.param("f(a, x)", 1, "f(a)", id="last"),
        pytest.param("f(a,\n  x)", 1, "f(a)", id="last-on-its-line"),
        pytest.param('f("a", "b", x,\n  y=1)', 2, 'f("a", "b",\n  y=1)', id="next-line-moves-up"),
        pytest.param("f(\n    a,\n    x,\n    b,\n)", 1, "f(\n    a,\n    b,\n)", id="line"),
        pytest.param(
            "f(\n    a,  # keep\n    x,  # gone\n    b,\n)",
            1,
            "f(\n    a,  # keep\n    # gone\n    b,\n)",
            id="comments",
        ),
        pytest.param(
            "f(\n    a,\n    x=[  # inside\n    ],\n)",
            1,
            "f(\n    a,\n    # inside\n)",
            id="comment-inside",
        ),
    ],
)
def test_layout_removes_an_argument(before: str, index: int, after: str) -> None:
    call = _call(before)
    assert _code(layout.write_args(call, layout.read_args(call).without(index))) == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param("f(a)", "f(a, X)", id="one-line"),
        pytest.param("f(a, b)", "f(a, X, b)", id="between"),
        pytest.param("f(\n    a\n)", "f(\n    a,\n    X\n)", id="last-no-comma"),
        pytest.param(
            "f(\n    a,  # on a\n    # above b\n    b,\n)",
            "f(\n    a,  # on a\n    X,\n    # above b\n    b,\n)",
            id="comments-stay",
        ),
    ],
)
def test_layout_inserts_an_argument(before: str, after: str) -> None:
    call = _call(before)
    new = layout.read_args(call).with_item_after(0, cst.Arg(cst.Name("X")))
    assert _code(layout.write_args(call, new)) == after


def test_layout_appends_and_removes_items_in_their_style() -> None:
    items = cst.ensure_type(cst.parse_expression('{\n    "A": 1,\n}'), cst.Dict)
    added = layout.append_elements(items, [cst.parse_expression('{"N": 2}').elements[0]])  # type: ignore[attr-defined]
    assert _code(added) == '{\n    "A": 1,\n    "N": 2,\n}'
    assert _code(layout.remove_elements(added, [0])) == '{\n    "N": 2,\n}'
