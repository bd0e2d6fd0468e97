"""Type-check what the bot sent Slack against Slack's own TypeScript definitions.

Input: the JSON lines that ``tests/slack_payloads.py`` records while the test suite runs (every Web
API call the bot made of the stand-in Slack, every ``response_url`` post and every ack body). Each
distinct payload becomes an object literal assigned to Slack's type for it, in strict mode, so an
unknown or misspelt field, a wrong type or a missing required field is a compile error:

* a Web API call -> its ``…Arguments`` type from ``@slack/web-api`` (``chat.postMessage`` ->
  ``ChatPostMessageArguments``); its ``blocks`` (and a view's) once more as ``KnownBlock[]`` from
  ``@slack/types``, and a ``view`` as ``View``, since the arguments' own ``(KnownBlock | Block)[]``
  would let a malformed block pass as a bare ``Block``;
* a ``response_url`` post or a slash command's ack -> the message body Slack documents for them (text,
  blocks as ``KnownBlock[]``, response_type, replace_original, delete_original, thread_ts);
* a view submission's ack -> ``errors`` / ``update`` / ``push`` / ``clear`` with a ``View``.

Bolt adds ``team_id`` to every call itself: it is stripped first. Form-encoded calls carry every
value as a string; the few fields Slack types as numbers or booleans are converted back.

Usage: ``python tools/slack_types/check.py PAYLOADS.jsonl`` (needs ``npm ci`` in this folder).
Exit 0 when every payload type-checks; 1 with the compiler's errors and the test that made each
payload; 2 for bad usage (no file, no payloads, an unmapped Web API method).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# Web API method -> its arguments type in @slack/web-api (the methods the bot calls).
ARGUMENT_TYPES = {
    "apps.connections.open": "AppsConnectionsOpenArguments",
    "apps.uninstall": "AppsUninstallArguments",
    "auth.revoke": "AuthRevokeArguments",
    "auth.test": "AuthTestArguments",
    "chat.delete": "ChatDeleteArguments",
    "chat.getPermalink": "ChatGetPermalinkArguments",
    "chat.postEphemeral": "ChatPostEphemeralArguments",
    "chat.postMessage": "ChatPostMessageArguments",
    "chat.update": "ChatUpdateArguments",
    "conversations.history": "ConversationsHistoryArguments",
    "conversations.info": "ConversationsInfoArguments",
    "conversations.join": "ConversationsJoinArguments",
    "conversations.members": "ConversationsMembersArguments",
    "conversations.open": "ConversationsOpenArguments",
    "conversations.replies": "ConversationsRepliesArguments",
    "files.completeUploadExternal": "FilesCompleteUploadExternalArguments",
    "files.getUploadURLExternal": "FilesGetUploadURLExternalArguments",
    "oauth.v2.access": "OAuthV2AccessArguments",
    "reactions.add": "ReactionsAddArguments",
    "reactions.remove": "ReactionsRemoveArguments",
    "team.info": "TeamInfoArguments",
    "users.info": "UsersInfoArguments",
    "users.list": "UsersListArguments",
    "views.open": "ViewsOpenArguments",
    "views.publish": "ViewsPublishArguments",
    "views.push": "ViewsPushArguments",
    "views.update": "ViewsUpdateArguments",
}
# Fields Slack types as numbers or booleans, which a form-encoded call sends as strings.
NUMBERS = {"limit", "length"}
BOOLEANS = {
    "include_locale",
    "include_num_members",
    "inclusive",
    "include_all_metadata",
    "unfurl_links",
    "unfurl_media",
    "reply_broadcast",
    "as_user",
    "mrkdwn",
    "link_names",
    "replace_original",
    "delete_original",
    "test",
}

PRELUDE = """\
import type * as W from "@slack/web-api";
import type { KnownBlock, View } from "@slack/types";

/** A message posted to a response_url, or a slash command's ack body (Slack's "Responding to
 * slash commands" / interactivity docs). */
type MessageResponse = {
  text?: string;
  blocks?: KnownBlock[];
  response_type?: "ephemeral" | "in_channel";
  replace_original?: boolean;
  delete_original?: boolean;
  thread_ts?: string;
  mrkdwn?: boolean;
};
type UrlVerificationAck = { challenge: string };
/** A view_submission's ack (Slack's "Handling user interaction in modals"). */
type ViewAck =
  | { response_action: "errors"; errors: Record<string, string> }
  | { response_action: "update" | "push"; view: View }
  | { response_action: "clear" };
