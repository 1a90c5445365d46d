"""This process's identity among the instances of a deployment: ``host:pid``.

Recorded with each charger connection (so a command can be routed to the instance that holds the
socket) and stamped on the background work an instance claims."""

from __future__ import annotations

import os
import socket

INSTANCE_ID = f"{socket.gethostname()}:{os.getpid()}"
