"""The record card (学籍卡): PDF over HTTP, the same field checks as GraphQL,
an audited read, and the former school's export after a transfer (C06)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from db.models import AuditEvent, Enrolment, Student
from hub import record_card as card_module
from resolvers.archive_card import record_card
from resolvers.context import RequestContext
from rules.access import Principal
from tests.conftest import Hub
from tests.resolvers.archive_support import (
    NOW,
    OFFICER,
    PRIMARY,
    Pupil,
    execute,
    fill_archive,
    head_teacher,
    pupils,
    registrar,
    school_id,
    set_clock,
)


def _has_cjk_font() -> bool:
    try:
        card_module.find_font()
    except card_module.FontMissing:
        return False
    return True


# Printing needs a CJK font from the machine (.ci/run and the Dockerfile
# install fonts-wqy-microhei); without one the route answers 503, tested below.
needs_cjk_font = pytest.mark.skipif(
    not _has_cjk_font(),
    reason="no CJK font: apt-get install fonts-wqy-microhei or set XUEJI_CJK_FONT",
)

MARK = """mutation($input: RecordAttendanceInput!) { recordAttendance(input: $input) {
  userErrors { code } } }"""
FORMER_VISIBLE = [
    "基本信息",
    "就读经历",
    "学籍变动",
    "获奖情况",
    "毕业证书",
    "考勤汇总",
]


async def _filled(hub: Hub) -> Pupil:
    set_clock(hub)
    pupil = (await pupils(hub, PRIMARY, "3-1"))[0]
    await fill_archive(hub, pupil.id, 2, await school_id(hub, PRIMARY))
    return pupil


async def _get(hub: Hub, number: str, principal: Principal | None) -> httpx.Response:
    headers = {}
    if principal is not None:
        headers["authorization"] = f"Bearer {hub.token(principal)}"
    return await hub.client.get(f"/students/{number}/record-card.pdf", headers=headers)


def _context(hub: Hub, principal: Principal, now: datetime = NOW) -> RequestContext:
    state = hub.state
    return RequestContext(
        principal=principal,
        sessionmaker=state.sessionmaker,
        crypto=state.crypto,
        request_id="test",
        now=now,
        settings=state.settings,
    )


@needs_cjk_font
async def test_registrar_downloads_pdf_card(demo: Hub) -> None:
    pupil = await _filled(demo)

    response = await _get(demo, pupil.number, registrar())

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="record-card-{pupil.number}.pdf"'
    )
    assert response.headers["cache-control"] == "no-store"
    assert response.content.startswith(b"%PDF-")


async def test_current_registrar_gets_every_section(demo: Hub) -> None:
    pupil = await _filled(demo)
    ctx = _context(demo, registrar())

    card = await record_card(ctx, pupil.number)
    await ctx.close()

    assert card is not None
    assert [s.withheld for s in card.sections] == [None] * 13
    sections = {s.title: s for s in card.sections}
    assert sections["处分（未撤销）"].rows[0][1:] == ("警告", "多次违反课堂纪律")
    assert sections["享受资助"].rows[0][1] == "免费教科书"
    assert sorted(ctx.audit.notes) == [(pupil.id, "READ", None)]


@needs_cjk_font
async def test_c06_former_school_exports_card(demo: Hub) -> None:
    pupil = await _filled(demo)
    set_clock(demo, datetime(2026, 3, 13, 0, 5, tzinfo=UTC))
    marked = await demo.data(
        MARK,
        registrar(),
        {
            "input": {
                "studentNumber": pupil.number,
                "at": "2026-03-13T08:05:00+08:00",
                "kind": "PRESENT",
            }
        },
    )
    await execute(
        demo,
        update(Enrolment)
        .where(Enrolment.student_id == pupil.id)
        .values(exit_date=date(2026, 3, 13), exit_reason="TRANSFER_OUT"),
    )
    await execute(
        demo,
        update(Student).where(Student.id == pupil.id).values(status="TRANSFERRED_OUT"),
    )
    later = datetime(2026, 4, 20, 2, 0, tzinfo=UTC)
    set_clock(demo, later)
    ctx = _context(demo, registrar(), later)

    response = await _get(demo, pupil.number, registrar())
    card = await record_card(ctx, pupil.number)
    await ctx.close()

    assert marked["recordAttendance"]["userErrors"] == []
    assert response.status_code == 200
    assert card is not None
    shown = [s.title for s in card.sections if s.withheld is None]
    assert shown == FORMER_VISIBLE
    assert {s.withheld for s in card.sections if s.withheld} == {"OUT_OF_SCOPE"}
    sections = {s.title: s for s in card.sections}
    assert ("学籍状态", "转出") in sections["基本信息"].rows
    assert ("出勤", "3") in sections["考勤汇总"].rows


@needs_cjk_font
async def test_card_read_is_audited(demo: Hub) -> None:
    pupil = await _filled(demo)

    await _get(demo, pupil.number, registrar())

    async with demo.state.sessionmaker() as session:
        events = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.student_id == pupil.id)
            )
        ).all()
    fields = [f for e in events for f in e.fields if f.startswith("RecordCard.")]
    assert sorted(fields) == sorted(
        f"RecordCard.{name}"
        for name in (
            "basic",
            "identity",
            "enrolments",
            "changes",
            "proofs",
            "evaluation",
            "health",
            "awards",
            "sanctions",
            "aid",
            "results",
            "certificate",
            "attendance",
        )
    )


async def test_card_refusals_by_status_code(demo: Hub) -> None:
    pupil = await _filled(demo)
    other_school = registrar("2103110002", "reg-2")

    statuses = [
        (await _get(demo, pupil.number, who)).status_code
        for who in (None, head_teacher(pupil.class_id), other_school, OFFICER)
    ]

    assert statuses == [401, 403, 404, 200]


async def test_missing_font_answers_unavailable(
    demo: Hub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pupil = await _filled(demo)
    monkeypatch.delenv(card_module.FONT_ENV, raising=False)
    monkeypatch.setattr(card_module, "BUNDLED_FONTS", tmp_path / "none")
    monkeypatch.setattr(card_module, "SYSTEM_FONTS", ())

    response = await _get(demo, pupil.number, registrar())

    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"] == {"code": "UNAVAILABLE"}
