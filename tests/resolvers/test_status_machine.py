"""A state machine drives random sequences of status changes through GraphQL
against a real database and checks after every step: exactly one active
episode while the student is on a roll and none otherwise, episodes that
never overlap, one open placement while studying, and a log that replays
through the transition table to the current status."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from typing import Any

from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from db.models import (
    Enrolment,
    Placement,
    School,
    Workflow,
    WorkflowStep,
)
from hub.people import id_number
from hub.settings import Settings
from rules.access import Principal, Role
from rules.status import ON_ROLL_STATUSES, StudentStatus
from tests.resolvers.test_status_support import (
    MACHINE_SCHOOLS,
    OFFICER,
    TRANSFER_DOCS,
    World,
    add_student,
    leader,
    mutate,
    registrar,
    replays,
    set_clock,
    status_of,
)

START = dt.date(2026, 10, 12)
CERTIFICATE = {"hospitalLevel": "CITY", "issuedOn": "2026-10-09"}
REST = [{"start": "2026-09-07", "end": "2026-10-09"}]


class StatusMachine(RuleBasedStateMachine):
    world: World
    loop: asyncio.AbstractEventLoop
    students = 0

    def __init__(self) -> None:
        super().__init__()
        self.day = START
        self.hub = self.world.hub
        first = self.world.classes[("2103110001", 3)]
        StatusMachine.students += 1
        born = dt.date(2017, 6, 12)
        self.student = self._run(
            add_student(
                self.hub,
                "2103110001",
                first,
                entered=dt.date(2024, 9, 1),
                placed=dt.date(2026, 9, 1),
                id_number=id_number("210311", born, StatusMachine.students),
                birth_date=born,
            )
        )
        self.number = self.student.student_number
        self.status = StudentStatus.STUDYING
        self.pending: str | None = None

    def _run(self, work: Any) -> Any:
        return self.loop.run_until_complete(work)

    def _tick(self) -> None:
        self.day += dt.timedelta(days=1)
        set_clock(self.hub, self.day)

    def _mutate(self, name: str, principal: Principal, given: dict[str, Any]) -> Any:
        payload = self._run(mutate(self.hub, name, principal, given))
        self.status = StudentStatus(self._run(status_of(self.hub, self.student.id)))
        self.pending = self._run(self._pending_kind())
        return payload

    async def _pending_kind(self) -> str | None:
        async with self.hub.state.sessionmaker() as session:
            kind = await session.scalar(
                select(Workflow.kind).where(
                    Workflow.student_id == self.student.id,
                    Workflow.state == "PENDING",
                    Workflow.kind != "ARCHIVE_HANDOVER",
                )
            )
            return str(kind) if kind is not None else None

    def _school(self) -> tuple[str, int]:
        """The school and grade the student last had."""

        async def find() -> tuple[str, int]:
            async with self.hub.state.sessionmaker() as session:
                row = (
                    await session.execute(
                        select(School.code, Placement.grade)
                        .join(Enrolment, Enrolment.id == Placement.enrolment_id)
                        .join(School, School.id == Enrolment.school_id)
                        .where(Placement.student_id == self.student.id)
                        .order_by(Placement.start_date.desc(), Placement.id.desc())
                        .limit(1)
                    )
                ).one()
                return str(row[0]), int(row[1])

        result: tuple[str, int] = self._run(find())
        return result

    def _open_step(self, kind: str) -> tuple[str, Principal] | None:
        async def find() -> tuple[int, str, str] | None:
            async with self.hub.state.sessionmaker() as session:
                row = (
                    await session.execute(
                        select(
                            Workflow.id,
                            WorkflowStep.owner_role,
                            WorkflowStep.owner_unit,
                        )
                        .join(WorkflowStep, WorkflowStep.workflow_id == Workflow.id)
                        .where(
                            Workflow.student_id == self.student.id,
                            Workflow.kind == kind,
                            Workflow.state == "PENDING",
                            WorkflowStep.decision.is_(None),
                        )
                        .order_by(WorkflowStep.position)
                        .limit(1)
                    )
                ).first()
                return (int(row[0]), str(row[1]), str(row[2])) if row else None

        found = self._run(find())
        if found is None:
            return None
        pk, role, unit = found
        if role == Role.DISTRICT_OFFICER.value:
            return str(pk), OFFICER
        return str(pk), Principal(f"{role}-{unit}", Role(role), school=unit)

    def _decide(self, name: str, kind: str, approve: bool, **extra: Any) -> None:
        found = self._open_step(kind)
        if found is None:
            return
        pk, principal = found
        decision = "APPROVE" if approve else "REJECT"
        self._tick()
        self._mutate(name, principal, {"workflowId": pk, "decision": decision, **extra})

    def _decide_all(self, name: str, kind: str, approve: bool) -> None:
        """Every step in turn: all approve, or the first rejects."""
        while self.pending == kind:
            self._decide(name, kind, approve)

    @precondition(lambda self: self.status is StudentStatus.STUDYING)
    @rule(target_school=st.sampled_from(sorted(MACHINE_SCHOOLS)))
    def apply_transfer(self, target_school: str) -> None:
        target = target_school
        self._tick()
        given = {
            "studentNumber": self.number,
            "receivingSchoolCode": target,
            "reason": "FAMILY_MOVE",
            "documents": TRANSFER_DOCS,
        }
        self._mutate("applyTransfer", registrar(target), given)

    @precondition(lambda self: self.pending == "TRANSFER")
    @rule(approve=st.booleans() | st.just(True))
    def decide_transfer(self, approve: bool) -> None:
        found = self._open_step("TRANSFER")
        extra: dict[str, Any] = {}
        if found is not None and found[1].role is Role.SCHOOL_LEADER:
            school, grade = found[1].school or "", self._school()[1]
            extra["classId"] = str(self.world.classes.get((school, grade), 0))
        self._decide("decideTransferStep", "TRANSFER", approve, **extra)

    @precondition(lambda self: self.status is StudentStatus.TRANSFER_PENDING)
    @rule()
    def cancel_transfer(self) -> None:
        found = self._open_step("TRANSFER")
        if found is not None:
            self._tick()
            self._mutate("cancelTransfer", OFFICER, {"workflowId": found[0]})

    @precondition(lambda self: self.status is StudentStatus.STUDYING)
    @rule()
    def apply_suspension(self) -> None:
        self._tick()
        school, _ = self._school()
        given = {
            "studentNumber": self.number,
            "reason": "ILLNESS_OTHER",
            "startDate": self.day.isoformat(),
            "certificate": CERTIFICATE,
            "restPeriods": REST,
        }
        self._mutate("applySuspension", registrar(school), given)

    @precondition(lambda self: self.pending == "SUSPENSION")
    @rule(approve=st.booleans() | st.just(True))
    def decide_suspension(self, approve: bool) -> None:
        self._decide_all("decideSuspension", "SUSPENSION", approve)

    @precondition(lambda self: self.status is StudentStatus.SUSPENDED)
    @rule()
    def apply_resumption(self) -> None:
        self._tick()
        school, grade = self._school()
        given = {
            "studentNumber": self.number,
            "classId": str(self.world.classes[(school, grade)]),
            "effectiveDate": self.day.isoformat(),
            "certificate": CERTIFICATE,
        }
        self._mutate("applyResumption", registrar(school), given)

    @precondition(lambda self: self.pending == "RESUMPTION")
    @rule(approve=st.booleans() | st.just(True))
    def decide_resumption(self, approve: bool) -> None:
        self._decide_all("decideResumption", "RESUMPTION", approve)

    @precondition(lambda self: self.status is StudentStatus.STUDYING)
    @rule()
    def apply_grade_skip(self) -> None:
        self._tick()
        school, grade = self._school()
        target = self.world.classes.get((school, grade + 1), 0)
        given = {
            "studentNumber": self.number,
            "toClassId": str(target),
            "effectiveDate": self.day.isoformat(),
        }
        self._mutate("applyGradeSkip", registrar(school), given)

    @precondition(lambda self: self.pending == "GRADE_SKIP")
    @rule(approve=st.booleans() | st.just(True))
    def decide_grade_skip(self, approve: bool) -> None:
        self._decide_all("decideGradeSkip", "GRADE_SKIP", approve)

    @precondition(
        lambda self: self.status in (StudentStatus.STUDYING, StudentStatus.SUSPENDED)
    )
    @rule()
    def other_leaving(self) -> None:
        self._tick()
        school, _ = self._school()
        given = {
            "studentNumber": self.number,
            "ground": "LEFT_UNREACHABLE",
            "reportedToDistrict": True,
            "leftOn": "2026-06-01",
        }
        self._mutate("recordOtherLeaving", registrar(school), given)

    @precondition(lambda self: self.status is StudentStatus.LEFT_OTHER)
    @rule()
    def reentry(self) -> None:
        self._tick()
        applied = self._mutate("applyReentry", OFFICER, {"studentNumber": self.number})
        if applied["workflow"] is None:
            return
        school, grade = self._school()
        self._tick()
        given = {
            "workflowId": applied["workflow"]["id"],
            "decision": "APPROVE",
            "classId": str(self.world.classes[(school, grade)]),
        }
        self._mutate("decideReentry", leader(school), given)

    @invariant()
    def one_active_episode_while_on_roll(self) -> None:
        rows = self._run(self._episodes())
        active = [r for r in rows if r[1] is None]
        expected = 1 if self.status in ON_ROLL_STATUSES else 0
        assert len(active) == expected, (self.status, rows)
        for (_, before_exit), (after_entry, _) in itertools.pairwise(rows):
            assert before_exit is not None and before_exit < after_entry, rows

    @invariant()
    def one_open_placement_while_studying(self) -> None:
        open_count = self._run(self._open_placements())
        on_class = self.status in (
            StudentStatus.STUDYING,
            StudentStatus.TRANSFER_PENDING,
        )
        assert open_count == (1 if on_class else 0), (self.status, open_count)

    @invariant()
    def log_replays_to_status(self) -> None:
        assert self._run(replays(self.hub, self.student.id)) is True

    async def _episodes(self) -> list[tuple[dt.date, dt.date | None]]:
        async with self.hub.state.sessionmaker() as session:
            rows = await session.execute(
                select(Enrolment.entry_date, Enrolment.exit_date)
                .where(Enrolment.student_id == self.student.id)
                .order_by(Enrolment.entry_date, Enrolment.id)
            )
            return [(entry, exit) for entry, exit in rows]

    async def _open_placements(self) -> int:
        async with self.hub.state.sessionmaker() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Placement)
                .join(Enrolment, Enrolment.id == Placement.enrolment_id)
                .where(
                    Placement.student_id == self.student.id,
                    Placement.end_date.is_(None),
                    Enrolment.exit_date.is_(None),
                )
            )
            return int(count or 0)


def test_status_changes_keep_episodes_consistent(settings: Settings) -> None:
    loop = asyncio.new_event_loop()
    try:
        world = loop.run_until_complete(World.open(settings))
        StatusMachine.world, StatusMachine.loop = world, loop
        try:
            run_state_machine_as_test(
                StatusMachine,
                settings=settings_for_machine(),
            )
        finally:
            loop.run_until_complete(world.close())
    finally:
        loop.close()


def settings_for_machine() -> hypothesis_settings:
    return hypothesis_settings(
        max_examples=16,
        stateful_step_count=14,
        deadline=None,
        database=None,
        # Bounded run time: a failure is reported as found, without shrinking.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
