"""bot/ is Slack I/O: it reaches the database only through conversations/ (issue #18 item 6).

The imports are the contract in pyproject's ``[tool.importlinter]``; what an import contract cannot
see is a unit of work opened on a ``Database`` that was handed in. This test looks for that."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
UNITS_OF_WORK = {"session", "read", "autocommit"}  # storage.db.Database's


def _db_units_of_work(source: str, label: str) -> list[str]:
    """``<…db>.session()``, ``.read()`` or ``.autocommit()`` calls in ``source``, as ``label:line``."""
    found = []
    for node in ast.walk(ast.parse(source, label)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in UNITS_OF_WORK:
            continue
        owner = node.func.value
        name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
        if name == "db" or name.endswith("_db"):
            found.append(f"{label}:{node.lineno}")
    return found


def test_bot_opens_no_unit_of_work_on_the_database() -> None:
    found = [
        hit
        for path in sorted(BOT.rglob("*.py"))
        for hit in _db_units_of_work(path.read_text(encoding="utf-8"), str(path.relative_to(BOT.parent)))
    ]
    assert found == [], "bot/ opens database sessions (move them into a conversations/ function): " + ", ".join(found)


def test_the_check_sees_a_unit_of_work_on_a_handed_in_database() -> None:
    source = (
        "def f(services, db):\n    with services.db.session() as s:\n        pass\n    with db.read():\n        pass\n"
    )
    assert _db_units_of_work(source, "sample.py") == ["sample.py:2", "sample.py:4"]
    assert _db_units_of_work("path.read()\nself.session()\n", "other.py") == []
