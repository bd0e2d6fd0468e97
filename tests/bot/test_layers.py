"""The layers' shape beyond pyproject's ``[tool.importlinter]`` contracts (issue #18).

- No import cycle among the product's modules (bot, conversations, scoring, storage), imports inside
  functions and under TYPE_CHECKING included: import-linter's layers see only cycles between layers.
- bot/ is Slack I/O: it reaches the database only through conversations/ (item 6). What an import
  contract cannot see is a unit of work opened on a ``Database`` that was handed in; looked for here."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

BOT = Path(__file__).resolve().parents[2] / "bot"
UNITS_OF_WORK = {"session", "read", "autocommit"}  # storage.db.Database's
PRODUCT = ("bot", "conversations", "scoring", "storage")  # standin/ and tests/ are not the product


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The modules that import each other, directly or round a loop: the strongly connected
    components of more than one module (Tarjan's algorithm), each sorted, in name order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(cycles)


def test_no_import_cycle_among_the_products_modules() -> None:
    graph = grimp.build_graph(*PRODUCT, cache_dir=None)
    cycles = import_cycles(graph)
    lines = [
        " -> ".join(cycle)
        + ": "
        + "; ".join(
            f"{d['importer']}:{d['line_number']} {d['line_contents']}"
            for a in cycle
            for b in cycle
            if a != b
            for d in graph.get_import_details(importer=a, imported=b)
        )
        for cycle in cycles
    ]
    assert cycles == [], "import cycles (move the shared piece down a module):\n" + "\n".join(lines)


def test_the_cycle_check_finds_a_loop_of_three_and_a_pair() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("e", "f"), ("f", "e"), ("g", "a")]:
        graph.add_import(importer=importer, imported=imported)
    assert import_cycles(graph) == [["a", "b", "c"], ["e", "f"]]
    graph.remove_import(importer="c", imported="a")
    assert import_cycles(graph) == [["e", "f"]]


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
