"""Simulator of the household-registration system (公安户籍).

Contract (JSON, UTF-8)::

    GET /households/by-id-number/{id_number}
        200 {"id": "hh-000001", "id_number": "...", "household_number": "210311...",
             "head_name": "...", "relation_to_head": "子" | "女" | "孙子" | "孙女",
             "registered_address": "...", "division_code": "210311",
             "household_type": "1" | "2", "move_in_date": "YYYY-MM-DD",
             "name": "...", "birth_date": "YYYY-MM-DD", "sex": "1" | "2"}
        404 {"error": "not found"}  no household proof for that ID number
    GET /households/changes         change feed (see adapters.simulators.common)

``household_type`` is the 户口性质 code (1 agricultural, 2 non-agricultural);
``division_code`` is the GB/T 2260 code of the registered address; ``name``,
``birth_date`` and ``sex`` are the person as registered (optional in the contract).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from aiohttp import web

from adapters.simulators.common import (
    ChangeFeed,
    JsonRecord,
    StudentSeed,
    feed_handler,
    not_found,
    person_name,
    student_rng,
)
from adapters.simulators.faults import FaultConfig, FaultInjector

SYSTEM = "household"
# 鞍山市 divisions (DOMAIN §3); most students are registered in 千山区.
_DIVISIONS = (
    ("210311", "千山区", 0.7),
    ("210302", "铁东区", 0.1),
    ("210303", "铁西区", 0.1),
    ("210304", "立山区", 0.1),
)
_STREETS = ("千山路", "胜利路", "建国路", "园林路", "鞍千路", "汤岗子街")
# 与户主关系 by the student's sex: child of the head, or grandchild.
_CHILD = {"1": "子", "2": "女"}
_GRANDCHILD = {"1": "孙子", "2": "孙女"}


class HouseholdSimulator:
    """Household proofs for the seeded students, with a change feed."""

    def __init__(
        self,
        students: Sequence[StudentSeed],
        *,
        seed: int = 0,
        faults: FaultConfig | None = None,
        as_of: date = date(2025, 9, 1),
    ) -> None:
        self.faults = FaultInjector(faults or FaultConfig())
        self.feed = ChangeFeed()
        self._as_of = as_of
        for index, student in enumerate(students, start=1):
            self.feed.put(_household(f"hh-{index:06d}", student, seed, as_of))

    def app(self) -> web.Application:
        app = web.Application()
        self.faults.install(app)
        app.router.add_get("/households/by-id-number/{id_number}", self._lookup)
        app.router.add_get("/households/changes", feed_handler(self.feed))
        return app

    def move(self, id_number: str, address: str, division_code: str) -> None:
        """The student's household moved: a new version enters the feed."""
        record = self._record(id_number)
        self.feed.put(
            {
                **record,
                "registered_address": address,
                "division_code": division_code,
                "move_in_date": self._as_of.isoformat(),
            }
        )

    def remove(self, id_number: str) -> None:
        """The proof was withdrawn (户口迁出): a tombstone enters the feed."""
        self.feed.delete(self._record(id_number)["id"])

    def _record(self, id_number: str) -> JsonRecord:
        found = self.feed.where("id_number", id_number)
        if not found:
            raise KeyError(id_number)
        return found[0]

    async def _lookup(self, request: web.Request) -> web.Response:
        found = self.feed.where("id_number", request.match_info["id_number"])
        return web.json_response(found[0]) if found else not_found()


def _household(
    record_id: str, student: StudentSeed, seed: int, as_of: date
) -> JsonRecord:
    rng = student_rng(seed, SYSTEM, student)
    draw = rng.random()
    code, district = _DIVISIONS[-1][:2]
    for division, name, share in _DIVISIONS:
        if draw < share:
            code, district = division, name
            break
        draw -= share
    surname = student.name[0]
    relations = _GRANDCHILD if rng.random() < 0.2 else _CHILD
    lived = max((as_of - student.birth_date).days, 1)
    moved_in = student.birth_date + timedelta(days=rng.randint(0, lived))
    street = rng.choice(_STREETS)
    return {
        "id": record_id,
        "id_number": student.id_number,
        "household_number": f"{code}{rng.randint(0, 999_999):06d}",
        "head_name": person_name(rng, surname),
        "relation_to_head": relations[student.sex],
        "registered_address": (
            f"辽宁省鞍山市{district}{street}{rng.randint(1, 300)}号"
            f"{rng.randint(1, 6)}单元{rng.randint(101, 1802)}室"
        ),
        "division_code": code,
        "household_type": "2" if rng.random() < 0.7 else "1",
        "move_in_date": moved_in.isoformat(),
        "name": student.name,
        "birth_date": student.birth_date.isoformat(),
        "sex": student.sex,
    }
