"""Simulators of the outside systems, for the tests and the demo.

Each speaks the contract in its module docstring, is seeded from a list of
``StudentSeed`` and a number (same seed, same data) and takes a ``FaultConfig``.
Run one with ``async with serve(simulator.app()) as base_url: ...``.
"""

from adapters.simulators.awards import AwardsSimulator
from adapters.simulators.common import (
    RunningSimulator,
    StudentSeed,
    make_students,
    serve,
    start_simulator,
)
from adapters.simulators.faults import HANG, PASS, TRUNCATE, Fault, FaultConfig
from adapters.simulators.health import HealthSimulator
from adapters.simulators.household import HouseholdSimulator

__all__ = [
    "HANG",
    "PASS",
    "TRUNCATE",
    "AwardsSimulator",
    "Fault",
    "FaultConfig",
    "HealthSimulator",
    "HouseholdSimulator",
    "RunningSimulator",
    "StudentSeed",
    "make_students",
    "serve",
    "start_simulator",
]
