from __future__ import annotations

import ast
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import JsonFormatter, redact


def test_tokens_never_reach_a_log_line() -> None:
    record = logging.LogRecord("maturity", logging.INFO, __file__, 1, "calling with %s", ("xoxb-123-456-abcdef",), None)
    record.token = "xapp-1-A0-secretpart"  # an "extra" field
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert "abcdef" not in line and "secretpart" not in line
    assert data["msg"].startswith("calling with xoxb-") and "redacted" in data["msg"]
    assert data["level"] == "info" and data["logger"] == "maturity"


def test_redact_leaves_ordinary_text_alone() -> None:
    assert redact("overall 2.04 — Level 2") == "overall 2.04 — Level 2"
    assert "xoxp-9" not in redact("user token xoxp-9-9-9")


# Keys that logging.LogRecord already has: ``log.info(..., extra={"process": ...})`` raises KeyError
# ("Attempt to overwrite 'process' in LogRecord") at the call, i.e. it crashes whatever logged.
RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
PRODUCT = [Path(__file__).resolve().parents[2] / name for name in ("bot", "conversations", "storage", "scoring")]


def _extra_keys(tree: ast.AST) -> Iterator[tuple[int, object]]:
    """Every key of every ``extra={...}`` literal passed to a call (a logging call or otherwise)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg == "extra" and isinstance(keyword.value, ast.Dict):
                for key in keyword.value.keys:
                    if isinstance(key, ast.Constant):
                        yield key.lineno, key.value


def test_no_log_call_passes_a_key_that_log_records_reserve() -> None:
    found = []
    checked = 0
    for folder in PRODUCT:
        for path in sorted(folder.rglob("*.py")):
            for line, key in _extra_keys(ast.parse(path.read_text(encoding="utf-8"))):
                checked += 1
                if key in RESERVED:
                    found.append(f"{path.relative_to(folder.parent)}:{line}: {key!r}")
    assert checked > 50  # the audit really read the product's logging calls
    assert not found, "extra= keys that logging.LogRecord reserves (KeyError at the call):\n" + "\n".join(found)


def test_the_audit_catches_a_reserved_key() -> None:
    tree = ast.parse('log.info("x", extra={"tick": 1,\n    "process": 2})')
    assert [key for _, key in _extra_keys(tree) if key in RESERVED] == ["process"]
    with pytest.raises(KeyError, match="process"):
        logging.getLogger("maturity.test").makeRecord("n", logging.INFO, "f", 1, "m", (), None, extra={"process": 1})
