"""Listeners are plain module-level functions of Bolt's arguments and the process's ``services``;
a listener module's ``register`` only wires them (issue #18). Called directly here, without Bolt."""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.util.utils import get_arg_names_of_callable, get_name_for_callable

from bot.listeners import plan
from bot.listeners.wiring import with_services
from storage.db import Database
from tests.conftest import TEAM

PLAN_LISTENERS = (plan.on_review, plan.on_accept, plan.on_add, plan.on_added, plan.on_status)
LISTENERS = Path(__file__).resolve().parents[2] / "bot" / "listeners"


def _closures_in_register(source: str, label: str) -> list[str]:
    """The functions and lambdas defined inside a module-level ``register``, as ``label:line name``."""
    found = []
    for node in ast.parse(source, label).body:
        if isinstance(node, ast.FunctionDef) and node.name == "register":
            for inner in ast.walk(node):
                if inner is not node and isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                    found.append(f"{label}:{inner.lineno} {getattr(inner, 'name', 'lambda')}")
    return found


def test_every_listener_module_s_register_only_wires() -> None:
    found = [
        hit
        for path in sorted(LISTENERS.rglob("*.py"))
        for hit in _closures_in_register(path.read_text(encoding="utf-8"), str(path.relative_to(LISTENERS.parent)))
    ]
    assert found == [], "listeners defined inside register (make them module-level functions): " + ", ".join(found)


def test_the_wiring_check_sees_a_listener_defined_in_register() -> None:
    source = (
        "def register(app, services):\n"
        "    @app.action('x')\n"
        "    def on_x(ack):\n"
        "        ack()\n"
        "    app.view('y')(lambda ack: ack())\n"
        "def other():\n"
        "    def helper(): pass\n"
    )
    assert _closures_in_register(source, "m.py") == ["m.py:3 on_x", "m.py:5 lambda"]
    assert _closures_in_register("def register(app, services):\n    app.action('x')(on_x)\n", "m.py") == []


def test_bolt_is_asked_only_for_its_own_arguments_of_a_bound_listener() -> None:
    services: Any = object()
    for listener in PLAN_LISTENERS:
        bound = with_services(listener, services)
        bolts = [name for name in inspect.signature(listener).parameters if name != "services"]
        assert get_arg_names_of_callable(bound) == bolts
        assert get_name_for_callable(bound) == listener.__name__  # Bolt's debug log names it


class Calls:
    def __init__(self) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append((args, kwargs))


def _status_click(db: Database, value: str) -> tuple[Calls, Calls]:
    ack, respond = Calls(), Calls()
    plan.on_status(
        ack=ack,
        body={"user": {"id": "U0ANA"}},
        action={"value": value},
        client=None,  # nothing is posted on these paths
        respond=respond,
        context=BoltContext({"team_id": TEAM}),
        services=SimpleNamespace(db=db),
    )
    return ack, respond


def test_a_status_click_on_an_item_that_is_gone_is_answered_only_to_the_clicker(db: Database) -> None:
    ack, respond = _status_click(db, json.dumps({"i": 4242, "s": "done"}))
    assert ack.calls == [((), {})]
    assert respond.calls == [
        ((), {"text": "That roadmap item no longer exists.", "response_type": "ephemeral", "replace_original": False})
    ]


def test_a_tampered_status_click_is_acked_and_ignored(db: Database) -> None:
    ack, respond = _status_click(db, json.dumps({"i": True, "s": "done"}))
    assert ack.calls == [((), {})]
    assert respond.calls == []
