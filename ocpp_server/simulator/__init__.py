"""A charge point simulator (OCPP 1.6J and 2.0.1) for tests, demos and load runs.

``SimulatedCharger`` is one charger; ``fleet.run_fleet`` drives many at once.
"""

from __future__ import annotations

from ocpp_server.simulator.charger import SimulatedCharger
from ocpp_server.simulator.fleet import (
    ChargerSpec,
    Fleet,
    FleetConfig,
    FleetStats,
    run_fleet,
    specs_from_seed,
)
from ocpp_server.simulator.link import CallErrorReply, frame
from ocpp_server.simulator.state import Connector

__all__ = [
    "CallErrorReply",
    "ChargerSpec",
    "Connector",
    "Fleet",
    "FleetConfig",
    "FleetStats",
    "SimulatedCharger",
    "frame",
    "run_fleet",
    "specs_from_seed",
]
