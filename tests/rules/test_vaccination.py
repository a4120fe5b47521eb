"""The immunization schedule, counted doses and the school-entry check."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from rules.errors import RuleViolation
from rules.vaccination import (
    Age,
    CountedDose,
    MissingDose,
    catalogue,
    check_deadline,
    doses_counted,
    entry_check,
    recheck_date,
)


@dataclass(frozen=True)
class Step:
    series: str | None
    dose_number: int | None


@dataclass(frozen=True)
class Dose:
    source_record_id: str
    vaccine: str | None
    occurred_on: date | None
    status: str = "completed"
    is_subpotent: bool = False
    deleted: bool = False
    source: str = "health"
    protocol: tuple[Step, ...] = field(default=())


def full_schedule(birth: date, *, skip: frozenset[str] = frozenset()) -> list[Dose]:
    """Every dose of the default option given on its due date."""
    products = {"Polio": ["IPV", "IPV", "bOPV", "bOPV"]}
    doses = []
    for series in catalogue().series:
        option = next(o for o in series.options if o.applies_to(birth))
        for scheduled in option.doses:
            key = f"{series.key}-{scheduled.number}"
            if key in skip:
                continue
            if series.key in products:
                product = products[series.key][scheduled.number - 1]
            else:
                product = option.products[0]
            doses.append(Dose(key, product, scheduled.age.after(birth)))
    return doses


BIRTH = date(2019, 3, 15)
ENTRY = date(2025, 9, 1)
RECHECK = date(2025, 12, 31)


def test_complete_record_has_nothing_missing() -> None:
    assert entry_check(BIRTH, full_schedule(BIRTH), ENTRY) == []


def test_missing_second_mmr_dose_is_listed() -> None:
    doses = full_schedule(BIRTH, skip=frozenset({"MMR-2"}))

    assert entry_check(BIRTH, doses, ENTRY) == [
        MissingDose("MMR", "麻腮风疫苗", 2, date(2020, 9, 15), RECHECK)
    ]


def test_six_year_doses_due_within_window() -> None:
    birth = date(2019, 9, 20)
    doses = full_schedule(birth, skip=frozenset({"DTP-5", "MenAC-2"}))

    assert entry_check(birth, doses, ENTRY) == [
        MissingDose("DTP", "百白破疫苗", 5, date(2025, 9, 20), RECHECK),
        MissingDose("MenAC", "A群C群流脑多糖疫苗", 2, date(2025, 9, 20), RECHECK),
    ]


def test_six_year_doses_after_window_not_expected() -> None:
    birth = date(2019, 10, 15)
    doses = full_schedule(birth, skip=frozenset({"DTP-5", "MenAC-2"}))

    assert entry_check(birth, doses, ENTRY) == []


def test_dtap_schedule_follows_2025_birth_date() -> None:
    entry = date(2025, 9, 1)

    def due_dates(birth: date) -> list[date]:
        return [m.due_on for m in entry_check(birth, [], entry) if m.series == "DTP"]

    assert due_dates(date(2025, 1, 10)) == [
        date(2025, 3, 10),
        date(2025, 5, 10),
        date(2025, 7, 10),
    ]
    assert due_dates(date(2024, 12, 20)) == [
        date(2025, 3, 20),
        date(2025, 4, 20),
        date(2025, 5, 20),
    ]


def test_dt_counts_before_2025_only() -> None:
    birth = date(2018, 12, 1)
    before = [*full_schedule(birth, skip=frozenset({"DTP-5"}))]
    before.append(Dose("dt", "DT", date(2024, 12, 1)))
    after = [*full_schedule(birth, skip=frozenset({"DTP-5"}))]
    after.append(Dose("dt", "DT", date(2025, 1, 2)))

    assert entry_check(birth, before, ENTRY) == []
    assert entry_check(birth, after, ENTRY) == [
        MissingDose("DTP", "百白破疫苗", 5, date(2024, 12, 1), RECHECK)
    ]


def test_bcg_not_listed_from_four_years() -> None:
    doses = full_schedule(BIRTH, skip=frozenset({"BCG-1"}))
    nursery = date(2021, 9, 1)
    young = [d for d in doses if d.occurred_on is not None and d.occurred_on < nursery]

    assert entry_check(BIRTH, doses, ENTRY) == []
    assert [m for m in entry_check(BIRTH, young, nursery) if m.series == "BCG"] == [
        MissingDose("BCG", "卡介苗", 1, BIRTH, date(2021, 12, 31))
    ]


def test_inactivated_je_series_is_complete() -> None:
    doses = full_schedule(BIRTH, skip=frozenset({"JE-1", "JE-2"}))
    doses += [
        Dose("ji1", "JE-I", date(2019, 11, 15)),
        Dose("ji2", "JE-I", date(2019, 11, 22)),
        Dose("ji3", "JE-I", date(2021, 3, 15)),
        Dose("ji4", "JE-I", date(2025, 3, 15)),
    ]

    assert entry_check(BIRTH, doses, ENTRY) == []


def test_started_inactivated_je_expects_four() -> None:
    doses = full_schedule(BIRTH, skip=frozenset({"JE-1", "JE-2"}))
    doses += [
        Dose("ji1", "JE-I", date(2019, 11, 15)),
        Dose("ji2", "JE-I", date(2019, 11, 22)),
        Dose("ji3", "JE-I", date(2021, 3, 15)),
    ]

    assert entry_check(BIRTH, doses, ENTRY) == [
        MissingDose("JE", "乙脑疫苗", 4, date(2025, 3, 15), RECHECK)
    ]


def test_uncounted_statuses_count_nothing() -> None:
    doses = [
        Dose("a", "MMR", date(2019, 11, 15), status="not-done"),
        Dose("b", "MMR", date(2019, 11, 16), is_subpotent=True),
        Dose("c", "MMR", date(2019, 11, 17), status="entered-in-error"),
        Dose("d", "MMR", date(2019, 11, 18), deleted=True),
        Dose("e", None, date(2019, 11, 19)),
        Dose("f", "no-such-vaccine", date(2019, 11, 20)),
    ]

    assert doses_counted(doses) == []


def test_later_version_replaces_earlier() -> None:
    given = Dose("a", "MMR", date(2019, 11, 15))
    withdrawn = Dose("a", "MMR", date(2019, 11, 15), status="entered-in-error")

    assert doses_counted([given, withdrawn]) == []
    assert doses_counted([withdrawn, given]) == [
        CountedDose("MMR", "MMR", date(2019, 11, 15), None, "a")
    ]


def test_same_day_reports_count_once() -> None:
    doses = [
        Dose("json-1", "HepB", date(2019, 3, 15)),
        Dose("fhir-1", "HepB", date(2019, 3, 15), source="fhir"),
    ]

    assert doses_counted(doses) == [
        CountedDose("HepB", "HepB", date(2019, 3, 15), None, "json-1")
    ]


def test_combined_vaccine_counts_each_component() -> None:
    dose = Dose("p", "DTaP-IPV/Hib", date(2019, 5, 15), protocol=(Step(None, 1),))

    assert doses_counted([dose]) == [
        CountedDose("DTP", "DTaP-IPV/Hib", date(2019, 5, 15), None, "p"),
        CountedDose("Polio", "DTaP-IPV/Hib", date(2019, 5, 15), None, "p"),
    ]


def test_stated_dose_number_takes_its_place() -> None:
    doses = [Dose("b2", "HepB", date(2019, 4, 15), protocol=(Step(None, 2),))]

    assert [
        m.dose_number for m in entry_check(BIRTH, doses, ENTRY) if m.series == "HepB"
    ] == [
        1,
        3,
    ]


def test_entry_before_birth_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        entry_check(BIRTH, [], date(2019, 1, 1))

    assert (caught.value.code, caught.value.field) == (
        "ENTRY_BEFORE_BIRTH",
        ["entryDate"],
    )


def test_check_window_and_recheck_dates() -> None:
    assert (check_deadline(ENTRY), recheck_date(ENTRY)) == (
        date(2025, 10, 1),
        date(2025, 12, 31),
    )


def test_catalogue_maps_codes_and_names() -> None:
    schedule = catalogue()

    assert [
        schedule.product_for_cvx("08"),
        schedule.product_for_cvx("8"),
        schedule.product_for_cvx("104"),
        schedule.product_for_cvx("999"),
        schedule.product_for_name("乙脑减毒活疫苗"),
        schedule.product_for_name("乙型脑炎 灭活疫苗"),
        schedule.product_for_name("狂犬病疫苗"),
    ] == ["HepB", "HepB", "HepA-HepB", None, "JE-L", "JE-I", None]
    assert schedule.components("HepA-HepB") == ("HepA", "HepB")
    assert schedule.series_for_disease("40468003") == frozenset({"HepA"})


@pytest.mark.parametrize(
    ("text", "born", "reached"),
    [
        ("0d", date(2019, 8, 31), date(2019, 8, 31)),
        ("1m", date(2019, 8, 31), date(2019, 9, 30)),
        ("8m7d", date(2019, 1, 31), date(2019, 10, 7)),
        ("6y", date(2020, 2, 29), date(2026, 2, 28)),
    ],
)
def test_age_is_reached_on_date(text: str, born: date, reached: date) -> None:
    assert Age.parse(text).after(born) == reached


def test_bad_age_text_is_refused() -> None:
    with pytest.raises(ValueError):
        Age.parse("6 years")
