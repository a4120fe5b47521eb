"""The simulators seeded from the hub's own students, for the demo and benchmark.

The simulators must know each student's ID number, so the numbers are decrypted
once here, to seed them; the sync itself matches by keyed hash only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.http import ClientConfig
from adapters.simulators import (
    AwardsSimulator,
    FaultConfig,
    HealthSimulator,
    HouseholdSimulator,
    StudentSeed,
    start_simulator,
)
from adapters.sync import Systems
from db.crypto import FieldCrypto
from db.models import Enrolment, Placement, Student


@dataclass
class Simulators:
    household: HouseholdSimulator
    health: HealthSimulator
    awards: AwardsSimulator


async def simulator_students(
    sessionmaker: async_sessionmaker[AsyncSession], crypto: FieldCrypto
) -> list[StudentSeed]:
    """Every student with an ID number and a current placement, as seeds."""
    query = (
        select(
            Student.id_number_cipher,
            Student.name,
            Student.birth_date,
            Student.sex,
            Placement.grade,
        )
        .join(
            Enrolment,
            and_(Enrolment.student_id == Student.id, Enrolment.exit_date.is_(None)),
        )
        .join(
            Placement,
            and_(Placement.enrolment_id == Enrolment.id, Placement.end_date.is_(None)),
        )
        .where(Student.id_number_cipher.is_not(None))
        .order_by(Student.id)
    )
    seeds = []
    async with sessionmaker() as session:
        for row in await session.execute(query):
            number = crypto.decrypt(row.id_number_cipher)
            seeds.append(
                StudentSeed(number, row.name, row.birth_date, row.sex, row.grade)
            )
    return seeds


def build_simulators(
    students: list[StudentSeed],
    *,
    as_of: date,
    seed: int = 0,
    faults: FaultConfig | None = None,
) -> Simulators:
    return Simulators(
        HouseholdSimulator(students, seed=seed, faults=faults, as_of=as_of),
        HealthSimulator(students, seed=seed, faults=faults, as_of=as_of),
        AwardsSimulator(students, seed=seed, faults=faults, as_of=as_of),
    )


@asynccontextmanager
async def serving(
    simulators: Simulators, *, read_timeout: float = 15.0
) -> AsyncIterator[Systems]:
    """The three simulators on 127.0.0.1, as ``Systems`` for a runner."""
    running = [
        await start_simulator(simulators.household.app()),
        await start_simulator(simulators.health.app()),
        await start_simulator(simulators.awards.app()),
    ]
    try:
        household, health, awards = (
            ClientConfig(r.base_url, read_timeout=read_timeout) for r in running
        )
        yield Systems(household=household, health=health, awards=awards)
    finally:
        for simulator in running:
            await simulator.close()


def vary_registered_names(household: HouseholdSimulator, count: int = 3) -> None:
    """Let a few registered names differ from the records (a 户籍 spelling), so
    the registrar's list of differences has something to show."""
    for record in list(household.feed.current())[:count]:
        name = record.get("name")
        if isinstance(name, str) and name:
            household.feed.put({**record, "name": name[:-1] + "晓"})
