"""The ``Node`` interface and opaque global IDs."""

from __future__ import annotations

import base64
import binascii

import strawberry

from resolvers.errors import ClientError
from rules.access import AccessClass
from schema.permissions import classified


@strawberry.interface(description="An object with a global ID.")
class Node:
    @classified(AccessClass.PUBLIC, description="Opaque global ID.")
    def id(self) -> strawberry.ID:
        raise NotImplementedError


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    raw = f"{type_name}:{pk}".encode()
    return strawberry.ID(base64.urlsafe_b64encode(raw).decode().rstrip("="))


def from_global_id(global_id: str) -> tuple[str, int] | None:
    """``(type name, primary key)``, or None for anything malformed."""
    padded = global_id + "=" * (-len(global_id) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, _, pk = raw.partition(":")
    if not type_name or not pk.isdigit() or len(pk) > 18:
        return None
    return type_name, int(pk)


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"c:{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id after which a page starts; a malformed cursor is a client error."""
    if cursor is None:
        return None
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    prefix, _, pk = raw.partition(":")
    if prefix != "c" or not pk.isdigit() or len(pk) > 18:
        raise ClientError("分页游标无效。", field="after")
    return int(pk)
