import re

import pytest

from rules.codes import (
    TABLE_NAMES,
    DivisionEra,
    check_code,
    check_division_code,
    code_table,
    division_eras,
    division_name,
    load_table,
)
from rules.errors import RuleViolation


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_every_table_states_its_source(name: str) -> None:
    table = load_table(name)

    assert (table.name, table.certainty in {"✅", "⚠️", "❓"}) == (name, True)
    assert (len(table.source) > 10, len(table.codes) > 0) == (True, True)


def test_tables_are_loaded_once() -> None:
    assert load_table("sex") is load_table("sex")


def test_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        code_table("sex")["3"] = "其他"  # type: ignore[index]


def test_unknown_table_name_is_key_error() -> None:
    with pytest.raises(KeyError):
        code_table("blood_type")


def test_sex_table_has_two_codes() -> None:
    assert dict(code_table("sex")) == {"1": "男", "2": "女"}


def test_ethnicity_table_follows_gb_3304() -> None:
    table = code_table("ethnicity")

    assert list(table) == [f"{n:02d}" for n in range(1, 57)] + ["97", "98"]
    assert (table["01"], table["46"], table["56"]) == ("汉族", "德昂族", "基诺族")


def test_nationality_table_is_full_alpha3() -> None:
    table = code_table("nationality")

    assert (len(table), all(re.fullmatch(r"[A-Z]{3}", c) for c in table)) == (249, True)
    assert [table[c] for c in ("CHN", "HKG", "MAC", "TWN")] == [
        "中国",
        "中国香港",
        "中国澳门",
        "中国台湾",
    ]


def test_document_types_match_form() -> None:
    assert list(code_table("id_document_type")) == ["1", "6", "7", "8", "9", "A", "Z"]


def test_left_behind_uses_zero_one_two() -> None:
    assert list(code_table("left_behind")) == ["0", "1", "2"]


def test_household_type_is_marked_unverified() -> None:
    assert load_table("household_type").certainty == "❓"


def test_status_tables_keep_jy_style_codes() -> None:
    assert (
        code_table("status_change_category")["21"],
        code_table("student_status")["01"],
    ) == (
        "转学（转出）",
        "在读",
    )


def test_valid_code_passes() -> None:
    check_code("ethnicity", "10", ["ethnicity"])


@pytest.mark.parametrize(
    ("field", "path"),
    [
        ("ethnicity", ["ethnicity"]),
        (["guardians", "0", "ethnicity"], ["guardians", "0", "ethnicity"]),
    ],
)
def test_invalid_code_names_its_field(field: str | list[str], path: list[str]) -> None:
    with pytest.raises(RuleViolation) as caught:
        check_code("ethnicity", "57", field)

    assert (caught.value.code, caught.value.field) == ("INVALID_CODE", path)


def test_codes_are_case_sensitive() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_code("nationality", "chn", "nationality")

    assert caught.value.code == "INVALID_CODE"


# GB/T 2260 division codes


def test_qianshan_code_keeps_its_history() -> None:
    assert division_eras("210311")[1:] == (
        DivisionEra("旧堡区", 1983, 1995),
        DivisionEra("千山区", 1996, None),
    )


@pytest.mark.parametrize(
    ("code", "year", "name"),
    [
        ("210311", None, "千山区"),
        ("210311", 1990, "旧堡区"),
        ("210311", 2020, "千山区"),
        ("210000", None, "辽宁省"),
        ("210390", None, None),
        ("210399", None, None),
        ("21031", None, None),
        ("２１０３１１", None, None),
        ("21031a", None, None),
    ],
)
def test_division_names_by_year(code: str, year: int | None, name: str | None) -> None:
    assert division_name(code, year=year) == name


def test_anshan_table_agrees_with_gbt_2260() -> None:
    table = code_table("division_anshan")

    assert {code: division_name(code) for code in table} == dict(table)


def test_placeholder_division_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_division_code("210390", ["birthPlace"])

    assert (caught.value.code, caught.value.field, caught.value.article) == (
        "INVALID_DIVISION_CODE",
        ["birthPlace"],
        "GB/T 2260",
    )


def test_known_division_passes() -> None:
    check_division_code("210311", "householdPlace")
