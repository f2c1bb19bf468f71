"""A real MCP client (the official Python SDK, `mcp` from PyPI) driving `faultline mcp`.

Run by tests/mcp.rs: `python client.py FAULTLINE ROOT`. It launches the server over stdio
with `mcp.client.stdio`, makes the calls below and prints what it saw as one JSON object;
the Rust test makes the assertions, so this file only observes.
"""

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

# A plan fixture the `import` tool must turn into a scenario that runs.
PLAN = __file__.rsplit("/", 2)[0] + "/fixtures/terraform/aws-gcp-multicloud.plan.json"


def call_view(result):
    """What a tools/call result holds: the error flag, the texts, the structured JSON."""
    texts = [c.text for c in result.content if getattr(c, "type", None) == "text"]
    return {"is_error": bool(result.is_error), "texts": texts, "structured": result.structured_content}


async def session_for(binary, args, body):
    params = StdioServerParameters(command=binary, args=args)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            return await body(session, init)


async def main_session(session, init):
    seen = {"server": init.server_info.name, "protocol": init.protocol_version}
    caps = init.capabilities
    seen["capabilities"] = {"tools": caps.tools is not None, "resources": caps.resources is not None}

    tools = await session.list_tools()
    seen["tools"] = [
        {
            "name": t.name,
            "description": t.description,
            "input_schema": t.input_schema,
            "annotations": None
            if t.annotations is None
            else {
                "read_only_hint": t.annotations.read_only_hint,
                "destructive_hint": t.annotations.destructive_hint,
                "idempotent_hint": t.annotations.idempotent_hint,
                "open_world_hint": t.annotations.open_world_hint,
            },
        }
        for t in tools.tools
    ]

    resources = await session.list_resources()
    seen["resources"] = [{"uri": str(r.uri), "mime_type": r.mime_type} for r in resources.resources]
    lib = await session.read_resource("faultline://scenarios/channel-cut")
    channel_cut = lib.contents[0].text
    seen["resource_channel_cut"] = {"mime_type": lib.contents[0].mime_type, "text": channel_cut}
    schema = await session.read_resource("faultline://schema")
    seen["resource_schema"] = json.loads(schema.contents[0].text)

    calls = {
        "list": ("list", {}),
        "run_name": ("run", {"name": "channel-cut"}),
        "run_name_again": ("run", {"name": "channel-cut"}),
        "run_text": ("run", {"scenario_toml": channel_cut}),
        "run_path": ("run", {"path": "mine/channel-cut.toml"}),
        "run_bfd_base": ("run", {"name": "silent-blackhole-bfd"}),
        "run_bfd": ("run", {"name": "silent-blackhole-bfd", "set": ["bfd.interval=1s", "bfd.multiplier=5"]}),
        "run_bad_set": ("run", {"name": "channel-cut", "set": ["bfd.intervall=1s"]}),
        "escape_dotdot": ("run", {"path": "../secret.toml"}),
        "escape_symlink": ("run", {"path": "mine/link.toml"}),
        "escape_absolute": ("validate", {"path": "/etc/passwd"}),
        "invalid_text": ("validate", {"scenario_toml": "[scenario]\nname = \"x\"\nduration = \"soon\"\n"}),
        "invalid_path": ("run", {"path": "mine/broken.toml"}),
        "two_inputs": ("run", {"name": "channel-cut", "scenario_toml": channel_cut}),
        "validate_name": ("validate", {"name": "channel-cut"}),
        "show_name": ("show", {"name": "channel-cut"}),
        "explain_name": ("explain", {"name": "channel-cut"}),
        "sweep_name": ("sweep", {"name": "channel-cut", "seeds": "1..=4"}),
        "shrink_name": ("shrink", {"name": "channel-cut", "max_runs": 5}),
        "import_text": ("import", {"plan_json": "{}"}),
        "import_plan": ("import", {"plan_json": open(PLAN).read()}),
        "list_after_errors": ("list", {}),
    }
    seen["calls"] = {}
    progress = []

    async def on_progress(done, total, message):
        progress.append([done, total, message])

    for key, (tool, args) in calls.items():
        cb = on_progress if tool == "sweep" else None
        seen["calls"][key] = call_view(await session.call_tool(tool, args, progress_callback=cb))
    seen["sweep_progress"] = progress
    return seen


async def budget_session(session, init):
    seen = {}
    big = "# " + "x" * (9 * 1024 * 1024) + "\n"
    seen["too_big"] = call_view(await session.call_tool("validate", {"scenario_toml": big}))
    seen["few_events"] = call_view(await session.call_tool("run", {"name": "channel-cut"}))
    seen["still_serving"] = call_view(await session.call_tool("validate", {"name": "channel-cut"}))
    return seen


async def slots_session(session, init):
    """With one simulation slot: a long sweep holds it, five runs arrive; four wait (4 per
    slot may) and run when the sweep's budget ends it, the fifth is refused as busy."""
    started = asyncio.Event()

    async def on_progress(done, total, message):
        started.set()

    sweep = asyncio.create_task(
        session.call_tool("sweep", {"name": "bench-day", "seeds": "1..=100000", "budget": "5s"}, progress_callback=on_progress)
    )
    await started.wait()
    runs = await asyncio.gather(*[session.call_tool("run", {"name": "channel-cut"}) for _ in range(5)])
    return {"runs": [call_view(r) for r in runs], "sweep": call_view(await sweep)}


async def no_root_session(session, init):
    return {"path": call_view(await session.call_tool("validate", {"path": "channel-cut.toml"}))}


async def main():
    binary, root = sys.argv[1], sys.argv[2]
    out = {
        "main": await session_for(binary, ["mcp", "--root", root], main_session),
        "budget": await session_for(binary, ["--max-memory", "64MiB", "--max-events", "500", "mcp"], budget_session),
        "no_root": await session_for(binary, ["mcp"], no_root_session),
        "slots": await session_for(binary, ["mcp", "--max-running", "1"], slots_session),
    }
    print(json.dumps(out))


asyncio.run(main())
