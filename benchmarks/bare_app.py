"""The baseline for benchmarks/ack_latency.py: a bare Bolt app that acknowledges and does nothing,
served like ``maturity serve`` (Bolt's WSGI adapter on waitress, same thread count, same
``process_before_response=False``, same single-workspace token check against SLACK_API_URL).

    SLACK_BOT_TOKEN=xoxb-… SLACK_SIGNING_SECRET=… SLACK_API_URL=http://127.0.0.1:PORT/api/ \\
        .venv/bin/python benchmarks/bare_app.py --port 3001
"""

from __future__ import annotations

import argparse
import json
import os
import re
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def build() -> Any:
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"], timeout=15)
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], process_before_response=False)

    @app.command("/maturity")
    def command(ack: Ack) -> None:
        ack()

    @app.action(re.compile(".*"))
    def action(ack: Ack) -> None:
        ack()

    @app.event("message")
    def message() -> None:
        pass

    bolt = SlackRequestHandler(app, path="/slack/events")

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/healthz":
            body = json.dumps({"status": "ok"}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return bolt(environ, start_response)

    return wsgi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=3001)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    from waitress import serve

    serve(build(), host=args.host, port=args.port, threads=args.threads, ident="bare-bolt")


if __name__ == "__main__":
    main()
