"""``runtime="nvidia"`` + ``NVIDIA_*`` environment -> ``device_requests=[DeviceRequest(...)]``.

The consumed entries leave the environment, and an environment left empty goes; the request takes
the place of the environment argument then, else the place of ``runtime``.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, ImportItem

from composemigrate.gpu import CAPABILITIES, VISIBLE, Unsupported, from_environment
from composemigrate.pysdk import imports
from composemigrate.pysdk.calls import CallEdit, Site, Skip, keyword
from composemigrate.pysdk.command import GpuCalls, Rewrite
from composemigrate.pysdk.env import Environment
from composemigrate.pysdk.literals import literal_str, quote_of, snippet
from composemigrate.pysdk.requests import render_request

JETSON_MARKS = ("l4t", "jetson", "dustynv/")


class ToDevices(GpuCalls):
    def finish(self, module: cst.Module) -> cst.Module:
        if not (self.services and self.imports.needs_import()):
            return module
        needed = ImportItem("docker.types", imports.CLASS)
        return AddImportsVisitor(CodemodContext(), [needed]).transform_module(module)

    def loose_setting(self, key: str, value: cst.BaseExpression) -> str | None:
        if key.lower() == "runtime" and literal_str(value) == "nvidia":
            return f"{key!r}: 'nvidia' is set in a mapping"
        return None

    def rewrite(self, site: Site) -> Rewrite:
        call = site.gpu_call
        runtime = keyword(call, "runtime")
        if runtime is None:
            return self._mixed(site)
        value = call.args[runtime].value
        name = literal_str(value)
        if name is None:
            return Skip(value, f"runtime is not a literal string ({snippet(value)})")
        if name != "nvidia":
            return None
        requests = keyword(call, "device_requests")
        if requests is not None:
            both = self.both_forms(site, runtime, requests)
            if isinstance(both, Skip):
                return both
            return CallEdit(remove=frozenset({runtime})), _without_gpu_entries(both)
        if call in self.in_try:
            return Skip(call, "runtime='nvidia' inside try looks like a probe for the runtime")
        found = self.environment(site)
        if isinstance(found, Skip):
            return found
        values = found[1].gpu_values() if found else {}
        request = from_environment(values.get(VISIBLE), values.get(CAPABILITIES))
        if isinstance(request, Unsupported):
            return Skip(call, request.reason)
        text = render_request(request, self.imports.request_name(), quote_of(value))

        def to_request(arg: cst.Arg) -> cst.Arg:
            new = cst.parse_expression(text)
            return arg.with_changes(keyword=cst.Name("device_requests"), value=new)

        if found is None or not found[1].gpu_indexes() or not found[1].only_gpu():
            return CallEdit({runtime: to_request}), _without_gpu_entries(found)
        index = found[0]
        if site.host_config is None:
            return CallEdit(remove=frozenset({runtime})), CallEdit({index: to_request})
        return CallEdit({runtime: to_request}), CallEdit(remove=frozenset({index}))

    def _mixed(self, site: Site) -> Skip | None:
        """A warning for NVIDIA_* entries in a call that does not use the nvidia runtime."""
        if site.env_call is None:
            return None
        found = self.environment(site)
        if not isinstance(found, tuple):
            return None
        keys = list(found[1].gpu_values())
        if not keys:
            return None
        if keyword(site.gpu_call, "device_requests") is not None:
            return Skip(found[1].node, f"environment sets {keys[0]} next to device_requests")
        return Skip(found[1].node, f"environment sets {keys[0]} without runtime='nvidia'")

    def applied(self, site: Site) -> None:
        """Warn when the image looks like a Jetson one (docs/gpu-semantics.md, traps)."""
        call = site.env_call or site.gpu_call
        index = keyword(call, "image")
        if index is None and call.args and call.args[0].keyword is None:
            index = 0
        if index is None:
            return
        node = call.args[index].value
        image = literal_str(node)
        if image and any(mark in image.lower() for mark in JETSON_MARKS):
            self.report(
                node,
                f"{site.label}: {image} looks like a Jetson (L4T) image, where runtime='nvidia'"
                " is the documented way; check that device_requests work there",
            )


def _without_gpu_entries(found: tuple[int, Environment] | None) -> CallEdit:
    """The environment argument without its NVIDIA_* entries; gone when they were all it had."""
    if found is None or not found[1].gpu_indexes():
        return CallEdit()
    index, env = found
    if env.only_gpu():
        return CallEdit(remove=frozenset({index}))

    def shrink(arg: cst.Arg) -> cst.Arg:
        literal = cst.ensure_type(arg.value, type(env.node))
        return arg.with_changes(value=env.without_gpu(literal))

    return CallEdit({index: shrink})
