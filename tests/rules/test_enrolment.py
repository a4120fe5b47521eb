import inspect
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rules.enrolment
import rules.identity
import rules.records
from rules.enrolment import (
    DeferralAction,
    DeferralState,
    Eligibility,
    EligibilityReason,
    EnrolmentEligibility,
    age_on,
    check_deferral_application,
    cutoff_date,
    enrolment_eligibility,
    next_deferral_state,
)
from rules.errors import RuleViolation
from rules.identity import parse_id_number

UNDER_AGE = EligibilityReason(
    "UNDER_AGE", "未满六周岁，提前入学须经区教育局批准。", "第六条"
)

# The clocks C04 asks to freeze at; the rules take the date they need as an argument.
CLOCKS = [date(2025, 3, 1), date(2025, 10, 1), date(2026, 2, 28), date(2027, 3, 1)]


def codes(result: EnrolmentEligibility) -> tuple[Eligibility, list[str], bool]:
    return (result.status, [r.code for r in result.reasons], result.needs_approval)


# C04 — entry age cutoff, birthday boundary, 29 Feb


@pytest.mark.parametrize("today", CLOCKS)
def test_c04_cutoff_day_is_eligible(today: date) -> None:
    born = parse_id_number("440305201908311003", today=today).birth_date

    assert enrolment_eligibility(born, 2025) == EnrolmentEligibility(
        status=Eligibility.ELIGIBLE,
        reasons=(),
        needs_approval=False,
        school_year=2025,
        latest_birth_date=date(2019, 8, 31),
        age_at_cutoff=6,
    )


@pytest.mark.parametrize("today", CLOCKS)
def test_c04_day_after_cutoff_is_under_age(today: date) -> None:
    born = parse_id_number("440305201909011002", today=today).birth_date

    assert enrolment_eligibility(born, 2025) == EnrolmentEligibility(
        status=Eligibility.NOT_ELIGIBLE,
        reasons=(UNDER_AGE,),
        needs_approval=True,
        school_year=2025,
        latest_birth_date=date(2019, 8, 31),
        age_at_cutoff=5,
    )


@pytest.mark.parametrize("today", CLOCKS)
def test_c04_leap_day_child_waits_a_year(today: date) -> None:
    born = parse_id_number("440305202002291004", today=today).birth_date

    assert [codes(enrolment_eligibility(born, year)) for year in (2025, 2026)] == [
        (Eligibility.NOT_ELIGIBLE, ["UNDER_AGE"], True),
        (Eligibility.ELIGIBLE, [], False),
    ]


def test_c04_leap_day_ages_six_and_seven() -> None:
    born = date(2016, 2, 29)

    assert [age_on(born, date(2022, 8, 31)), age_on(born, date(2023, 3, 1))] == [6, 7]


def test_c04_rules_never_read_the_clock() -> None:
    modules = (rules.enrolment, rules.identity, rules.records)
    calls = ("today()", "now(", "time.time")

    found = [call for m in modules for call in calls if call in inspect.getsource(m)]

    assert found == []


def test_leap_day_birthday_in_every_non_leap_year() -> None:
    born = date(2016, 2, 29)
    years = [y for y in range(2017, 2117) if y % 4 or (y % 100 == 0 and y % 400)]

    ages = [(age_on(born, date(y, 2, 28)), age_on(born, date(y, 3, 1))) for y in years]

    assert ages == [(y - 2017, y - 2016) for y in years]


def test_birthday_counts_on_its_own_day() -> None:
    born = date(2019, 8, 31)

    assert [age_on(born, date(2025, 8, 30)), age_on(born, date(2025, 8, 31))] == [5, 6]


def test_month_end_birthday_is_not_special() -> None:
    born = date(2019, 4, 30)

    assert [age_on(born, date(2025, 4, 29)), age_on(born, date(2025, 4, 30))] == [5, 6]


def test_age_before_birth_is_negative() -> None:
    assert age_on(date(2020, 5, 1), date(2020, 4, 30)) == -1


@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 80)
)
def test_age_grows_by_one_per_birthday(born: date, years: int) -> None:
    on_birthday = cutoff_date(born.year + years, born.month, born.day)
    if (on_birthday.month, on_birthday.day) != (born.month, born.day):
        on_birthday += timedelta(days=1)

    assert (
        age_on(born, on_birthday - timedelta(days=1)),
        age_on(born, on_birthday),
    ) == (
        years - 1,
        years,
    )


# Later and special entry (第六、七、九条)


