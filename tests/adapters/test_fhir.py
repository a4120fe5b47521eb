"""FHIR Immunization bundles: odd but valid content (C19) and odd invalid content."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.errors import MappingFault
from adapters.fhir import CVX_SYSTEM, read_immunization_bundle
from adapters.records import ProtocolDose, VaccinationDose
from rules.vaccination import CountedDose, MissingDose, doses_counted, entry_check

CHILD = "440305201908311003"
BIRTH = date(2019, 8, 31)
SNOMED = "http://snomed.info/sct"
NDC = "http://hl7.org/fhir/sid/ndc"


def cvx(code: str) -> dict[str, Any]:
    return {"coding": [{"system": CVX_SYSTEM, "code": code}]}


def immunization(record_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Immunization",
        "id": record_id,
        "status": "completed",
        "patient": {"reference": "urn:uuid:child"},
        **fields,
    }


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    patient = {
        "fullUrl": "urn:uuid:child",
        "resource": {"resourceType": "Patient", "identifier": [{"value": CHILD}]},
    }
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [patient, *entries],
    }


HISTORICAL = immunization(
    "imm-1",
    vaccineCode=cvx("178"),
    occurrenceString="2020年1月",
    primarySource=False,
    reportOrigin={"text": "record"},
)
REFUSED = immunization(
    "imm-2",
    status="not-done",
    statusReason={"coding": [{"code": "MEDPREC"}]},
    vaccineCode=cvx("03"),
    occurrenceDateTime="2021-05-10",
)
COMBINED = immunization(
    "imm-3",
    vaccineCode=cvx("104"),
    occurrenceDateTime="2021-03-01",
    protocolApplied=[
        {
            "series": "2-dose",
            "targetDisease": [{"coding": [{"system": SNOMED, "code": "40468003"}]}],
            "doseNumberPositiveInt": 1,
            "seriesDosesPositiveInt": 2,
        },
        {
            "series": "3-dose",
            "targetDisease": [{"coding": [{"system": SNOMED, "code": "66071002"}]}],
            "doseNumberPositiveInt": 2,
            "seriesDosesPositiveInt": 3,
        },
    ],
)
SUBPOTENT = immunization(
    "imm-4",
    vaccineCode=cvx("20"),
    occurrenceDateTime="2020-01-15",
    isSubpotent=True,
    subpotentReason=[{"text": "partial dose"}],
)
COMPLETED_WITH_REASON = immunization(
    "imm-5",
    vaccineCode=cvx("10"),
    occurrenceDateTime="2019-11-02",
    statusReason={"coding": [{"code": "MEDPREC"}]},
)
TEXT_ONLY = immunization(
    "imm-6",
    vaccineCode={"text": "乙脑减毒活疫苗"},
    occurrenceDateTime="2020-06-30T23:50:00-05:00",
)
CODED_TWICE = immunization(
    "imm-7",
    vaccineCode={
        "coding": [
            {"system": CVX_SYSTEM, "code": "08"},
            {"system": NDC, "code": "58160-0820-11"},
        ]
    },
    occurrenceDateTime="2019-08-31",
)
C19 = bundle(
    HISTORICAL,
    REFUSED,
    COMBINED,
    SUBPOTENT,
    COMPLETED_WITH_REASON,
    TEXT_ONLY,
    CODED_TWICE,
)


def imported() -> dict[str, VaccinationDose]:
    result = read_immunization_bundle(C19, id_number=CHILD)
    return {dose.source_record_id: dose for dose in result.doses}


def test_c19_bundle_imports_all_but_one() -> None:
    result = read_immunization_bundle(C19, id_number=CHILD)

    assert [d.source_record_id for d in result.doses] == [
        "imm-1",
        "imm-2",
        "imm-3",
        "imm-4",
        "imm-6",
        "imm-7",
    ]
    assert result.faults == (
        MappingFault(
            "imm-5", "IMM_1", "statusReason is allowed only when status is not-done"
        ),
    )


def test_c19_historical_dose_kept_at_month() -> None:
    assert imported()["imm-1"] == VaccinationDose(
        source="health",
        source_record_id="imm-1",
        id_number=CHILD,
        vaccine="bOPV",
        occurred_on=date(2020, 1, 1),
        precision="month",
        occurrence_text="2020年1月",
        primary_source=False,
        codes=(f"{CVX_SYSTEM}|178",),
    )


def test_c19_refused_dose_kept_not_given() -> None:
    dose = imported()["imm-2"]

    assert (dose.status, dose.status_reason, dose.vaccine) == (
        "not-done",
        "MEDPREC",
        "MMR",
    )
    assert dose.needs_manual_mapping is False


def test_c19_combined_shot_counts_per_component() -> None:
    dose = imported()["imm-3"]

    assert dose.protocol == (ProtocolDose("HepA", 1, 2), ProtocolDose("HepB", 2, 3))
    assert [d for d in doses_counted([dose])] == [
        CountedDose("HepA", "HepA-HepB", date(2021, 3, 1), 1, "imm-3"),
        CountedDose("HepB", "HepA-HepB", date(2021, 3, 1), 2, "imm-3"),
    ]


def test_c19_subpotent_dose_kept_uncounted() -> None:
    dose = imported()["imm-4"]

    assert (dose.vaccine, dose.is_subpotent) == ("DTaP", True)
    assert doses_counted([dose]) == []


def test_c19_text_only_dose_keeps_local_date() -> None:
    dose = imported()["imm-6"]

    assert dose == VaccinationDose(
        source="health",
        source_record_id="imm-6",
        id_number=CHILD,
        vaccine=None,
        occurred_on=date(2020, 6, 30),
        precision="datetime",
        occurrence_text="2020-06-30T23:50:00-05:00",
        needs_manual_mapping=True,
        vaccine_text="乙脑减毒活疫苗",
        suggested_vaccine="JE-L",
    )
    assert doses_counted([dose]) == []


def test_c19_event_coded_twice_counts_once() -> None:
    dose = imported()["imm-7"]

    assert (dose.vaccine, dose.codes) == (
        "HepB",
        (f"{CVX_SYSTEM}|08", f"{NDC}|58160-0820-11"),
    )
    assert doses_counted([dose]) == [
        CountedDose("HepB", "HepB", date(2019, 8, 31), None, "imm-7")
    ]


def test_c19_counted_doses_of_whole_bundle() -> None:
    doses = read_immunization_bundle(C19, id_number=CHILD).doses

    assert doses_counted(doses) == [
        CountedDose("HepA", "HepA-HepB", date(2021, 3, 1), 1, "imm-3"),
        CountedDose("HepB", "HepB", date(2019, 8, 31), None, "imm-7"),
        CountedDose("HepB", "HepA-HepB", date(2021, 3, 1), 2, "imm-3"),
        CountedDose("Polio", "bOPV", date(2020, 1, 1), None, "imm-1"),
    ]


def test_c19_entered_in_error_withdraws_doses() -> None:
    first = read_immunization_bundle(C19, id_number=CHILD).doses
    resent = copy.deepcopy(COMBINED)
    resent["status"] = "entered-in-error"
    later = read_immunization_bundle(bundle(resent), id_number=CHILD).doses
    entry = date(2025, 9, 1)
    recheck = date(2025, 12, 31)

    def hepatitis(doses: tuple[VaccinationDose, ...]) -> list[MissingDose]:
        missing = entry_check(BIRTH, doses, entry)
        return [m for m in missing if m.series in ("HepA", "HepB")]

    assert hepatitis(first) == [
        MissingDose("HepB", "乙肝疫苗", 3, date(2020, 2, 29), recheck),
        MissingDose("HepA", "甲肝疫苗", 2, date(2021, 8, 31), recheck),
    ]
    assert hepatitis(first + later) == [
        MissingDose("HepB", "乙肝疫苗", 2, date(2019, 9, 30), recheck),
        MissingDose("HepB", "乙肝疫苗", 3, date(2020, 2, 29), recheck),
        MissingDose("HepA", "甲肝疫苗", 1, date(2021, 2, 28), recheck),
    ]
    assert [
        d for d in doses_counted(first + later) if d.source_record_id == "imm-3"
    ] == []


def test_occurrence_in_english_month_is_read() -> None:
    dose = immunization("e", vaccineCode=cvx("19"), occurrenceString="January 2012")
    result = read_immunization_bundle(bundle(dose), id_number=CHILD)

    assert [(d.occurred_on, d.precision) for d in result.doses] == [
        (date(2012, 1, 1), "month")
    ]


def test_unreadable_occurrence_text_is_kept() -> None:
    dose = immunization("t", vaccineCode=cvx("19"), occurrenceString="出生时")
    result = read_immunization_bundle(bundle(dose), id_number=CHILD)

    assert [(d.occurred_on, d.precision, d.occurrence_text) for d in result.doses] == [
        (None, None, "出生时")
    ]


def test_year_precision_date_is_kept() -> None:
    dose = immunization("y", vaccineCode=cvx("19"), occurrenceDateTime="2019")
    result = read_immunization_bundle(bundle(dose), id_number=CHILD)

    assert [(d.occurred_on, d.precision) for d in result.doses] == [
        (date(2019, 1, 1), "year")
    ]


def test_conflicting_codings_need_manual_mapping() -> None:
    coding = [
        {"system": CVX_SYSTEM, "code": "08"},
        {"system": CVX_SYSTEM, "code": "03"},
    ]
    dose = immunization(
        "c", vaccineCode={"coding": coding}, occurrenceDateTime="2020-01-01"
    )
    [mapped] = read_immunization_bundle(bundle(dose), id_number=CHILD).doses

    assert (mapped.vaccine, mapped.needs_manual_mapping) == (None, True)


def test_chinese_display_coding_is_mapped() -> None:
    coding = [{"system": "urn:oid:2.16.156.1", "code": "0501", "display": "卡介苗"}]
    dose = immunization(
        "d", vaccineCode={"coding": coding}, occurrenceDateTime="2019-09-01"
    )
    [mapped] = read_immunization_bundle(bundle(dose), id_number=CHILD).doses

    assert (mapped.vaccine, mapped.needs_manual_mapping) == ("BCG", False)


def test_another_childs_dose_is_rejected() -> None:
    result = read_immunization_bundle(C19, id_number="210311201909010012")

    assert result.doses == ()
    assert {f.reason for f in result.faults} == {"PATIENT_MISMATCH", "IMM_1"}


def test_dose_without_known_patient_is_rejected() -> None:
    dose = immunization("p", vaccineCode=cvx("19"), occurrenceDateTime="2019-09-01")
    dose["patient"] = {"reference": "Patient/elsewhere"}
    result = read_immunization_bundle(bundle(dose))

    assert result.faults == (
        MappingFault("p", "UNKNOWN_PATIENT", "no ID number for patient"),
    )


def test_invalid_entries_become_faults() -> None:
    unknown_status = immunization("s", vaccineCode=cvx("19"), status="done")
    unknown_status["occurrenceDateTime"] = "2019-09-01"
    no_patient = immunization("n", vaccineCode=cvx("19"), occurrenceDateTime="2019")
    del no_patient["patient"]
    two_dates = immunization(
        "b", vaccineCode=cvx("19"), occurrenceDateTime="2019", occurrenceString="x"
    )
    result = read_immunization_bundle(
        bundle(unknown_status, no_patient, two_dates), id_number=CHILD
    )

    assert result.doses == ()
    assert [(f.source_record_id, f.reason) for f in result.faults] == [
        ("s", "UNKNOWN_STATUS"),
        ("n", "INVALID_RESOURCE"),
        ("b", "INVALID_RESOURCE"),
    ]


def test_not_a_bundle_is_one_fault() -> None:
    assert read_immunization_bundle([1, 2]).faults == (
        MappingFault(None, "NOT_A_BUNDLE"),
    )
    assert read_immunization_bundle({"resourceType": "Bundle", "entry": 5}).faults == (
        MappingFault(None, "NOT_A_BUNDLE", "entry is not a list"),
    )


def test_non_immunization_entries_are_skipped() -> None:
    raw = bundle()
    raw["entry"] += [{"resource": {"resourceType": "Observation"}}, {"search": {}}, 7]
    result = read_immunization_bundle(raw, id_number=CHILD)

    assert (result.doses, result.faults) == ((), ())


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    [
        "status",
        "statusReason",
        "vaccineCode",
        "occurrenceDateTime",
        "occurrenceString",
        "primarySource",
        "isSubpotent",
        "protocolApplied",
        "patient",
        "id",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(FIELDS, JSON, max_size=4))
def test_odd_content_never_crashes(changes: dict[str, Any]) -> None:
    resource = {**COMBINED, **changes}
    result = read_immunization_bundle(bundle(resource), id_number=CHILD)

    assert len(result.doses) + len(result.faults) == 1