"""


class UsageError(Exception):
    pass


def normalise(method: str, params: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in params.items() if k != "team_id" or method == "oauth.v2.access"}
    if method in ("oauth.v2.access", "apps.uninstall") and "client_id" in out:
        out.setdefault("client_secret", "(not recorded)")  # the stand-in never keeps the secret
    for key, value in list(out.items()):
        if isinstance(value, str) and key in NUMBERS and re.fullmatch(r"-?\d+", value):
            out[key] = int(value)
        elif isinstance(value, str) and key in BOOLEANS and value in ("true", "false", "1", "0"):
            out[key] = value in ("true", "1")
    return out


def declarations(entry: dict[str, Any], index: int) -> list[str]:
    """The TypeScript constants that check one recorded payload."""
    kind, method = entry.get("kind"), str(entry.get("method"))
    params = entry.get("params") or {}
    if not isinstance(params, dict):
        raise UsageError(f"payload {index}: params is not an object")
    if kind == "api":
        if method not in ARGUMENT_TYPES:
            raise UsageError(f"payload {index}: no Slack type is mapped for Web API method {method!r}")
        params = normalise(method, params)
        out = [f"const p{index}: W.{ARGUMENT_TYPES[method]} = {json.dumps(params, ensure_ascii=False)};"]
        if isinstance(params.get("blocks"), list):
            out.append(f"const b{index}: KnownBlock[] = {json.dumps(params['blocks'], ensure_ascii=False)};")
        view = params.get("view")
        if isinstance(view, dict):
            out.append(f"const v{index}: View = {json.dumps(view, ensure_ascii=False)};")
            if isinstance(view.get("blocks"), list):
                out.append(f"const vb{index}: KnownBlock[] = {json.dumps(view['blocks'], ensure_ascii=False)};")
        return out
    if kind in ("response_url", "ack"):
        params = normalise(method, params)
        target = "UrlVerificationAck" if "challenge" in params else "MessageResponse"
        return [f"const p{index}: {target} = {json.dumps(params, ensure_ascii=False)};"]
    if kind == "view_ack":
        out = [f"const p{index}: ViewAck = {json.dumps(params, ensure_ascii=False)};"]
        view = params.get("view")
        if isinstance(view, dict) and isinstance(view.get("blocks"), list):
            out.append(f"const vb{index}: KnownBlock[] = {json.dumps(view['blocks'], ensure_ascii=False)};")
        return out
    raise UsageError(f"payload {index}: unknown kind {kind!r}")


def load(path: Path) -> list[dict[str, Any]]:
    """The distinct payloads of the file (the same payload recorded twice is checked once)."""
    seen: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}:{number}: not JSON ({exc.msg})") from None
        key = json.dumps([entry.get("kind"), entry.get("method"), entry.get("params")], sort_keys=True)
        seen.setdefault(key, entry)
    return list(seen.values())


def check(path: Path, workdir: Path) -> int:
    entries = load(path)
    if not entries:
        raise UsageError(f"{path}: no payloads recorded")
    lines = PRELUDE.splitlines()
    origin: dict[int, str] = {}  # line of payloads.ts -> what made it
    for index, entry in enumerate(entries):
        for declaration in declarations(entry, index):
            lines.append(declaration)
            name = declaration.split(":", 1)[0].removeprefix("const ")
            origin[len(lines)] = f"{name}: {entry.get('method')} from {entry.get('test') or '?'}"
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "payloads.ts").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (workdir / "tsconfig.json").write_text(
        json.dumps(
            {
                "compilerOptions": {
                    "strict": True,
                    "noEmit": True,
                    "target": "ES2022",
                    "module": "NodeNext",
                    "moduleResolution": "NodeNext",
                    "types": [],
                    "skipLibCheck": True,
                    "noUnusedLocals": False,
                    "typeRoots": [str(HERE / "node_modules" / "@types")],
                    "baseUrl": str(HERE),
                    "paths": {"@slack/*": [str(HERE / "node_modules" / "@slack" / "*")]},
                },
                "files": ["payloads.ts"],
            }
        ),
        encoding="utf-8",
    )
    tsc = HERE / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        raise UsageError(f"{tsc} is missing: run `npm ci` in {HERE}")
    done = subprocess.run([str(tsc), "-p", str(workdir / "tsconfig.json")], capture_output=True, text=True)
    methods = sorted({str(e.get("method")) for e in entries})
    if done.returncode == 0:
        print(
            f"slack types: {len(entries)} distinct payloads ({len(origin)} declarations) of {len(methods)} "
            f"kinds type-check against @slack/web-api and @slack/types: {', '.join(methods)}"
        )
        return 0
    for error in done.stdout.splitlines():
        match = re.search(r"payloads\.ts\((\d+),", error)
        where = origin.get(int(match.group(1))) if match else None
        print(error + (f"   <- {where}" if where else ""))
    print(f"slack types: FAILED ({len(entries)} distinct payloads checked)")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("payloads", type=Path)
    parser.add_argument("--workdir", type=Path, default=HERE / "build")
    args = parser.parse_args(argv)
    try:
        if not args.payloads.exists():
            raise UsageError(f"{args.payloads}: no such file")
        return check(args.payloads, args.workdir)
    except UsageError as exc:
        print(f"slack types: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
