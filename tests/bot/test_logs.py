from __future__ import annotations

import json
import logging

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
