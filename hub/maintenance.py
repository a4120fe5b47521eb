"""Offline jobs: verifying the audit chain, rotating the field key."""

from __future__ import annotations

from sqlalchemy import select

from db.crypto import FieldCrypto
from db.engine import begin_write, make_engine, make_sessionmaker
from db.models import AuditEvent, Guardian, Student
from hub.settings import Settings, decode_key
from resolvers.access import event_content
from rules.audit import ChainFault, verify_chain

BATCH = 500


async def verify_audit(settings: Settings) -> list[ChainFault]:
    """Walk the whole chain in id order and report every broken link."""
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            result = await session.stream_scalars(
                select(AuditEvent).order_by(AuditEvent.id)
            )
            rows = [
                (e.id, e.prev_digest, e.digest, event_content(e)) async for e in result
            ]
    finally:
        await engine.dispose()
    return verify_chain(rows)


async def rotate_keys(settings: Settings, old_key: str) -> int:
    """Re-encrypt every ID number under the current key and rehash it."""
    crypto = FieldCrypto(settings.field_key_bytes(), old_keys=(decode_key(old_key),))
    engine = make_engine(settings.database_url)
    count = 0
    try:
        async with make_sessionmaker(engine)() as session:
            await begin_write(session)
            students = await session.scalars(
                select(Student).where(Student.id_number_cipher.is_not(None))
            )
            guardians = await session.scalars(
                select(Guardian).where(Guardian.id_number_cipher.is_not(None))
            )
            for row in [*students, *guardians]:
                count += _reseal(crypto, row)
            await session.commit()
    finally:
        await engine.dispose()
    return count


def _reseal(crypto: FieldCrypto, row: Student | Guardian) -> int:
    if row.id_number_cipher is None:
        return 0
    plain = crypto.decrypt(row.id_number_cipher)
    row.id_number_cipher = crypto.encrypt(plain)
    row.id_number_hash = crypto.lookup_hash(plain)
    return 1
