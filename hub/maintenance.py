"""Offline jobs: verifying the audit chain, rotating the field key."""

from __future__ import annotations

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.crypto import CryptoError, FieldCrypto, NumberSealer
from db.engine import begin_write, make_engine, make_sessionmaker
from db.models import AuditEvent, Guardian, Student
from hub.settings import Settings, decode_key
from resolvers.access import event_content
from rules.audit import ChainFault, verify_chain

BATCH = 500


async def verify_audit(settings: Settings) -> list[ChainFault]:
    """Walk the whole chain in id order and report every broken link."""
    engine = make_engine(settings.database_url, field_key=settings.field_key_bytes())
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
    current = settings.field_key_bytes()
    crypto = FieldCrypto(current, old_keys=(decode_key(old_key),))
    engine = make_engine(settings.database_url, field_key=settings.field_key_bytes())
    count = 0
    try:
        async with make_sessionmaker(engine)() as session:
            await begin_write(session)
            for model in (Student, Guardian):
                count += await _reseal_ids(session, model, crypto)
            old, new = NumberSealer(decode_key(old_key)), NumberSealer(current)
            for table, column in SEALED_COLUMNS:
                count += await _reseal_numbers(session, table, column, old, new)
            await session.commit()
    finally:
        await engine.dispose()
    return count


async def _reseal_ids(
    session: AsyncSession, model: type[Student] | type[Guardian], crypto: FieldCrypto
) -> int:
    # Column reads only: loading whole rows would open sealed student numbers
    # with the new key before they are re-sealed.
    rows = (
        await session.execute(
            select(model.id, model.id_number_cipher).where(
                model.id_number_cipher.is_not(None)
            )
        )
    ).all()
    for pk, cipher in rows:
        if cipher is None:
            continue
        plain = crypto.decrypt(cipher)
        await session.execute(
            update(model)
            .where(model.id == pk)
            .values(
                id_number_cipher=crypto.encrypt(plain),
                id_number_hash=crypto.lookup_hash(plain),
            )
        )
    return len(rows)


# Columns sealed by db.base.SealedString, re-sealed under the new key.
SEALED_COLUMNS = (("students", "student_number"), ("student_numbers", "number"))


async def _reseal_numbers(
    session: AsyncSession,
    table: str,
    column: str,
    old: NumberSealer,
    new: NumberSealer,
) -> int:
    # Plain SQL on purpose: the mapped column would open the text with the
    # engine's (new) key, which cannot read what the old key sealed.
    rows = (await session.execute(text(f"SELECT id, {column} FROM {table}"))).all()
    for pk, sealed in rows:
        plain = _open_either(sealed, old, new)
        await session.execute(
            text(f"UPDATE {table} SET {column} = :value WHERE id = :pk"),
            {"value": new.seal(plain), "pk": pk},
        )
    return len(rows)


def _open_either(sealed: str, old: NumberSealer, new: NumberSealer) -> str:
    try:
        return old.open(sealed)
    except CryptoError:
        return new.open(sealed)
