"""The audit chain: each event's digest covers the previous digest and itself.

A changed, removed or inserted row breaks the chain from that row on, which
``verify_chain`` reports by row id (第三十七条: 保密制度, 安全使用).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

GENESIS = "0" * 64


def canonical(content: Mapping[str, Any]) -> bytes:
    """A stable byte form: sorted keys, no spaces, UTF-8; instants in UTC ISO."""
    return json.dumps(
        content,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_plain,
    ).encode()


def _plain(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not canonical: {type(value).__name__}")


def digest(prev_digest: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_digest.encode() + b"|" + canonical(content)).hexdigest()


@dataclass(frozen=True)
class ChainFault:
    row_id: int
    problem: str


def verify_chain(
    rows: Iterable[tuple[int, str, str, Mapping[str, Any]]],
) -> list[ChainFault]:
    """Check ``(id, prev_digest, digest, content)`` rows in id order."""
    faults: list[ChainFault] = []
    expected_prev = GENESIS
    for row_id, prev, stored, content in rows:
        if prev != expected_prev:
            faults.append(ChainFault(row_id, "链接断开：前一条记录被删除、插入或修改"))
        if digest(prev, content) != stored:
            faults.append(ChainFault(row_id, "内容与摘要不符：该记录被修改"))
        expected_prev = stored
    return faults
