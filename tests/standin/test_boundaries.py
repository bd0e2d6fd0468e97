"""Where the stand-in Slack sits: outside the product, and without a cycle inside."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import standin
from standin.web_api import StandInSlack
from tests.processes import child_env

ROOT = Path(__file__).resolve().parents[2]

# Each module of standin/ and the standin modules it may import: socket_mode at the bottom, the Web API
# server over it, the HTTP driver on its own (a protocol, no server), the Socket Mode driver on top.
ALLOWED = {
    "standin.socket_mode": set(),
    "standin.web_api": {"standin.socket_mode"},
    "standin.driver": set(),
    "standin.socket_driver": {"standin.driver", "standin.socket_mode", "standin.web_api"},
}


def _standin_imports(path: Path) -> set[str]:
    """Every ``standin`` module the file imports, at the top, inside functions or under TYPE_CHECKING."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path.name}: relative import; name the module (standin.…)")
    return {name for name in found if name == "standin" or name.startswith("standin.")}


def test_the_stand_in_modules_import_each_other_in_one_direction_only() -> None:
    modules = {f"standin.{m.name}" for m in pkgutil.iter_modules(standin.__path__)}
    assert modules == set(ALLOWED), "a new standin module: place it in ALLOWED"
    for name in sorted(modules):
        imported = _standin_imports(ROOT / (name.replace(".", "/") + ".py"))
        assert imported <= ALLOWED[name], f"{name} imports {sorted(imported - ALLOWED[name])}"


# What `maturity serve` and `maturity socket` load: every product module but the demo's (and `python -m
# bot`'s entry point, which runs the CLI), then the app,
# its HTTP server and the scheduler built as `serve` builds them. Run in a fresh interpreter so that
# nothing the test session imported (the stand-in is everywhere in it) counts.
PRODUCT_PROCESS = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import bot, conversations, scoring, storage

    for package in (bot, conversations, scoring, storage):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if module.name not in ("bot.demo", "bot.__main__"):
                importlib.import_module(module.name)

    from bot.app import build_app
    from bot.cli import build_parser
    from bot.config import load_settings
    from bot.scheduler import CheckInScheduler
    from bot.server import create_server
    from bot.services import build_services
    from storage.db import Database

    build_parser()
    db = Database(sys.argv[1])
    settings = load_settings(
        database_url=sys.argv[1], slack_bot_token="xoxb-1-test", slack_signing_secret="s3cr3t",
        slack_api_url=sys.argv[2], scheduler_enabled=False,
    )
    services = build_services(settings, db)
    app = build_app(services)
    create_server(app, services, host="127.0.0.1", port=0, threads=1)
    CheckInScheduler(services.assessments, services.client_for)
    print(json.dumps(sorted(m for m in sys.modules if m == "standin" or m.startswith("standin."))))
    """
)


def test_the_product_never_imports_the_stand_in(tmp_path: Path, slack: StandInSlack) -> None:
    """The app is built against this process's stand-in (Bolt checks its token at start-up)."""
    done = subprocess.run(
        [sys.executable, "-c", PRODUCT_PROCESS, f"sqlite:///{tmp_path / 'product.db'}", slack.url],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
