"""The stand-in Slack: a fake Slack for the demo, the tests and the benchmarks (never the product).

Modules, each depending only on the ones listed before it (no cycle):

* :mod:`standin.socket_mode` — the Socket Mode WebSocket server (standard library only);
* :mod:`standin.web_api` — the Web API HTTP server, :class:`StandInSlack`; it owns the Socket Mode
  server behind ``apps.connections.open`` (started on first use);
* :mod:`standin.driver` — :class:`SlackDriver`, signed HTTP requests as Slack sends them; it reads the
  workspace through the small :class:`~standin.driver.Workspace` protocol and imports no server;
* :mod:`standin.socket_driver` — :class:`SocketModeDriver`, the same requests as Socket Mode envelopes.
"""

from standin.driver import Response, SlackDriver, Workspace
from standin.socket_driver import SocketModeDriver
from standin.socket_mode import SocketModeServer
from standin.web_api import StandInSlack

__all__ = ["Response", "SlackDriver", "SocketModeDriver", "SocketModeServer", "StandInSlack", "Workspace"]
