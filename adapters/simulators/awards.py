"""Simulator of the awards system: honours of district level and above (第二十九条).

Contract (JSON, UTF-8)::

    GET /students/{id_number}/awards
        200 {"items": [{"id": "aw-...", "id_number", "title": "三好学生",
                        "level": "district" | "city" | "province" | "national",
                        "awarded_on": "YYYY-MM-DD", "issuer": "千山区教育局"}]}
        404 {"error": "not found"}  unknown student
    GET /awards/changes    change feed (see adapters.simulators.common); a revoked
                           honour appears as a tombstone
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aiohttp import web

from adapters.simulators.common import (
    ChangeFeed,
    JsonRecord,
    StudentSeed,
    by_student,
    feed_handler,
    not_found,
    student_rng,
)
from adapters.simulators.faults import FaultConfig, FaultInjector

SYSTEM = "awards"
LEVELS = ("district", "city", "province", "national")
_TITLES = ("三好学生", "优秀学生干部", "优秀少先队员", "优秀少先队队长")
_ISSUERS = {
    "district": "千山区教育局",
    "city": "鞍山市教育局",
    "province": "辽宁省教育厅",
    "national": "中国少年先锋队全国工作委员会",
}
_LEVEL_WEIGHTS = (70, 22, 7, 1)


class AwardsSimulator:
    """Honours of the seeded students, with a change feed."""

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
        self._students = by_student(students)
        for index, student in enumerate(students, start=1):
            for record in _awards(f"aw-{index:05d}", student, seed, as_of):
                self.feed.put(record)

    def app(self) -> web.Application:
        app = web.Application()
        self.faults.install(app)
        app.router.add_get("/students/{id_number}/awards", self._awards)
        app.router.add_get("/awards/changes", feed_handler(self.feed))
        return app

    def revoke(self, award_id: str) -> None:
        """The honour was withdrawn: a tombstone enters the feed."""
        self.feed.delete(award_id)

    async def _awards(self, request: web.Request) -> web.Response:
        id_number = request.match_info["id_number"]
        if id_number not in self._students:
            return not_found()
        return web.json_response({"items": self.feed.where("id_number", id_number)})


def _awards(
    prefix: str, student: StudentSeed, seed: int, as_of: date
) -> list[JsonRecord]:
    rng = student_rng(seed, SYSTEM, student)
    records = []
    for number in range(1, rng.choice((0, 0, 1, 1, 2)) + 1):
        level = rng.choices(LEVELS, weights=_LEVEL_WEIGHTS)[0]
        year = as_of.year - rng.randint(0, max(student.grade - 1, 0))
        awarded = date(year, rng.choice((1, 6, 12)), rng.randint(1, 28))
        if awarded > as_of:
            awarded = awarded.replace(year=year - 1)
        records.append(
            {
                "id": f"{prefix}-{number}",
                "id_number": student.id_number,
                "title": rng.choice(_TITLES),
                "level": level,
                "awarded_on": awarded.isoformat(),
                "issuer": _ISSUERS[level],
            }
        )
    return records
