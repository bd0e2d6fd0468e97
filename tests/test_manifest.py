"""manifest.yml is valid against Slack's published schema and names what the code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "tools" / "slack_manifest"  # Slack's schema, vendored (see its README)

# Web API methods the bot calls -> the bot scope each needs (public channels; private ones need groups:*)
METHOD_SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "reactions_add": {"reactions:write"},
    "conversations_members": {"channels:read", "groups:read"},
    "users_info": {"users:read"},
    "views_publish": set(),
    "views_open": set(),
    "files_upload_v2": {"files:write"},
    "conversations_open": {"im:write"},
    "users_list": {"users:read"},
}
EVENT_SUBSCRIPTIONS = {"message": {"message.channels", "message.groups"}}
EVENT_SCOPES = {"message.channels": "channels:history", "message.groups": "groups:history"}


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def code() -> str:
    return "\n".join(p.read_text() for p in (ROOT / "bot").rglob("*.py") if p.name not in {"standin.py", "driver.py"})


def test_manifest_validates_against_slacks_schema() -> None:
    import jsonschema
    from referencing import Registry, Resource

    top = json.loads((SCHEMAS / "manifest.schema.json").read_text())
    registry = Registry()
    for path in (SCHEMAS / "schemas").glob("*.json"):
        schema = json.loads(path.read_text())
        url = f"https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/{path.name}"
        registry = registry.with_resource(url, Resource.from_contents(schema))
    validator = jsonschema.Draft7Validator(top, registry=registry)
    errors = sorted(validator.iter_errors(manifest()), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]
    # and the versioned schema directly, for clearer messages
    v1 = json.loads((SCHEMAS / "schemas" / "manifest.schema.1.0.0.json").read_text())
    jsonschema.validate(manifest(), v1)


def test_manifest_names_every_event_and_scope_the_code_uses() -> None:
    m = manifest()
    scopes = set(m["oauth_config"]["scopes"]["bot"])
    events = set(m["settings"]["event_subscriptions"]["bot_events"])
    source = code()
    used_events = set(re.findall(r"\bapp\.event\(\"([a-z_.]+)\"\)", source))  # decorated or wired
    assert used_events, "no event listener found: the scan is broken"
    for event in used_events:
        assert EVENT_SUBSCRIPTIONS.get(event, {event}) <= events, event
    for event in events:
        if event in EVENT_SCOPES:
            assert EVENT_SCOPES[event] in scopes
    used_methods = {m for m in METHOD_SCOPES if re.search(rf"\.{m}\(", source)}
    assert "chat_postMessage" in used_methods
    for method in used_methods:
        assert METHOD_SCOPES[method] <= scopes, method
    assert "/maturity" in {c["command"] for c in m["features"]["slash_commands"]}
    assert "commands" in scopes
    assert m["settings"]["interactivity"]["is_enabled"] is True


def test_manifest_asks_for_no_scope_the_code_does_not_use() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    source = code()
    events = manifest()["settings"]["event_subscriptions"]["bot_events"]
    needed = {"commands"} | {EVENT_SCOPES[e] for e in events if e in EVENT_SCOPES}
    for method, method_scopes in METHOD_SCOPES.items():
        if re.search(rf"\.{method}\(", source):
            needed |= method_scopes
    assert scopes <= needed, scopes - needed


def test_the_oauth_install_asks_for_the_manifests_scopes() -> None:
    from bot.installation import BOT_SCOPES

    assert set(BOT_SCOPES) == set(manifest()["oauth_config"]["scopes"]["bot"])


def _slash_command() -> dict:
    (command,) = [c for c in manifest()["features"]["slash_commands"] if c["command"] == "/maturity"]
    return command


def test_the_usage_hint_lists_every_subcommand_of_the_registry_in_its_order() -> None:
    from bot.listeners.commands.registry import SUBCOMMANDS

    hint = _slash_command()["usage_hint"]
    assert len(hint) <= 1000  # Slack's limit
    assert [segment.split()[0] for segment in hint.split(" | ")] == [s.name for s in SUBCOMMANDS], hint


def test_the_description_names_every_subcommand_of_the_registry() -> None:
    from bot.listeners.commands.registry import SUBCOMMANDS

    description = _slash_command()["description"]
    assert len(description) <= 2000  # Slack's limit
    missing = [s.name for s in SUBCOMMANDS if not re.search(rf"\b{s.name}\b", description)]
    assert missing == [], description
