"""``device_requests=[DeviceRequest(...)]`` -> ``runtime="nvidia"`` + ``NVIDIA_*`` environment.

``runtime`` takes the place of ``device_requests``; the entries join an existing environment
literal in its own form (dict or list), else a new ``environment={...}`` follows ``runtime``.
Module-level ``DeviceRequest`` imports go when nothing uses them any more.
"""

from __future__ import annotations

import libcst as cst

from composemigrate.gpu import Unsupported, to_environment
from composemigrate.pysdk import imports
from composemigrate.pysdk.calls import CallEdit, Site, Skip, keyword
from composemigrate.pysdk.command import GpuCalls, Rewrite
from composemigrate.pysdk.env import render
from composemigrate.pysdk.literals import quote_of, string
from composemigrate.pysdk.requests import read_requests

REQUEST_KEYS = ("device_requests", "DeviceRequests")


class ToRuntime(GpuCalls):
    def finish(self, module: cst.Module) -> cst.Module:
        if self.services and imports.REQUESTS & set(self.imports.module_level.values()):
            return imports.without_unused_requests(module)
        return module

    def loose_setting(self, key: str, value: cst.BaseExpression) -> str | None:
        return f"{key!r} is set in a mapping" if key in REQUEST_KEYS else None

    def rewrite(self, site: Site) -> Rewrite:
        call = site.gpu_call
        index = keyword(call, "device_requests")
        if index is None:
            return None
        legacy = keyword(call, "runtime")
        if legacy is not None:
            both = self.both_forms(site, legacy, index)
            return (
                both
                if isinstance(both, Skip)
                else (CallEdit(remove=frozenset({index})), CallEdit())
            )
        value = call.args[index].value
        request = read_requests(value, self.is_request)
        if isinstance(request, Skip):
            return request
        values = to_environment(request)
        if isinstance(values, Unsupported):
            return Skip(value, values.reason)
        found = self.environment(site)
        if isinstance(found, Skip):
            return found
        if found and found[1].gpu_values():
            key = next(iter(found[1].gpu_values()))
            return Skip(found[1].node, f"environment sets {key} next to device_requests")
        quote = quote_of(value)
        runtime = cst.SimpleString(string("nvidia", quote))
        gpu_edit = CallEdit(
            {index: lambda arg: arg.with_changes(keyword=cst.Name("runtime"), value=runtime)}
        )
        if found is None:
            new = call.args[index].with_changes(
                keyword=cst.Name("environment"), value=cst.parse_expression(render(values, quote))
            )
            return gpu_edit, CallEdit(insert_after=(site.anchor(index), new))
        env_index, env = found

        def extend(arg: cst.Arg) -> cst.Arg:
            node = cst.ensure_type(arg.value, type(env.node))
            return arg.with_changes(value=env.with_values(node, values, quote_of(env.node, quote)))

        return gpu_edit, CallEdit({env_index: extend})
