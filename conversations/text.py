"""Text a member typed, shown back to them: clipped, so a 5,000-character input is never echoed whole."""

from __future__ import annotations

ECHO_LIMIT = 40


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` if it has at most ``limit`` characters, else its first ``limit - 1`` and "…"."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
