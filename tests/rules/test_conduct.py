from datetime import date

import pytest

from rules.archive import ArchiveCategory
from rules.conduct import (
    AWARD_CATEGORY,
    Award,
    AwardForm,
    AwardLevel,
    AwardReview,
    Sanction,
    SanctionKind,
    check_award,
    check_electronic_record,
    check_sanction,
    is_active_sanction,
    needs_review,
    parse_sanction_kind,
    personal_file_sanctions,
    requires_electronic_record,
    revoke_sanction,
)
from rules.errors import RuleViolation, RuleViolations

FULL_REVIEW = AwardReview(date(2025, 6, 2), date(2025, 6, 5), date(2025, 6, 6))


def title(
    name: str, level: AwardLevel = AwardLevel.SCHOOL, review: AwardReview | None = None
) -> Award:
    return Award(AwardForm.HONORARY_TITLE, level, date(2025, 6, 12), name, review)


def test_awards_are_archived_as_awards() -> None:
    assert AWARD_CATEGORY is ArchiveCategory.AWARDS


def test_award_forms_and_levels_labels() -> None:
    assert ([f.label for f in AwardForm], [lv.label for lv in AwardLevel]) == (
        ["公开表扬", "通报表扬", "发奖状（章）", "授予荣誉称号"],
        ["校级", "区级", "市级", "省级", "国家级"],
    )


@pytest.mark.parametrize(
    ("name", "reviewed"),
    [
        ("三好学生", True),
        ("区级三好学生", True),
        ("优秀学生干部", True),
        ("优秀少先队员", True),
        ("优秀少先队队长", True),
        ("书法比赛一等奖", False),
        (None, False),
    ],
)
def test_reviewed_titles_at_any_level(name: str | None, reviewed: bool) -> None:
    assert needs_review(name) is reviewed


def test_reviewed_title_without_review_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_award(title("三好学生", AwardLevel.CITY))
    violation = caught.value
    assert (violation.code, violation.article, violation.field, violation.message) == (
        "AWARD_REVIEW_MISSING",
        "第二十九条",
        ["review"],
        "授予“三好学生”称号缺少：学生民主评议推选、校务会议或行政扩大会议讨论通过、"
        "在学校和社区张榜公示。",
    )


def test_posting_missing_is_named() -> None:
    review = AwardReview(date(2025, 6, 2), date(2025, 6, 5), None)
    with pytest.raises(RuleViolation) as caught:
        check_award(title("优秀少先队员", review=review))
    assert caught.value.message == "授予“优秀少先队员”称号缺少：在学校和社区张榜公示。"


def test_full_review_is_accepted() -> None:
    check_award(title("优秀学生干部", AwardLevel.DISTRICT, FULL_REVIEW))


def test_posting_after_award_is_refused() -> None:
    review = AwardReview(date(2025, 6, 2), date(2025, 6, 5), date(2025, 6, 20))
    with pytest.raises(RuleViolation) as caught:
        check_award(title("三好学生", review=review))
    assert caught.value.code == "AWARD_REVIEW_OUT_OF_ORDER"


def test_approval_before_review_is_refused() -> None:
    review = AwardReview(date(2025, 6, 5), date(2025, 6, 2), date(2025, 6, 6))
    with pytest.raises(RuleViolation) as caught:
        check_award(title("三好学生", review=review))
    assert caught.value.code == "AWARD_REVIEW_OUT_OF_ORDER"


def test_honorary_title_needs_a_name() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_award(title("  "))
    assert (caught.value.code, caught.value.field) == ("AWARD_TITLE_MISSING", ["title"])


def test_praise_needs_no_review() -> None:
    check_award(Award(AwardForm.PUBLIC_PRAISE, AwardLevel.SCHOOL, date(2025, 6, 12)))


@pytest.mark.parametrize(
    ("level", "required"),
    [
        (AwardLevel.SCHOOL, False),
        (AwardLevel.DISTRICT, True),
        (AwardLevel.CITY, True),
        (AwardLevel.PROVINCE, True),
        (AwardLevel.NATIONAL, True),
    ],
)
def test_district_and_higher_need_electronic_record(
    level: AwardLevel, required: bool
) -> None:
    award = Award(
        AwardForm.CERTIFICATE_OR_MEDAL, level, date(2025, 5, 1), "科技节一等奖"
    )
    assert requires_electronic_record(award) is required


def test_missing_district_honour_is_reported() -> None:
    award = Award(AwardForm.CERTIFICATE_OR_MEDAL, AwardLevel.DISTRICT, date(2025, 5, 1))
    with pytest.raises(RuleViolation) as caught:
        check_electronic_record(award, in_electronic_record=False)
    assert (caught.value.code, caught.value.message) == (
        "AWARD_NOT_IN_ELECTRONIC_RECORD",
        "区级荣誉应及时录入电子学籍系统。",
    )


