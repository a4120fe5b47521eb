"""Bearer tokens and the principal they stand for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt

from rules.access import SCHOOL_ROLES, Principal, Role

ALGORITHM = "HS256"
ISSUER = "xueji-hub"


class AuthError(Exception):
    """The token is missing, malformed, forged, expired or incomplete."""


def mint_token(principal: Principal, key: str, *, ttl: timedelta) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": ISSUER,
        "sub": principal.subject,
        "role": principal.role.value,
        "iat": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    optional = {
        "district": principal.district,
        "school": principal.school,
        "class": principal.class_id,
        "approval": principal.approval,
    }
    claims.update({k: v for k, v in optional.items() if v is not None})
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def read_token(token: str, key: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "role", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthError("token expired") from exc
    except jwt.InvalidTokenError as exc:
        raise AuthError("invalid token") from exc
    try:
        role = Role(claims["role"])
    except ValueError as exc:
        raise AuthError("unknown role") from exc
    principal = Principal(
        subject=str(claims["sub"]),
        role=role,
        district=_opt_str(claims.get("district")),
        school=_opt_str(claims.get("school")),
        class_id=_opt_int(claims.get("class")),
        approval=_opt_str(claims.get("approval")),
    )
    check_binding(principal)
    return principal


def check_binding(principal: Principal) -> None:
    """Each role must name what it is bound to; a token without it reads nothing."""
    role = principal.role
    if role in SCHOOL_ROLES and principal.school is None:
        raise AuthError(f"{role} token needs a school")
    if role is Role.HEAD_TEACHER and principal.class_id is None:
        raise AuthError("head_teacher token needs a class")
    if role is Role.EXTERNAL and principal.approval is None:
        raise AuthError("external token needs an approval")
    needs_district = {Role.DISTRICT_OFFICER, Role.CITY_OFFICER, Role.SYNC}
    if role in needs_district and principal.district is None:
        raise AuthError(f"{role} token needs a district")


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise AuthError("malformed class claim")
