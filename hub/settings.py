"""Settings from ``XUEJI_`` environment variables, checked once at start-up."""

from __future__ import annotations

import base64
import secrets
from enum import StrEnum
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_FILE = "xueji.sqlite3"


class Environment(StrEnum):
    DEV = "dev"
    PROD = "prod"


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the variable."""


class Settings(BaseSettings):
    """Every knob of the hub; the environment variable is ``XUEJI_`` + the name."""

    model_config = SettingsConfigDict(env_prefix="XUEJI_", extra="ignore")

    env: Environment = Environment.DEV
    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_DATABASE_FILE}"
    # HMAC key for bearer tokens; generated beside the SQLite file in dev.
    token_key: str = ""
    # 32-byte AES-GCM key (base64) for ID numbers, and the keyed-hash key.
    field_key: str = ""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    district_code: str = "210311"
    # Entry-age cutoff (DOMAIN §10): born on or before this month/day of N-6.
    entry_cutoff: str = "08-31"
    max_query_bytes: int = Field(default=100_000, ge=1_000)
    # A JSON body may carry an import file as base64 (6 MB covers the 4 MB cap).
    max_body_bytes: int = Field(default=6_000_000, ge=1_000)
    max_depth: int = Field(default=12, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=5_000, ge=100)
    max_cost: int = Field(default=20_000, ge=100)
    rate_limit_per_minute: int = Field(default=600, ge=1)
    token_ttl_hours: int = Field(default=12, ge=1)
    log_level: str = "INFO"
    # Outside systems of the nightly sync; an empty URL leaves that system out.
    household_url: str = ""
    health_url: str = ""
    awards_url: str = ""
    # When ``xueji schedule`` runs the sync each day, HH:MM in Asia/Shanghai.
    sync_at: str = "02:30"
    sync_page_size: int = Field(default=200, ge=1, le=500)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        return value

    @field_validator("district_code")
    @classmethod
    def _six_digits(cls, value: str) -> str:
        if len(value) != 6 or not value.isdigit():
            raise ValueError("must be a six-digit GB/T 2260 division code")
        return value

    @field_validator("sync_at")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        hours, _, minutes = value.partition(":")
        if not (
            len(hours) == 2
            and len(minutes) == 2
            and hours.isdigit()
            and minutes.isdigit()
            and int(hours) < 24
            and int(minutes) < 60
        ):
            raise ValueError("must be a time of day as HH:MM")
        return value

    @field_validator("field_key")
    @classmethod
    def _aes_key(cls, value: str) -> str:
        if value and len(decode_key(value)) != 32:
            raise ValueError("must be 32 bytes, base64-encoded")
        return value

    @model_validator(mode="after")
    def _prod_needs_keys(self) -> Settings:
        if self.env is Environment.PROD:
            missing = [
                name for name in ("token_key", "field_key") if not getattr(self, name)
            ]
            if missing:
                raise ValueError(
                    "production needs "
                    + ", ".join("XUEJI_" + n.upper() for n in missing)
                )
        return self

    @property
    def is_dev(self) -> bool:
        return self.env is Environment.DEV

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        path = self.database_url.split("///", 1)[-1]
        return None if path in ("", ":memory:") else Path(path)

    def field_key_bytes(self) -> bytes:
        return decode_key(self.field_key)


def decode_key(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value.encode() + b"=" * (-len(value) % 4))
    except ValueError:
        return b""


def load_settings(**overrides: object) -> Settings:
    """Read the environment; raise ``SettingsError`` naming each wrong variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None
    if settings.is_dev:
        settings = _with_dev_keys(settings)
    return settings


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        name = "XUEJI_" + loc[0].upper() if loc else "XUEJI_*"
        reason = error["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {reason}")
    return "invalid settings:\n  " + "\n  ".join(lines)


def _with_dev_keys(settings: Settings) -> Settings:
    """In dev, generate missing keys once and keep them beside the SQLite file."""
    if settings.token_key and settings.field_key:
        return settings
    base = settings.sqlite_path
    folder = base.parent if base is not None else Path(".")
    key_file = folder / ".xueji-dev-keys"
    if key_file.exists():
        token_key, field_key = key_file.read_text().split()[:2]
    else:
        token_key = secrets.token_urlsafe(32)
        field_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        folder.mkdir(parents=True, exist_ok=True)
        key_file.write_text(f"{token_key}\n{field_key}\n")
        key_file.chmod(0o600)
    return settings.model_copy(
        update={
            "token_key": settings.token_key or token_key,
            "field_key": settings.field_key or field_key,
        }
    )
