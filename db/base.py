"""Declarative base, naming conventions and portable column types."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import DateTime, MetaData, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so that migrations diff cleanly on both engines.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC and always read back timezone-aware.

    SQLite keeps no offset (case C16): a naive value read from it would compare
    wrongly with aware ones, so naive input is refused and output is tagged UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("instants must be timezone-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError("expected a datetime from the database driver")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Fixed(TypeDecorator[Decimal]):
    """A decimal with two places, read back as ``Decimal`` on both engines.

    SQLite has no decimal type and SQLAlchemy warns when asked for ``Decimal``
    from it; the value goes through a float of at most 10 digits and is
    quantized back, which is exact for two places.
    """

    impl = Numeric(10, 2, asdecimal=False)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> float | None:
        return None if value is None else float(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal("0.01"))


class NumberSealerLike(Protocol):
    def seal(self, plaintext: str) -> str: ...

    def open(self, sealed: str) -> str: ...


class SealedString(TypeDecorator[str]):
    """Text stored sealed by the engine's ``NumberSealer`` (see db/crypto.py).

    Comparisons in SQL work on the sealed form, since bind values are sealed
    the same way; the engine carries the sealer (``make_engine(sealer=...)``).
    """

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return _sealer(dialect).seal(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return _sealer(dialect).open(str(value))


def _sealer(dialect: Dialect) -> NumberSealerLike:
    sealer: NumberSealerLike | None = getattr(dialect, SEALER_ATTRIBUTE, None)
    if sealer is None:
        raise RuntimeError("this engine was made without the field key")
    return sealer


SEALER_ATTRIBUTE = "xueji_sealer"


def utcnow() -> datetime:
    return datetime.now(UTC)
