"""The audit chain detects tampering; no audit, no data; ID numbers at rest."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import OperationalError

from db.engine import make_engine, make_sessionmaker
from db.models import AuditEvent, Student
from hub import cli
from hub.maintenance import rotate_keys, verify_audit
from resolvers import access as access_module
from rules.access import Principal, Role
from tests.conftest import Hub, is_postgres

OFFICER = Principal("officer", Role.DISTRICT_OFFICER, district="210311")
READ_IDS = "{ students(first: 3) { edges { node { idNumber } } } }"


async def test_reads_leave_a_verifiable_chain(demo: Hub) -> None:
    for _ in range(3):
        await demo.data(READ_IDS, OFFICER)
    async with demo.state.sessionmaker() as session:
        events = list(await session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert len(events) == 9
    assert {(e.action, e.outcome, tuple(e.fields)) for e in events} == {
        ("READ", "READ", ("Student.idNumber",))
    }
    assert await verify_audit(demo.settings) == []


async def test_tampered_row_is_named(
    demo: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):
        await demo.data(READ_IDS, OFFICER)
    async with demo.state.sessionmaker() as session:
        ids = list(await session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))
        victim = ids[2]
        await session.execute(
            update(AuditEvent)
            .where(AuditEvent.id == victim)
            .values(principal="someone")
        )
        await session.commit()
    faults = await verify_audit(demo.settings)
    assert [(f.row_id, f.problem) for f in faults] == [
        (victim, "内容与摘要不符：该记录被修改")
    ]


async def test_deleted_row_breaks_the_link(demo: Hub) -> None:
    for _ in range(2):
        await demo.data(READ_IDS, OFFICER)
    async with demo.state.sessionmaker() as session:
        ids = list(await session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))
        await session.execute(
            text("DELETE FROM audit_events WHERE id = :i"), {"i": ids[1]}
        )
        await session.commit()
    faults = await verify_audit(demo.settings)
    assert [f.row_id for f in faults] == [ids[2]]


def test_cli_audit_verify_reports_intact(
    settings: object,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from db.migrate import upgrade

    url = settings.database_url  # type: ignore[attr-defined]
    upgrade(url)
    monkeypatch.setenv("XUEJI_DATABASE_URL", url)
    assert cli.main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == "audit chain intact"


async def test_no_audit_no_data(demo: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT INTO audit_events", {}, Exception("disk full"))

    monkeypatch.setattr(access_module, "append_events", broken)
    response = await demo.gql(READ_IDS, OFFICER)
    assert response.status_code == 500
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert "audit_events" not in response.text


async def test_id_numbers_are_not_stored_in_clear(demo: Hub) -> None:
    async with demo.state.sessionmaker() as session:
        number = await session.scalar(select(Student.student_number).limit(1))
    assert number is not None
    clear = number[1:].encode()
    if is_postgres():
        async with demo.state.sessionmaker() as session:
            dump = await session.scalar(
                text("SELECT string_agg(t::text, '|') FROM students t")
            )
            numbers = await session.scalar(
                text("SELECT string_agg(t::text, '|') FROM student_numbers t")
            )
        assert number[1:] not in f"{dump}{numbers}"
        return
    path = Path(demo.settings.database_url.split("///", 1)[1])
    async with demo.state.sessionmaker() as session:
        ciphers = list(await session.scalars(select(Student.id_number_cipher)))
    assert all(c is not None and clear not in c for c in ciphers)
    await demo.state.engine.dispose()
    wal = path.with_name(path.name + "-wal")
    raw = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert clear not in raw


async def test_key_rotation_reencrypts(demo: Hub) -> None:
    async with demo.state.sessionmaker() as session:
        number = await session.scalar(select(Student.student_number).limit(1))
    old_key = demo.settings.field_key
    new_key = base64.urlsafe_b64encode(b"n" * 32).decode()
    rotated = demo.settings.model_copy(update={"field_key": new_key})
    count = await rotate_keys(rotated, old_key)
    assert count > 0
    from db.crypto import FieldCrypto

    crypto = FieldCrypto(rotated.field_key_bytes())
    engine = make_engine(rotated.database_url, field_key=rotated.field_key_bytes())
    try:
        async with make_sessionmaker(engine)() as session:
            row = (
                await session.execute(
                    select(Student.id_number_cipher, Student.id_number_hash).where(
                        Student.student_number == number
                    )
                )
            ).one()
    finally:
        await engine.dispose()
    assert number is not None and row[0] is not None
    assert crypto.decrypt(row[0]) == number[1:]
    assert row[1] == crypto.lookup_hash(number[1:])


AUDIT_QUERY = "{ auditEvents(first: 5) { action outcome fields role principal } }"


async def test_auditor_reads_the_log(demo: Hub) -> None:
    await demo.data(READ_IDS, OFFICER)
    auditor = Principal("aud", Role.AUDITOR)
    data = await demo.data(AUDIT_QUERY, auditor)
    assert data["auditEvents"][0] == {
        "action": "READ",
        "outcome": "READ",
        "fields": ["Student.idNumber"],
        "role": "district_officer",
        "principal": "officer",
    }


async def test_registrar_may_not_read_the_log(demo: Hub) -> None:
    registrar = Principal("r", Role.REGISTRAR, school="2103110001")
    body = (await demo.gql(AUDIT_QUERY, registrar)).json()
    assert body["data"] == {"auditEvents": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN_FIELD"]
