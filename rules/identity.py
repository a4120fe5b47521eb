"""Identity documents (GB 11643-1999 and the 学籍 document types) and student numbers.

The student number (学籍号, 第十条) is one letter and 18 characters: ``G`` + the ID
number, ``L`` (temporary: area + birth date + 4 random digits) or ``J`` (no usable ID
number: area + birth date + 3-digit sequence + MOD 11-2 check digit).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from random import Random

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from rules.codes import check_code, division_name
from rules.errors import RuleViolation

ID_STANDARD = "GB 11643-1999"
NUMBER_ARTICLE = "第十条"
RESIDENT_ID = "1"
OTHER_DOCUMENT = "Z"
MALE = "1"
FEMALE = "2"

# GB 11643-1999: weight of position i is 2**(18 - i) mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ID_RE = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS_RE = re.compile(r"[0-9]+")
# ❓ Number shapes of the other document types are not published with the 学籍 form;
# these only keep out stray characters and absurd lengths.
_DOCUMENT_RE = {
    "6": re.compile(r"[A-Z0-9()]{6,12}"),
    "7": re.compile(r"[A-Z0-9()/]{6,12}"),
    "8": re.compile(r"[A-Z0-9()]{8,12}"),
    "9": re.compile(r"[A-Z]{3}[0-9]{12}|9[0-9]{17}"),
    "A": re.compile(r"[A-Z0-9]{5,20}"),
    "Z": re.compile(r"[A-Z0-9()/-]{4,30}"),
}


@dataclass(frozen=True)
class ResidentId:
    """A checked 公民身份号码 and what it tells."""

    number: str
    area_code: str
    area_name: str
    birth_date: date
    sex: str


@dataclass(frozen=True)
class IdDocument:
    """A checked 身份证件: type code, normalised number (None for a blank Z)."""

    type: str
    number: str | None
    resident: ResidentId | None


def normalise_id_number(value: str) -> str:
    """Trim and upper-case, so a final ``x`` reads as the check character ``X``."""
    return value.strip().upper()


def mod11_2_check_char(body: str) -> str:
    """ISO 7064 MOD 11-2 check character of 17 digits (GB 11643-1999).

    Written here rather than taken from python-stdnum because J student numbers need
    it for bodies that are not ID numbers, and the weights are fixed by the standard.
    """
    pairs = zip(body, _WEIGHTS, strict=True)
    total = sum(int(digit) * weight for digit, weight in pairs)
    return _CHECK_CHARS[total % 11]


def _fault(code: str, message: str, field: Sequence[str] | None) -> RuleViolation:
    return RuleViolation(code, message, article=ID_STANDARD, field=field)


def _date_part(digits: str) -> date | None:
    try:
        return date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def parse_id_number(
    value: str, *, today: date, field: Sequence[str] = ("idNumber",)
) -> ResidentId:
    """Check a 公民身份号码 (GB 11643-1999) and read birth date, sex and area from it.

    Refuses with INVALID_ID_FORMAT, CHECK_DIGIT_MISMATCH, INVALID_BIRTH_DATE,
    BIRTH_DATE_IN_FUTURE (after ``today``) or UNKNOWN_AREA_CODE, in that order.
    """
    number = normalise_id_number(value)
    if not _ID_RE.fullmatch(number):
        message = "身份证号应为18位：前17位为数字，末位为数字或X。"
        raise _fault("INVALID_ID_FORMAT", message, field)
    if mod11_2_check_char(number[:17]) != number[17]:
        raise _fault("CHECK_DIGIT_MISMATCH", "身份证号校验码不符，请核对号码。", field)
    born = _date_part(number[6:14])
    if born is None:
        raise _fault("INVALID_BIRTH_DATE", "身份证号中的出生日期不存在。", field)
    if born > today:
        raise _fault("BIRTH_DATE_IN_FUTURE", "身份证号中的出生日期晚于今天。", field)
    area_name = _area_name(number, field)
    sex = MALE if int(number[16]) % 2 == 1 else FEMALE
    return ResidentId(number, number[:6], area_name, born, sex)


def _area_name(number: str, field: Sequence[str] | None) -> str:
    # python-stdnum checks the area code against the code valid in the birth year;
    # for an unknown county of a known province it raises KeyError instead of
    # InvalidComponent, so both mean "unknown area" here. 830000 and 9xxxxx numbers
    # (Taiwan residence permits, foreigners' permanent IDs) are refused the same way;
    # 810000/820000 (Hong Kong/Macau residence permits) pass because stdnum knows
    # them — whether the 学籍 system takes them as type 1 is unverified (❓).
    try:
        return _place_name(number[:6], int(number[6:10]))
    except (ValidationError, KeyError) as exc:
        raise _fault(
            "UNKNOWN_AREA_CODE", "身份证号前6位不是出生年份有效的行政区划代码。", field
        ) from exc


@lru_cache(maxsize=4096)
def _place_name(area: str, year: int) -> str:
    # python-stdnum's answer depends only on the area code and the birth year, and
    # its table walk takes about a millisecond: a cohort import of thousands of
    # numbers asks once per pair. The stand-in number is read for those two only.
    place = ric.get_birth_place(f"{area}{year:04d}01010000")
    province, county = place.get("province", ""), place.get("county", "")
    return province if county == province else province + county


def id_mismatches(
    resident: ResidentId,
    *,
    birth_date: date | None = None,
    sex: str | None = None,
    birth_date_field: Sequence[str] = ("birthDate",),
    sex_field: Sequence[str] = ("sex",),
) -> list[RuleViolation]:
    """Faults where an explicit birth date or sex disagrees with the ID number."""
    faults = []
    if birth_date is not None and birth_date != resident.birth_date:
        faults.append(
            _fault(
                "BIRTH_DATE_MISMATCH",
                f"出生日期与身份证号不符（身份证号为{resident.birth_date.isoformat()}）。",
                birth_date_field,
            )
        )
    if sex is not None and sex != resident.sex:
        faults.append(_fault("SEX_MISMATCH", "性别与身份证号第17位不符。", sex_field))
    return faults


def validate_id_number(
    value: str,
    *,
    today: date,
    birth_date: date | None = None,
    sex: str | None = None,
    field: Sequence[str] = ("idNumber",),
) -> ResidentId:
    """Check an ID number and that the given birth date and sex agree with it.

    GB 11643-1999; raises the first fault found (see ``parse_id_number``), then
    BIRTH_DATE_MISMATCH or SEX_MISMATCH.
    """
    resident = parse_id_number(value, today=today, field=field)
    faults = id_mismatches(resident, birth_date=birth_date, sex=sex)
    if faults:
        raise faults[0]
    return resident


def validate_id_document(
    id_type: str,
    number: str | None,
    *,
    today: date,
    attendance_proof_filed: bool = False,
    field: Sequence[str] = ("idNumber",),
    type_field: Sequence[str] = ("idType",),
) -> IdDocument:
    """Check a 身份证件 by its type (学籍 填报说明 身份证件类型).

    Type 1 follows GB 11643-1999. Every type but Z needs a number; a Z document may be
    blank only when the school keeps a 就读证明 (``attendance_proof_filed``).
    """
    check_code("id_document_type", id_type, type_field)
    text = normalise_id_number(number or "")
    if not text:
        _check_blank_allowed(id_type, attendance_proof_filed, field)
        return IdDocument(id_type, None, None)
    if id_type == RESIDENT_ID:
        resident = parse_id_number(text, today=today, field=field)
        return IdDocument(id_type, resident.number, resident)
    if not _DOCUMENT_RE[id_type].fullmatch(text):
        raise _fault("INVALID_ID_FORMAT", "证件号码含有不允许的字符或长度不符。", field)
    return IdDocument(id_type, text, None)


def _check_blank_allowed(
    id_type: str, attendance_proof_filed: bool, field: Sequence[str]
) -> None:
    if id_type != OTHER_DOCUMENT:
        raise _fault("ID_NUMBER_REQUIRED", "该证件类型必须填写证件号码。", field)
    if not attendance_proof_filed:
        raise _fault(
            "ATTENDANCE_PROOF_REQUIRED",
            "证件类型为“其他”且无号码时，学校须留存经学生、家长签字并盖章的就读证明。",
            [*field[:-1], "attendanceProofFiled"],
        )


class StudentNumberKind(StrEnum):
    """Prefix letter of a 学籍号 (DOMAIN §1.1)."""

    OFFICIAL = "G"
    TEMPORARY = "L"
    SUBSTITUTE = "J"


@dataclass(frozen=True)
class StudentNumber:
    """A checked 学籍号."""

    value: str
    kind: StudentNumberKind
    area_code: str
    birth_date: date


def _number_fault(message: str, field: Sequence[str] | None) -> RuleViolation:
    return RuleViolation(
        "INVALID_STUDENT_NUMBER", message, article=NUMBER_ARTICLE, field=field
    )


def validate_student_number(
    value: str, *, field: Sequence[str] = ("nationalStudentNumber",)
) -> StudentNumber:
    """Check a 学籍号 (第十条): prefix G, L or J, then 18 characters.

    G and J bodies end in a MOD 11-2 check character; an L body is 18 digits (❓ the
    digits-only random part is unverified). The birth date must exist and the area
    code must be a GB/T 2260 code of some year.
    """
    text = value.strip().upper()
    kind = _kind_of(text)
    if kind is None:
        raise _number_fault("学籍号应为1位字母（G、L或J）加18位字符。", field)
    body = text[1:]
    checked = kind is not StudentNumberKind.TEMPORARY
    if checked and mod11_2_check_char(body[:17]) != body[17]:
        raise RuleViolation(
            "CHECK_DIGIT_MISMATCH",
            "学籍号校验码不符，请核对号码。",
            article=NUMBER_ARTICLE,
            field=field,
        )
    born = _date_part(body[6:14])
    if born is None:
        raise _number_fault("学籍号中的出生日期不存在。", field)
    if division_name(body[:6]) is None:
        raise RuleViolation(
            "UNKNOWN_AREA_CODE",
            "学籍号前6位不是有效的行政区划代码。",
            article=NUMBER_ARTICLE,
            field=field,
        )
    return StudentNumber(text, kind, body[:6], born)


def _kind_of(text: str) -> StudentNumberKind | None:
    if len(text) != 19 or text[0] not in "GLJ":
        return None
    kind = StudentNumberKind(text[0])
    if kind is StudentNumberKind.TEMPORARY:
        return kind if _DIGITS_RE.fullmatch(text[1:]) else None
    return kind if _ID_RE.fullmatch(text[1:]) else None


def student_number_kind(
    document: IdDocument, *, id_usable: bool = True
) -> StudentNumberKind:
    """Which 学籍号 a new student gets (第十条, DOMAIN §1.1).

    G for a usable resident ID number; J when the student has no ID number (blank
    type Z) or the resident ID number is unusable; L for students who hold only a
    Hong Kong, Macau, Taiwan or foreign document (⚠️ a third-party page only).
    """
    if document.type == RESIDENT_ID and document.resident is not None:
        return StudentNumberKind.OFFICIAL if id_usable else StudentNumberKind.SUBSTITUTE
    if document.number is None:
        return StudentNumberKind.SUBSTITUTE
    return StudentNumberKind.TEMPORARY


def official_student_number(resident: ResidentId) -> str:
    """The G number: ``G`` + the 18-character ID number (第十条)."""
    return StudentNumberKind.OFFICIAL + resident.number


def _school_area(school_area_code: str) -> str:
    if division_name(school_area_code) is None:
        raise RuleViolation(
            "UNKNOWN_AREA_CODE",
            f"学校所在地区划代码“{school_area_code}”无效。",
            article=NUMBER_ARTICLE,
        )
    return school_area_code


def temporary_student_number(
    *, school_area_code: str, birth_date: date, rng: Random
) -> str:
    """An L number: school area code + birth date + 4 random digits (第十条).

    The caller retries with a new draw if the number is already taken.
    """
    area = _school_area(school_area_code)
    return f"L{area}{birth_date:%Y%m%d}{rng.randrange(10_000):04d}"


def substitute_student_number(
    *, school_area_code: str, birth_date: date, sequence: int
) -> str:
    """A J number: area + birth date + 3-digit sequence + MOD 11-2 check (第十条)."""
    if not 1 <= sequence <= 999:
        raise RuleViolation(
            "SEQUENCE_EXHAUSTED",
            "同一地区同一出生日期的学籍号顺序码已用完（1–999）。",
            article=NUMBER_ARTICLE,
        )
    body = f"{_school_area(school_area_code)}{birth_date:%Y%m%d}{sequence:03d}"
    return f"J{body}{mod11_2_check_char(body)}"


def student_number_for(
    document: IdDocument,
    *,
    birth_date: date,
    school_area_code: str,
    rng: Random,
    sequence: int,
    id_usable: bool = True,
) -> str:
    """The 学籍号 a new student gets (第十条); see ``student_number_kind``.

    ``rng`` is drawn from only for an L number, ``sequence`` used only for a J number.
    """
    kind = student_number_kind(document, id_usable=id_usable)
    if kind is StudentNumberKind.OFFICIAL and document.resident is not None:
        return official_student_number(document.resident)
    if kind is StudentNumberKind.SUBSTITUTE:
        return substitute_student_number(
            school_area_code=school_area_code, birth_date=birth_date, sequence=sequence
        )
    return temporary_student_number(
        school_area_code=school_area_code, birth_date=birth_date, rng=rng
    )


def upgrade_student_number(
    current: str, resident: ResidentId, *, population_check_passed: bool = False
) -> str:
    """The G number replacing an L or J number (第十条, DOMAIN §1.1).

    L → G only after the nationwide duplicate check and the 国家人口基础信息库 check
    passed; J → G once the student has an ID number. A G number never changes.
    The old record is kept by the caller.
    """
    number = validate_student_number(current)
    if number.kind is StudentNumberKind.OFFICIAL:
        raise RuleViolation(
            "STUDENT_NUMBER_FINAL",
            "正式学籍号一人一号，终身不变。",
            article=NUMBER_ARTICLE,
            field=["nationalStudentNumber"],
        )
    if number.kind is StudentNumberKind.TEMPORARY and not population_check_passed:
        raise RuleViolation(
            "POPULATION_CHECK_PENDING",
            "临时学籍号须通过全国查重和国家人口基础信息库比对后方可转为正式学籍号。",
            article=NUMBER_ARTICLE,
            field=["nationalStudentNumber"],
        )
    return official_student_number(resident)
