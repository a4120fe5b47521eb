"""Adapter of the awards system: honours of district level and above.

Only 区级以上 honours go into the electronic 学籍 (第二十九条); a lower-level
honour that arrives anyway is set aside as a mapping fault. The JSON contract is in
``adapters.simulators.awards``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from adapters.errors import MappingFault
from adapters.http import AdapterClient, Page
from adapters.records import AwardRecord, FieldReader

SOURCE = "awards"
LEVELS = ("district", "city", "province", "national")


class AwardsAdapter(AdapterClient):
    """Reads a student's honours and the honours change feed."""

    system = SOURCE

    async def awards(self, id_number: str) -> Page[AwardRecord]:
        """The honours of one student; ``NotFound`` for an unknown student."""
        path = f"/students/{quote(id_number, safe='')}/awards"
        return await self.get_items(path, map_award)

    def changes(
        self, since: str | None, page_size: int = 100
    ) -> AsyncIterator[Page[AwardRecord]]:
        """Pages of changed honours after ``since``; a revoked one is a tombstone."""
        return self.mapped_pages(
            "/awards/changes", map_award, since=since, page_size=page_size
        )


def map_award(item: Any) -> AwardRecord:
    """One honour or tombstone; raises ``MappingFault``."""
    fields = FieldReader.open(item)
    if fields.is_tombstone():
        return AwardRecord(
            source=SOURCE, source_record_id=fields.record_id, deleted=True
        )
    level = fields.text("level")
    if level not in LEVELS:
        raise MappingFault(fields.record_id, "BELOW_DISTRICT_LEVEL", level)
    return AwardRecord(
        source=SOURCE,
        source_record_id=fields.record_id,
        id_number=fields.id_number(),
        title=fields.text("title"),
        level=level,
        awarded_on=fields.required_date("awarded_on"),
        issuer=fields.optional_text("issuer"),
    )
