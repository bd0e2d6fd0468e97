"""The environment of a child process that runs the product (``maturity serve``, ``socket``, ``migrate``…).

One rule for the tests and the benchmarks (:func:`child_env`): the child inherits this process's
environment (PATH, the virtualenv, ``MATURITY_TEST_*``) minus everything that could change the app's
behaviour behind the test's back — every setting the app reads (:class:`bot.config.Settings`), any
other ``SLACK_*`` variable, and proxies (the child talks to 127.0.0.1 only) — plus the settings the
caller names. The one exception, the processes started as an operator starts them
(``tests/reliability/test_as_shipped.py``), inherit almost nothing (:func:`operator_env`).
Standard library and ``bot.config`` only, so the benchmarks can use it without pytest.
"""

from __future__ import annotations

import os

from bot.config import Settings

__all__ = ["child_env", "operator_env"]

# What a process started by hand or by a container has of its own: the locale, a home, a temp folder.
_OPERATOR = ("LANG", "LC_ALL", "HOME", "TMPDIR")

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


def operator_env(bin_dir: str | os.PathLike[str], **settings: str) -> dict[str, str]:
    """Only this process's locale, HOME and TMPDIR, PATH with ``bin_dir`` first (the venv's
    ``maturity``, as in the image), plus ``settings``: what an operator's shell or the image gives."""
    env = {name: value for name, value in os.environ.items() if name in _OPERATOR}
    env["PATH"] = f"{os.fspath(bin_dir)}{os.pathsep}{os.environ.get('PATH', '')}"
    env.update(settings)
    return env
