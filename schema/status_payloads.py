"""Payload types of the status mutations and the ids they take."""

from __future__ import annotations

import strawberry

from resolvers.errors import NotFound
from schema.node import from_global_id
from schema.status import StatusPayload


def pk_of(raw: str, type_name: str) -> int:
    """A numeric id or a global ID of ``type_name``."""
    if raw.isdigit():
        return int(raw)
    parsed = from_global_id(raw)
    if parsed is None or parsed[0] != type_name:
        raise NotFound()
    return parsed[1]


def pk_or_none(raw: str | None, type_name: str) -> int | None:
    return pk_of(raw, type_name) if raw is not None else None


@strawberry.type
class ApplyTransferPayload(StatusPayload):
    pass


@strawberry.type
class DecideTransferStepPayload(StatusPayload):
    pass


@strawberry.type
class CancelTransferPayload(StatusPayload):
    pass


@strawberry.type
class ApplySuspensionPayload(StatusPayload):
    pass


@strawberry.type
class DecideSuspensionPayload(StatusPayload):
    pass


@strawberry.type
class ApplySuspensionExtensionPayload(StatusPayload):
    pass


@strawberry.type
class ApplyResumptionPayload(StatusPayload):
    pass


@strawberry.type
class DecideResumptionPayload(StatusPayload):
    pass


@strawberry.type
class RecordDeathPayload(StatusPayload):
    pass


@strawberry.type
class ReportDropoutPayload(StatusPayload):
    pass


@strawberry.type
class RecordOtherLeavingPayload(StatusPayload):
    pass


@strawberry.type
class ApplyReentryPayload(StatusPayload):
    pass


@strawberry.type
class DecideReentryPayload(StatusPayload):
    pass


@strawberry.type
class ApplyGradeSkipPayload(StatusPayload):
    pass


@strawberry.type
class DecideGradeSkipPayload(StatusPayload):
    pass
