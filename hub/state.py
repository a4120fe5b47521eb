"""What the running app holds: settings, engine, schema, keys, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.crypto import FieldCrypto
from hub.limits import RateLimiter
from hub.settings import Settings


def utc_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class HubState:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    crypto: FieldCrypto
    schema: strawberry.Schema
    rate_limiter: RateLimiter
    clock: Callable[[], datetime] = utc_clock