@pytest.mark.parametrize(
    ("born", "options", "expected"),
    [
        (date(2018, 9, 1), {}, (Eligibility.ELIGIBLE, [], False)),
        (date(2018, 8, 31), {}, (Eligibility.ELIGIBLE, ["LATE_ENTRY"], False)),
        (
            date(2018, 8, 31),
            {"deferral_approved": True},
            (Eligibility.ELIGIBLE, ["DEFERRED_ENTRY"], False),
        ),
        (date(2017, 9, 1), {}, (Eligibility.ELIGIBLE, ["LATE_ENTRY"], False)),
        (date(2017, 8, 31), {}, (Eligibility.NOT_ELIGIBLE, ["OVER_AGE"], True)),
        (
            date(2016, 5, 1),
            {"deferral_approved": True},
            (Eligibility.ELIGIBLE, ["DEFERRED_ENTRY"], False),
        ),
        (
            date(2015, 5, 1),
            {"special_education": True},
            (Eligibility.ELIGIBLE, ["SPECIAL_EDUCATION_AGE_RELAXED"], False),
        ),
        (
            date(2019, 12, 1),
            {"special_education": True},
            (Eligibility.NOT_ELIGIBLE, ["UNDER_AGE"], True),
        ),
    ],
)
def test_entry_outcomes_for_school_year_2025(
    born: date, options: dict[str, bool], expected: tuple[Eligibility, list[str], bool]
) -> None:
    assert codes(enrolment_eligibility(born, 2025, **options)) == expected


def test_cutoff_setting_moves_the_boundary() -> None:
    result = enrolment_eligibility(
        date(2019, 8, 1), 2025, cutoff_month=7, cutoff_day=31
    )

    assert (codes(result), result.latest_birth_date) == (
        (Eligibility.NOT_ELIGIBLE, ["UNDER_AGE"], True),
        date(2019, 7, 31),
    )


def test_leap_day_cutoff_clamps_to_month_end() -> None:
    result = enrolment_eligibility(
        date(2019, 2, 28), 2025, cutoff_month=2, cutoff_day=29
    )

    assert (codes(result), result.latest_birth_date) == (
        (Eligibility.ELIGIBLE, [], False),
        date(2019, 2, 28),
    )


# Deferral (第七条)


def test_deferral_for_child_of_entry_age() -> None:
    check_deferral_application(date(2019, 5, 1), 2025, health_related=True)


def test_deferral_for_under_age_child_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_deferral_application(date(2019, 9, 1), 2025, health_related=True)

    assert (caught.value.code, caught.value.field) == (
        "DEFERRAL_NOT_NEEDED",
        ["birthDate"],
    )


def test_deferral_needs_a_health_reason() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_deferral_application(date(2019, 5, 1), 2025, health_related=False)

    assert (caught.value.code, caught.value.article) == (
        "DEFERRAL_REASON_NOT_HEALTH",
        "第七条",
    )


@pytest.mark.parametrize(
    ("current", "action", "following"),
    [
        (DeferralState.APPLIED, DeferralAction.FORWARD, DeferralState.FORWARDED),
        (DeferralState.APPLIED, DeferralAction.WITHDRAW, DeferralState.WITHDRAWN),
        (DeferralState.FORWARDED, DeferralAction.APPROVE, DeferralState.APPROVED),
        (DeferralState.FORWARDED, DeferralAction.REJECT, DeferralState.REJECTED),
        (DeferralState.FORWARDED, DeferralAction.WITHDRAW, DeferralState.WITHDRAWN),
    ],
)
def test_allowed_deferral_steps(
    current: DeferralState, action: DeferralAction, following: DeferralState
) -> None:
    assert next_deferral_state(current, action) is following


@pytest.mark.parametrize(
    ("current", "action", "code"),
    [
        (DeferralState.APPLIED, DeferralAction.APPROVE, "DEFERRAL_NOT_FORWARDED"),
        (DeferralState.APPLIED, DeferralAction.REJECT, "DEFERRAL_NOT_FORWARDED"),
        (DeferralState.FORWARDED, DeferralAction.FORWARD, "DEFERRAL_ALREADY_FORWARDED"),
        (DeferralState.APPROVED, DeferralAction.WITHDRAW, "DEFERRAL_ALREADY_CLOSED"),
        (DeferralState.REJECTED, DeferralAction.APPROVE, "DEFERRAL_ALREADY_CLOSED"),
        (DeferralState.WITHDRAWN, DeferralAction.FORWARD, "DEFERRAL_ALREADY_CLOSED"),
    ],
)
def test_illegal_deferral_steps_are_refused(
    current: DeferralState, action: DeferralAction, code: str
) -> None:
    with pytest.raises(RuleViolation) as caught:
        next_deferral_state(current, action)

    assert (caught.value.code, caught.value.article) == (code, "第七条")
