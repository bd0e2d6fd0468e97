"""The environment of a child process that runs the product (``maturity serve``, ``socket``, ``migrate``…).

One rule for the tests and the benchmarks: the child inherits this process's environment (PATH, the
virtualenv, ``MATURITY_TEST_*``) minus everything that could change the app's behaviour behind the
test's back — every setting the app reads (:class:`bot.config.Settings`), any other ``SLACK_*``
variable, and proxies (the child talks to 127.0.0.1 only) — plus the settings the caller names.
Standard library and ``bot.config`` only, so the benchmarks can use it without pytest.
"""

from __future__ import annotations

import os

from bot.config import Settings

__all__ = ["child_env"]

# pydantic-settings matches variable names case-insensitively.
_SETTINGS = frozenset(name.upper() for name in Settings.model_fields)


def _inherited(name: str) -> bool:
    upper = name.upper()
    return upper not in _SETTINGS and not upper.startswith("SLACK_") and "PROXY" not in upper


def child_env(**settings: str) -> dict[str, str]:
    """This process's environment without the app's settings, Slack variables or proxies, plus ``settings``."""
    env = {name: value for name, value in os.environ.items() if _inherited(name)}
    env.update(settings)
    return env
