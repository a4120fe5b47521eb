"""Adapter of the household-registration system (公安户籍): household proofs.

The proof goes into archive category 2 and decides transfer routes (第十四、十五条).
The JSON contract is in ``adapters.simulators.household``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from adapters.http import AdapterClient, Page
from adapters.records import FieldReader, HouseholdProof

SOURCE = "household"
HOUSEHOLD_TYPES = frozenset({"1", "2"})
SEXES = frozenset({"1", "2"})
_DIVISION_CODE = re.compile(r"\d{6}")


class HouseholdAdapter(AdapterClient):
    """Looks up household proofs by ID number and reads their change feed."""

    system = SOURCE

    async def lookup(self, id_number: str) -> HouseholdProof:
        """The proof for one ID number; ``NotFound`` when the system has none.

        A record that does not map raises its ``MappingFault``.
        """
        path = f"/households/by-id-number/{quote(id_number, safe='')}"
        return map_household(await self.get_json(path))

    def changes(
        self, since: str | None, page_size: int = 100
    ) -> AsyncIterator[Page[HouseholdProof]]:
        """Pages of changed proofs after ``since``, tombstones included."""
        return self.mapped_pages(
            "/households/changes", map_household, since=since, page_size=page_size
        )


def map_household(item: Any) -> HouseholdProof:
    """One household record or tombstone; raises ``MappingFault``."""
    fields = FieldReader.open(item)
    if fields.is_tombstone():
        return HouseholdProof(
            source=SOURCE, source_record_id=fields.record_id, deleted=True
        )
    return HouseholdProof(
        source=SOURCE,
        source_record_id=fields.record_id,
        id_number=fields.id_number(),
        household_number=fields.text("household_number"),
        head_name=fields.text("head_name"),
        relation_to_head=fields.text("relation_to_head"),
        registered_address=fields.text("registered_address"),
        division_code=fields.matching("division_code", _DIVISION_CODE),
        household_type=fields.choice("household_type", HOUSEHOLD_TYPES),
        move_in_date=fields.optional_date("move_in_date"),
        name=fields.optional_text("name"),
        birth_date=fields.optional_date("birth_date"),
        sex=fields.choice("sex", SEXES) if fields.optional_text("sex") else None,
    )
