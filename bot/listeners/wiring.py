"""How a listener module hands Bolt its plain functions.

A listener is a module-level function that takes Bolt's arguments by name (``ack``, ``body``,
``action``, ``view``, ``client``, ``respond``, ``context``: Bolt reads the names off the signature)
and, keyword-only after them, the process's :class:`~bot.services.Services`. A module's
``register(app, services)`` only wires: ``app.action(ID)(with_services(on_click, services))``.
Tests call the functions directly with their own arguments.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.services import Services


def with_services(listener: Callable[..., None], services: Services) -> Callable[..., None]:
    """``listener`` with ``services=services`` bound: Bolt sees only its positional arguments (a
    keyword-only ``services`` is not one of them) and names it by the function in its debug log."""
    bound = functools.partial(listener, services=services)
    bound.__name__ = listener.__name__  # type: ignore[attr-defined]  # a partial takes them
    return bound


Payload = dict[str, Any]
"""A part of Slack's request as Bolt hands it to a listener (``body``, ``action``, ``view``, ``event``,
``command``): JSON, read with ``.get``."""
