"""Archive mutations made at the desk: evaluations, awards, sanctions, results,
fitness tests and aid (第十一、二十七至三十条)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Hub
from tests.resolvers.archive_support import (
    AUDITOR,
    OFFICER,
    PRIMARY,
    Pupil,
    head_teacher,
    leader,
    pupils,
    registrar,
    set_clock,
)

EVALUATE = """mutation($input: RecordEvaluationInput!) { recordEvaluation(input: $input) {
  evaluations { dimension text level provenance { enteredBy } }
  missingDimensions userErrors { code field article } } }"""


async def _pupil(hub: Hub) -> Pupil:
    set_clock(hub)
    return (await pupils(hub, PRIMARY, "3-1"))[0]


def _evaluation(number: str, **extra: Any) -> dict[str, Any]:
    return {
        "studentNumber": number,
        "schoolYear": 2026,
        "term": 1,
        "entries": [
            {"dimension": "MORAL_CHARACTER", "text": "乐于助人。", "level": "GOOD"}
        ],
        **extra,
    }


async def test_head_teacher_records_own_class(demo: Hub) -> None:
    pupil = await _pupil(demo)
    teacher = head_teacher(pupil.class_id)

    data = await demo.data(EVALUATE, teacher, {"input": _evaluation(pupil.number)})

    assert data["recordEvaluation"] == {
        "evaluations": [
            {
                "dimension": "MORAL_CHARACTER",
                "text": "乐于助人。",
                "level": "GOOD",
                "provenance": {"enteredBy": teacher.subject},
            }
        ],
        "missingDimensions": [
            "ACADEMIC_LEVEL",
            "PHYSICAL_MENTAL_HEALTH",
            "ARTISTIC_LITERACY",
            "SOCIAL_PRACTICE",
        ],
        "userErrors": [],
    }


async def test_other_class_teacher_finds_nobody(demo: Hub) -> None:
    pupil = await _pupil(demo)
    other = (await pupils(demo, PRIMARY, "3-2"))[0]

    data = await demo.data(
        EVALUATE, head_teacher(other.class_id), {"input": _evaluation(pupil.number)}
    )

    assert data["recordEvaluation"]["userErrors"] == [
        {"code": "STUDENT_NOT_FOUND", "field": ["studentNumber"], "article": None}
    ]


async def test_evaluation_without_text_is_refused(demo: Hub) -> None:
    pupil = await _pupil(demo)
    entry = {"dimension": "MORAL_CHARACTER", "text": " ", "level": None}

    data = await demo.data(
        EVALUATE, registrar(), {"input": _evaluation(pupil.number, entries=[entry])}
    )

    assert data["recordEvaluation"] == {
        "evaluations": None,
        "missingDimensions": None,
        "userErrors": [
            {
                "code": "EVALUATION_TEXT_MISSING",
                "field": ["entries", "0", "text"],
                "article": "第二十八条",
            }
        ],
    }


AWARD = """mutation($input: RecordAwardInput!) { recordAward(input: $input) {
  award { title levelLabel needsReview postedOn } userErrors { code field } } }"""


async def test_merit_title_needs_review_first(demo: Hub) -> None:
    pupil = await _pupil(demo)
    award = {
        "studentNumber": pupil.number,
        "form": "HONORARY_TITLE",
        "level": "DISTRICT",
        "awardedOn": "2026-10-10",
        "title": "区级三好学生",
    }

    refused = await demo.data(AWARD, registrar(), {"input": award})
    reviewed = {
        **award,
        "democraticReviewOn": "2026-09-20",
        "councilApprovedOn": "2026-09-25",
        "postedOn": "2026-09-28",
    }
    granted = await demo.data(AWARD, registrar(), {"input": reviewed})

    assert refused["recordAward"] == {
        "award": None,
        "userErrors": [{"code": "AWARD_REVIEW_MISSING", "field": ["review"]}],
    }
    assert granted["recordAward"] == {
        "award": {
            "title": "区级三好学生",
            "levelLabel": "区级",
            "needsReview": True,
            "postedOn": "2026-09-28",
        },
        "userErrors": [],
    }


SANCTION = """mutation($input: RecordSanctionInput!) { recordSanction(input: $input) {
  sanction { id kindLabel } userErrors { code article } } }"""
REVOKE = """mutation($input: RevokeSanctionInput!) { revokeSanction(input: $input) {
  revokedSanctionId userErrors { code field } } }"""
SANCTIONS = """query($n: String!) { student(studentNumber: $n) { archive {
  sanctions { kindLabel } } } }"""
HISTORY = """query($n: String!) { sanctionHistory(studentNumber: $n) {
  kind revokedOn revokedBy } }"""


def _sanction(number: str, kind: str) -> dict[str, Any]:
    return {
        "input": {
            "studentNumber": number,
            "kind": kind,
            "reason": "打架",
            "decidedOn": "2026-09-20",
        }
    }


async def test_expulsion_is_refused_in_any_spelling(demo: Hub) -> None:
    pupil = await _pupil(demo)

    answers = [
        (await demo.data(SANCTION, leader(), _sanction(pupil.number, kind)))
        for kind in ("EXPULSION", "开除学籍", "勒令退学")
    ]

    assert [a["recordSanction"] for a in answers] == [
        {
            "sanction": None,
            "userErrors": [{"code": "EXPULSION_FORBIDDEN", "article": "第三十条"}],
        }
    ] * 3


async def test_probation_not_below_grade_five(demo: Hub) -> None:
    pupil = await _pupil(demo)

    data = await demo.data(SANCTION, leader(), _sanction(pupil.number, "PROBATION"))

    assert data["recordSanction"]["userErrors"] == [
        {
            "code": "SANCTION_NOT_ALLOWED_FOR_GRADE",
            "article": "《中小学教育惩戒规则（试行）》",
        }
    ]


async def test_revoked_sanction_leaves_every_view(demo: Hub) -> None:
    pupil = await _pupil(demo)
    recorded = await demo.data(SANCTION, leader(), _sanction(pupil.number, "WARNING"))
    sanction_id = recorded["recordSanction"]["sanction"]["id"]
    revoke = {
        "sanctionId": sanction_id,
        "peerReviewOn": "2026-10-08",
        "schoolApprovedOn": "2026-10-09",
        "revokedOn": "2026-10-10",
    }

    revoked = await demo.data(REVOKE, leader(), {"input": revoke})
    again = await demo.data(REVOKE, leader(), {"input": revoke})
    seen = [
        (await demo.data(SANCTIONS, who, {"n": pupil.number}))["student"]["archive"]
        for who in (leader(), registrar())
    ]
    history = await demo.data(HISTORY, AUDITOR, {"n": pupil.number})
    denied = [
        (await demo.gql(HISTORY, who, {"n": pupil.number})).json()["errors"][0]
        for who in (registrar(), OFFICER)
    ]

    assert revoked["revokeSanction"] == {
        "revokedSanctionId": sanction_id,
        "userErrors": [],
    }
    assert again["revokeSanction"]["userErrors"] == [
        {"code": "SANCTION_ALREADY_REVOKED", "field": ["sanctionId"]}
    ]
    assert seen == [{"sanctions": []}, {"sanctions": []}]
    assert history["sanctionHistory"] == [
        {"kind": "WARNING", "revokedOn": "2026-10-10", "revokedBy": "leader-1"}
    ]
    assert [e["extensions"]["code"] for e in denied] == ["FORBIDDEN_FIELD", "FORBIDDEN"]


async def test_revocation_needs_peer_review(demo: Hub) -> None:
    pupil = await _pupil(demo)
    recorded = await demo.data(SANCTION, leader(), _sanction(pupil.number, "DEMERIT"))
    revoke = {
        "sanctionId": recorded["recordSanction"]["sanction"]["id"],
        "schoolApprovedOn": "2026-10-09",
        "revokedOn": "2026-10-10",
    }

    data = await demo.data(REVOKE, leader(), {"input": revoke})

    assert data["revokeSanction"] == {
        "revokedSanctionId": None,
        "userErrors": [
            {"code": "SANCTION_REVOCATION_REVIEW_MISSING", "field": ["peerReviewOn"]}
        ],
    }


RESULTS = """mutation($input: RecordCourseResultsInput!) {
  recordCourseResults(input: $input) {
    results { course score level passed } userErrors { code field } } }"""


async def test_course_results_checked_and_corrected(demo: Hub) -> None:
    pupil = await _pupil(demo)
    first = [
        {"course": "语文", "schoolYear": 2026, "term": 1, "score": "58"},
        {"course": "美术", "schoolYear": 2026, "term": 1, "level": "PASS"},
    ]
    bad = [{"course": "数学", "schoolYear": 2026, "term": 1, "score": "101"}]
    fixed = [{"course": "语文", "schoolYear": 2026, "term": 1, "score": "61"}]

    recorded = await demo.data(
        RESULTS,
        registrar(),
        {"input": {"studentNumber": pupil.number, "results": first}},
    )
    refused = await demo.data(
        RESULTS, registrar(), {"input": {"studentNumber": pupil.number, "results": bad}}
    )
    corrected = await demo.data(
        RESULTS,
        registrar(),
        {"input": {"studentNumber": pupil.number, "results": fixed}},
    )

    assert recorded["recordCourseResults"]["results"] == [
        {"course": "语文", "score": "58.00", "level": None, "passed": False},
        {"course": "美术", "score": None, "level": "PASS", "passed": True},
    ]
    assert refused["recordCourseResults"]["userErrors"] == [
        {"code": "COURSE_SCORE_OUT_OF_RANGE", "field": ["results", "0", "score"]}
    ]
    assert corrected["recordCourseResults"]["results"] == [
        {"course": "语文", "score": "61.00", "level": None, "passed": True}
    ]


FITNESS = """mutation($input: RecordFitnessTestInput!) { recordFitnessTest(input: $input) {
  fitnessTest { bmi bmiCategory standardScore total band recordMark }
  userErrors { code field } } }"""
GRADE_3 = {
    "BMI": 100,
    "VITAL_CAPACITY": 80,
    "RUN_50M": 90,
    "SIT_AND_REACH": 80,
    "ROPE_SKIPPING": 100,
    "SIT_UPS": 70,
}


def _fitness(number: str, scores: dict[str, int]) -> dict[str, Any]:
    return {
        "input": {
            "studentNumber": number,
            "schoolYear": 2026,
            "testedOn": "2026-10-09",
            "heightCm": "130",
            "weightKg": "28",
            "itemScores": [{"item": k, "points": v} for k, v in scores.items()],
        }
    }


async def test_fitness_test_scored_and_banded(demo: Hub) -> None:
    pupil = await _pupil(demo)

    data = await demo.data(FITNESS, registrar(), _fitness(pupil.number, GRADE_3))

    assert data["recordFitnessTest"] == {
        "fitnessTest": {
            "bmi": "16.60",
            "bmiCategory": "NORMAL",
            "standardScore": "88.00",
            "total": "88.00",
            "band": "GOOD",
            "recordMark": "良好",
        },
        "userErrors": [],
    }


async def test_fitness_item_missing_is_refused(demo: Hub) -> None:
    pupil = await _pupil(demo)
    scores = {k: v for k, v in GRADE_3.items() if k != "SIT_UPS"}

    data = await demo.data(FITNESS, registrar(), _fitness(pupil.number, scores))

    assert data["recordFitnessTest"]["userErrors"] == [
        {"code": "FITNESS_ITEM_MISSING", "field": ["itemScores", "SIT_UPS"]}
    ]


AID = """mutation($input: RecordAidInput!) { recordAid(input: $input) {
  aid { kindLabel amount stage boarding period } userErrors { code field } } }"""


async def test_living_subsidy_needs_recognised_hardship(demo: Hub) -> None:
    pupil = await _pupil(demo)
    grant = {
        "studentNumber": pupil.number,
        "kind": "LIVING_SUBSIDY",
        "forDate": "2026-09-01",
        "amount": "312.50",
        "period": "TERM",
    }

    refused = await demo.data(AID, registrar(), {"input": grant})
    granted = await demo.data(
        AID, registrar(), {"input": {**grant, "hardshipRecognized": True}}
    )
    too_much = await demo.data(
        AID,
        registrar(),
        {"input": {**grant, "hardshipRecognized": True, "amount": "400"}},
    )

    assert refused["recordAid"]["userErrors"] == [
        {"code": "AID_HARDSHIP_NOT_RECOGNIZED", "field": ["hardshipRecognized"]}
    ]
    assert granted["recordAid"] == {
        "aid": {
            "kindLabel": "家庭经济困难学生生活补助",
            "amount": "312.50",
            "stage": "PRIMARY",
            "boarding": False,
            "period": "TERM",
        },
        "userErrors": [],
    }
    assert too_much["recordAid"]["userErrors"] == [
        {"code": "AID_AMOUNT_ABOVE_STANDARD", "field": ["amount"]}
    ]


async def test_head_teacher_may_not_record_aid(demo: Hub) -> None:
    pupil = await _pupil(demo)
    grant = {
        "studentNumber": pupil.number,
        "kind": "FREE_TEXTBOOKS",
        "forDate": "2026-09-01",
    }

    body = (await demo.gql(AID, head_teacher(pupil.class_id), {"input": grant})).json()

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