def test_school_honour_may_stay_offline() -> None:
    award = Award(AwardForm.CIRCULATED_PRAISE, AwardLevel.SCHOOL, date(2025, 5, 1))
    check_electronic_record(award, in_electronic_record=False)


def test_sanction_labels_are_chinese() -> None:
    assert [k.label for k in SanctionKind] == ["警告", "严重警告", "记过", "留校察看"]


@pytest.mark.parametrize(
    "value", ["EXPULSION", "expel", "开除学籍", "勒令退学", " 开除 "]
)
def test_expulsion_is_forbidden(value: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        parse_sanction_kind(value)
    violation = caught.value
    assert (violation.code, violation.article, violation.field) == (
        "EXPULSION_FORBIDDEN",
        "第三十条",
        ["kind"],
    )


def test_unknown_sanction_kind_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        parse_sanction_kind("DETENTION")
    assert caught.value.code == "SANCTION_KIND_UNKNOWN"


def test_known_sanction_kind_is_parsed() -> None:
    assert parse_sanction_kind("SERIOUS_WARNING") is SanctionKind.SERIOUS_WARNING


@pytest.mark.parametrize("grade", [5, 6, 7, 9])
def test_probation_from_grade_five(grade: int) -> None:
    check_sanction(SanctionKind.PROBATION, grade)


@pytest.mark.parametrize("grade", [1, 4])
def test_probation_refused_in_lower_grades(grade: int) -> None:
    with pytest.raises(RuleViolation) as caught:
        check_sanction(SanctionKind.PROBATION, grade)
    assert (caught.value.code, caught.value.message) == (
        "SANCTION_NOT_ALLOWED_FOR_GRADE",
        "留校察看仅适用于5年级及以上学生。",
    )


def test_probation_bound_is_a_parameter() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_sanction(SanctionKind.PROBATION, 6, probation_min_grade=7)
    assert caught.value.code == "SANCTION_NOT_ALLOWED_FOR_GRADE"


def test_warning_allowed_in_grade_one() -> None:
    check_sanction(SanctionKind.WARNING, 1)


WARNING = Sanction(SanctionKind.WARNING, date(2025, 3, 10))


def test_revocation_after_review_and_approval() -> None:
    revoked = revoke_sanction(
        WARNING,
        peer_review_on=date(2025, 6, 1),
        school_approved_on=date(2025, 6, 3),
        revoked_on=date(2025, 6, 3),
    )
    assert revoked == Sanction(
        SanctionKind.WARNING, date(2025, 3, 10), date(2025, 6, 3)
    )


def test_revocation_without_review_is_refused() -> None:
    with pytest.raises(RuleViolations) as caught:
        revoke_sanction(
            WARNING,
            peer_review_on=None,
            school_approved_on=None,
            revoked_on=date(2025, 6, 3),
        )
    assert [(v.code, v.field, v.article) for v in caught.value.violations] == [
        ("SANCTION_REVOCATION_REVIEW_MISSING", ["peerReviewOn"], "第三十条"),
        ("SANCTION_REVOCATION_REVIEW_MISSING", ["schoolApprovedOn"], "第三十条"),
    ]


def test_revocation_before_decision_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        revoke_sanction(
            WARNING,
            peer_review_on=date(2025, 3, 1),
            school_approved_on=date(2025, 3, 2),
            revoked_on=date(2025, 3, 2),
        )
    assert caught.value.code == "SANCTION_REVOCATION_DATE_INVALID"


def test_second_revocation_is_refused() -> None:
    revoked = Sanction(SanctionKind.DEMERIT, date(2025, 3, 10), date(2025, 6, 3))
    with pytest.raises(RuleViolation) as caught:
        revoke_sanction(
            revoked,
            peer_review_on=date(2025, 7, 1),
            school_approved_on=date(2025, 7, 2),
            revoked_on=date(2025, 7, 2),
        )
    assert caught.value.code == "SANCTION_ALREADY_REVOKED"


@pytest.mark.parametrize(
    ("on_date", "active"),
    [
        (date(2025, 3, 9), False),
        (date(2025, 3, 10), True),
        (date(2025, 6, 2), True),
        (date(2025, 6, 3), False),
    ],
)
def test_sanction_active_until_revocation(on_date: date, active: bool) -> None:
    sanction = Sanction(SanctionKind.DEMERIT, date(2025, 3, 10), date(2025, 6, 3))
    assert is_active_sanction(sanction, on_date) is active


def test_unrevoked_sanction_stays_active() -> None:
    assert is_active_sanction(WARNING, date(2030, 1, 1)) is True


def test_revoked_sanction_leaves_personal_file() -> None:
    revoked = Sanction(
        SanctionKind.SERIOUS_WARNING, date(2024, 11, 4), date(2025, 5, 6)
    )
    assert personal_file_sanctions([revoked, WARNING]) == [WARNING]
