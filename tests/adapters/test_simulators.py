"""Simulators: seeded data, change feeds and fault injection."""

from __future__ import annotations

import time
from datetime import date

import aiohttp
import pytest
from stdnum.cn import ric

from adapters.errors import BadRequest, MalformedResponse, TemporaryError
from adapters.household import HouseholdAdapter
from adapters.http import ClientConfig
from adapters.simulators import (
    HANG,
    PASS,
    TRUNCATE,
    AwardsSimulator,
    Fault,
    FaultConfig,
    HealthSimulator,
    HouseholdSimulator,
    make_students,
    serve,
)
from adapters.simulators.faults import FaultInjector
from tests.adapters.conftest import FakeClock

STUDENTS = make_students(6, seed=3)


def test_generated_students_have_valid_numbers() -> None:
    numbers = [s.id_number for s in STUDENTS]
    parity = [int(s.id_number[16]) % 2 for s in STUDENTS]

    assert [ric.is_valid(n) for n in numbers] == [True] * 6
    assert len(set(numbers)) == 6
    assert parity == [1 if s.sex == "1" else 0 for s in STUDENTS]
    assert [s.id_number[6:14] for s in STUDENTS] == [
        f"{s.birth_date:%Y%m%d}" for s in STUDENTS
    ]


def test_same_seed_gives_same_data() -> None:
    def snapshot(seed: int) -> list[object]:
        health = HealthSimulator(STUDENTS, seed=seed)
        return [
            list(HouseholdSimulator(STUDENTS, seed=seed).feed.current()),
            list(health.checks.current()),
            list(health.fitness.current()),
            list(health.vaccinations.current()),
            list(AwardsSimulator(STUDENTS, seed=seed).feed.current()),
        ]

    assert snapshot(7) == snapshot(7)
    assert snapshot(7) != snapshot(8)
    assert make_students(6, seed=3) == STUDENTS


def test_data_stays_before_as_of() -> None:
    as_of = date(2025, 9, 1)
    health = HealthSimulator(STUDENTS, as_of=as_of)
    dates = [r["examined_on"] for r in health.checks.current()]
    dates += [r["date"] for r in health.vaccinations.current()]

    assert max(dates) <= as_of.isoformat()


def test_seeded_fault_rates_repeat() -> None:
    config = FaultConfig(error_rate=0.3, rate_limit_rate=0.2, truncate_rate=0.1, seed=5)

    def draws() -> list[str]:
        injector = FaultInjector(config)
        return [injector.next_fault().kind for _ in range(40)]

    assert draws() == draws()
    assert set(draws()) == {"none", "error", "rate_limit", "truncate"}


async def test_fault_script_runs_in_order() -> None:
    script = (Fault.error(503), Fault.rate_limit(2), Fault.error(500), PASS)
    simulator = HouseholdSimulator(STUDENTS, faults=FaultConfig(script=script))
    path = f"/households/by-id-number/{STUDENTS[0].id_number}"
    seen = []
    async with serve(simulator.app()) as url, aiohttp.ClientSession() as session:
        for _ in range(5):
            async with session.get(url + path) as response:
                seen.append((response.status, response.headers.get("Retry-After")))

    assert seen == [(503, None), (429, "2"), (500, None), (200, None), (200, None)]
    assert [r.fault for r in simulator.faults.requests] == [
        "error",
        "rate_limit",
        "error",
        "none",
        "none",
    ]


async def test_adapter_rides_out_injected_faults(clock: FakeClock) -> None:
    script = (Fault.error(503), Fault.rate_limit(3), Fault.error(502))
    simulator = HouseholdSimulator(STUDENTS, faults=FaultConfig(script=script))
    async with serve(simulator.app()) as url:
        config = ClientConfig(url, max_attempts=4)
        async with HouseholdAdapter(config, sleep=clock.sleep) as adapter:
            proof = await adapter.lookup(STUDENTS[0].id_number)

    assert proof.id_number == STUDENTS[0].id_number
    assert len(simulator.faults.requests) == 4
    assert clock.sleeps[1] >= 3.0


async def test_truncated_answer_is_malformed(clock: FakeClock) -> None:
    faults = FaultConfig(script=(TRUNCATE,))
    simulator = HouseholdSimulator(STUDENTS, faults=faults)
    async with (
        serve(simulator.app()) as url,
        HouseholdAdapter(ClientConfig(url), sleep=clock.sleep) as adapter,
    ):
        with pytest.raises(MalformedResponse):
            await adapter.lookup(STUDENTS[0].id_number)

    assert len(simulator.faults.requests) == 1


async def test_hang_outlasts_client_timeout(clock: FakeClock) -> None:
    faults = FaultConfig(script=(HANG,), hang_seconds=30.0)
    simulator = HouseholdSimulator(STUDENTS, faults=faults)
    started = time.monotonic()
    async with serve(simulator.app()) as url:
        config = ClientConfig(url, read_timeout=0.1, max_attempts=2)
        async with HouseholdAdapter(config, sleep=clock.sleep) as adapter:
            proof = await adapter.lookup(STUDENTS[0].id_number)

    assert proof.id_number == STUDENTS[0].id_number
    assert [r.fault for r in simulator.faults.requests] == ["hang", "none"]
    # The hanging handler is released when the simulator stops.
    assert time.monotonic() - started < 5.0


async def test_latency_delays_every_answer() -> None:
    simulator = AwardsSimulator(STUDENTS, faults=FaultConfig(latency=0.05))
    async with serve(simulator.app()) as url, aiohttp.ClientSession() as session:
        started = time.monotonic()
        async with session.get(url + "/awards/changes") as response:
            await response.read()
        elapsed = time.monotonic() - started

    assert elapsed >= 0.05


@pytest.mark.parametrize(
    "query",
    [{"limit": "0"}, {"limit": "9999"}, {"since": "x"}, {"cursor": "zz"}],
)
async def test_bad_feed_position_is_refused(query: dict[str, str]) -> None:
    simulator = HouseholdSimulator(STUDENTS)
    async with (
        serve(simulator.app()) as url,
        HouseholdAdapter(ClientConfig(url)) as adapter,
    ):
        with pytest.raises(BadRequest):
            await adapter.get_json("/households/changes", params=query)


async def test_full_error_rate_fails_requests() -> None:
    simulator = HealthSimulator(STUDENTS, faults=FaultConfig(error_rate=1.0))
    async with (
        serve(simulator.app()) as url,
        HouseholdAdapter(ClientConfig(url, max_attempts=1)) as adapter,
    ):
        with pytest.raises(TemporaryError):
            await adapter.get_json("/changes/health-checks")

    assert [r.path for r in simulator.faults.requests] == ["/changes/health-checks"]
