"""The README's architecture section matches the tree (issue #18): every path its "Layout" names
exists, every module of the product and the stand-in is named there, and its "In Slack" table has
a row for every subcommand of the registry."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "conversations", "scoring", "storage", "standin")
TOP = {*PACKAGES, "tests", "benchmarks", "tools", "docs"}
PATH_TOKEN = re.compile(r"[\w.*/-]+(?:\.py|\.yml|/)")


def section(readme: str, title: str) -> str:
    start = readme.index(f"\n## {title}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else len(readme)]


def named_paths(layout: str) -> list[tuple[str, list[str]]]:
    """(the token as written, the paths it may name from the root). A token starting with a top-level
    folder is read from the root; any other from the package of the top-level bullet it stands in
    (``- `bot/` — … `app.py```), or outside a bullet from the folder named last on its line
    (``in `bot/listeners/` (`home.py`)``) or the root."""
    out = []
    package = ""
    for line in layout.splitlines():
        bullet = re.match(r"- `(\w+)/`", line)
        if bullet:
            package = bullet.group(1)
        elif not line.startswith(" "):
            package = ""
        folder = ""
        for token in re.findall(r"`([^`]+)`", line):
            if not PATH_TOKEN.fullmatch(token):
                continue
            if token.split("/")[0] in TOP and "/" in token:
                out.append((token, [token]))
            elif package:
                out.append((token, [f"{package}/{token}"]))
            else:
                out.append((token, [f"{folder}{token}", token] if folder else [token]))
            if token.endswith("/"):
                folder = token if token.split("/")[0] in TOP else folder
    return out


def layout_problems(readme: str, root: Path) -> list[str]:
    layout = section(readme, "Layout")
    problems = []
    named = set()
    for token, paths in named_paths(layout):
        found = [path.rstrip("/") for path in paths if any(root.glob(path.rstrip("/")))]
        if not found:
            problems.append(f"`{token}` is named but {paths[0]} does not exist")
        named.update(found)
    for package in PACKAGES:
        for module in sorted((root / package).rglob("*.py")):
            relative = module.relative_to(root).as_posix()
            if module.name == "__init__.py" or relative.startswith("storage/migrations/"):
                continue
            if relative not in named:
                problems.append(f"{relative} is not named in the README's Layout")
    return problems


def test_the_layout_names_every_module_and_only_what_exists() -> None:
    problems = layout_problems((ROOT / "README.md").read_text(encoding="utf-8"), ROOT)
    assert problems == [], "\n".join(problems)


def test_the_layout_check_sees_a_missing_module_and_a_stale_name(tmp_path: Path) -> None:
    for path in ("bot/app.py", "bot/listeners/home.py", "bot/listeners/__init__.py", "scoring/engine.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    readme = (
        "# x\n\n## Layout\n\n"
        "- `bot/` — the app (`app.py`, `gone.py`) and\n  `listeners/` (`listeners/home.py`).\n"
        "- `scoring/` — the engine.\n\n"
        "Of `bot/app.py`; `tests/` and `scoring/engine.py` elsewhere.\n\n"
        "| a | in `bot/listeners/` (`home.py`, `actions.py`) |\n\n## Next\n\n- `bot/` `nope.py`\n"
    )
    assert layout_problems(readme, tmp_path) == [
        "`gone.py` is named but bot/gone.py does not exist",
        "`tests/` is named but tests/ does not exist",
        "`actions.py` is named but bot/listeners/actions.py does not exist",
    ]
    readme = readme.replace("and `scoring/engine.py` elsewhere", "elsewhere")
    assert layout_problems(readme, tmp_path)[-1] == "scoring/engine.py is not named in the README's Layout"


def test_the_in_slack_table_has_a_row_for_every_subcommand() -> None:
    from bot.listeners.commands.registry import SUBCOMMANDS

    table = section((ROOT / "README.md").read_text(encoding="utf-8"), "In Slack")
    rows = re.findall(r"^\| `/maturity (\w+)", table, re.M)
    assert rows == [s.name for s in SUBCOMMANDS if s.name in rows]  # in the registry's order
    assert set(rows) == {s.name for s in SUBCOMMANDS}
