"""The student basic-information record (第十、十一条) and its review workflow.

Items and their numbers follow the national 《全国中小学学籍管理系统学生基本信息表》;
★ items are required (⚠️ from a third-party copy of the form). Field paths in faults use
the camelCase GraphQL input names, e.g. ``["guardians", "0", "phone"]``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, TypeVar

from rules.codes import check_code, check_division_code
from rules.errors import RuleViolation
from rules.identity import (
    RESIDENT_ID,
    id_mismatches,
    normalise_id_number,
    parse_id_number,
    validate_id_document,
)

RECORD_ARTICLE = "第十条"
REVIEW_ARTICLE = "第十一条"
FORM = "学籍基础信息填报说明"
MAX_GUARDIANS = 2
MAX_NAME_LENGTH = 50
COMPULSORY_GRADES = range(1, 10)

_PHONE_RE = re.compile(r"1[3-9][0-9]{9}|(0[1-9][0-9]{1,2}-?)?[0-9]{7,8}|\+[0-9]{6,15}")
_POSTCODE_RE = re.compile(r"[0-9]{6}")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# 随班就读 code → the 残疾类型 codes it allows (⚠️ a school's client-side check).
_INCLUSIVE_DISABILITY = {
    "0": frozenset({"0"}),
    "1": frozenset({"1"}),
    "2": frozenset({"2"}),
    "3": frozenset({"5"}),
    "4": frozenset({"3", "4", "6", "7", "8"}),
}

R = TypeVar("R", "BasicInfo", "Guardian")


class Item(NamedTuple):
    """A numbered item of the national form; ``required`` marks a ★ item."""

    number: int
    label: str
    required: bool = False


@dataclass(frozen=True)
class Guardian:
    """家庭成员或监护人 (items 49–60 / 61–72)."""

    name: str | None = None
    relation: str | None = None
    relation_note: str | None = None
    ethnicity: str | None = None
    employer: str | None = None
    current_address: str | None = None
    household_place: str | None = None
    phone: str | None = None
    is_guardian: bool | None = None
    id_type: str | None = None
    id_number: str | None = None
    position: str | None = None


@dataclass(frozen=True)
class BasicInfo:
    """学生基本信息 (items 1–48) with up to two family members or guardians."""

    name: str | None = None
    sex: str | None = None
    birth_date: date | None = None
    birth_place: str | None = None
    native_place: str | None = None
    ethnicity: str | None = None
    nationality: str | None = None
    id_type: str | None = None
    id_number: str | None = None
    hmt_overseas: str | None = None
    political_status: str | None = None
    health_status: str | None = None
    photo: str | None = None
    name_pinyin: str | None = None
    former_name: str | None = None
    id_expiry: date | None = None
    household_place: str | None = None
    household_type: str | None = None
    special_talent: str | None = None
    secondary_number: str | None = None
    class_number: str | None = None
    grade: int | None = None
    class_name: str | None = None
    entry_date: date | None = None
    entry_route: str | None = None
    attendance_mode: str | None = None
    student_source: str | None = None
    current_address: str | None = None
    mailing_address: str | None = None
    home_address: str | None = None
    phone: str | None = None
    postcode: str | None = None
    email: str | None = None
    homepage: str | None = None
    only_child: bool | None = None
    had_preschool: bool | None = None
    left_behind: str | None = None
    migrant_child: bool | None = None
    orphan: bool | None = None
    martyr_child: bool | None = None
    inclusive_class: str | None = None
    disability_type: str | None = None
    government_place: bool | None = None
    needs_aid: bool | None = None
    receives_subsidy: bool | None = None
    commute_distance_km: float | None = None
    commute_mode: str | None = None
    needs_school_bus: bool | None = None
    guardians: tuple[Guardian, ...] = ()
    attendance_proof_filed: bool = False


# (attribute, code table) of the coded items.
_STUDENT_CODES = (
    ("sex", "sex"),
    ("ethnicity", "ethnicity"),
    ("nationality", "nationality"),
    ("hmt_overseas", "hmt_overseas"),
    ("political_status", "political_status"),
    ("health_status", "health_status"),
    ("household_type", "household_type"),
    ("entry_route", "entry_route"),
    ("attendance_mode", "attendance_mode"),
    ("student_source", "student_source"),
    ("left_behind", "left_behind"),
    ("inclusive_class", "inclusive_class"),
    ("disability_type", "disability_type"),
    ("commute_mode", "commute_mode"),
)
_STUDENT_PLACES = ("birth_place", "native_place", "household_place")
_GUARDIAN_CODES = (("relation", "family_relation"), ("ethnicity", "ethnicity"))


def camel(name: str) -> str:
    """The GraphQL (camelCase) name of a snake_case attribute."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@cache
def form_items(part: Literal["student", "guardian"]) -> Mapping[str, Item]:
    """Attribute → numbered item of the national form, in form order."""
    resource = resources.files("rules").joinpath("data", "form_basic_info_items.json")
    rows = json.loads(resource.read_text(encoding="utf-8"))[part]
    items = {
        row["attr"]: Item(row["item"], row["label"], row["required"]) for row in rows
    }
    return MappingProxyType(items)


def items_of(record: BasicInfo | Guardian) -> Mapping[str, Item]:
    """The form items of a student record or of a guardian."""
    return form_items("student" if isinstance(record, BasicInfo) else "guardian")


def _clean(value: object) -> object:
    if not isinstance(value, str):
        return value
    return value.strip() or None


def _normalised(record: R) -> R:
    changes: dict[str, Any] = {
        name: _clean(getattr(record, name)) for name in items_of(record)
    }
    id_number = changes.get("id_number")
    if isinstance(id_number, str):
        changes["id_number"] = normalise_id_number(id_number)
    return replace(record, **changes)


def normalise_basic_info(info: BasicInfo, *, today: date) -> BasicInfo:
    """Trim every text, blank to None, upper-case the ID number, and fill birth date
    and sex from a valid resident ID number where they were left out (GB 11643-1999).
    """
    clean = _normalised(info)
    guardians = tuple(_normalised(g) for g in info.guardians)
    clean = replace(clean, guardians=guardians)
    if clean.id_type != RESIDENT_ID or clean.id_number is None:
        return clean
    try:
        resident = parse_id_number(clean.id_number, today=today)
    except RuleViolation:
        return clean
    return replace(
        clean,
        birth_date=clean.birth_date or resident.birth_date,
        sex=clean.sex or resident.sex,
    )


def _missing(
    record: BasicInfo | Guardian, prefix: tuple[str, ...]
) -> list[RuleViolation]:
    return [
        RuleViolation(
            "REQUIRED_FIELD_MISSING",
            f"{item.label}为必填项。",
            article=RECORD_ARTICLE,
            field=[*prefix, camel(name)],
        )
        for name, item in items_of(record).items()
        if item.required and getattr(record, name) is None
    ]


def _caught(
    check: Callable[..., object], *args: Any, **kwargs: Any
) -> list[RuleViolation]:
    try:
        check(*args, **kwargs)
    except RuleViolation as fault:
        return [fault]
    return []


def _coded(
    record: BasicInfo | Guardian,
    pairs: tuple[tuple[str, str], ...],
    prefix: tuple[str, ...],
) -> list[RuleViolation]:
    faults: list[RuleViolation] = []
    for attr, table in pairs:
        value = getattr(record, attr)
        if value is not None:
            faults += _caught(check_code, table, value, [*prefix, camel(attr)])
    return faults


def _fault(
    code: str, message: str, path: list[str], article: str = FORM
) -> RuleViolation:
    return RuleViolation(code, message, article=article, field=path)


def _format_faults(info: BasicInfo, today: date) -> list[RuleViolation]:
    faults: list[RuleViolation] = []
    if info.name is not None and len(info.name) > MAX_NAME_LENGTH:
        faults.append(_fault("INVALID_NAME", "姓名过长。", ["name"]))
    if info.birth_date is not None and info.birth_date > today:
        faults.append(
            _fault("BIRTH_DATE_IN_FUTURE", "出生日期晚于今天。", ["birthDate"])
        )
    if info.grade is not None and info.grade not in COMPULSORY_GRADES:
        faults.append(_fault("INVALID_GRADE", "义务教育年级应为1至9。", ["grade"]))
    if info.birth_date and info.entry_date and info.entry_date <= info.birth_date:
        faults.append(
            _fault("ENTRY_BEFORE_BIRTH", "入学年月早于出生日期。", ["entryDate"])
        )
    distance = info.commute_distance_km
    if distance is not None and not (math.isfinite(distance) and distance >= 0):
        faults.append(
            _fault("INVALID_DISTANCE", "上下学距离应为非负数。", ["commuteDistanceKm"])
        )
    return faults + _contact_faults(info.phone, info.postcode, info.email, ())


def _contact_faults(
    phone: str | None, postcode: str | None, email: str | None, prefix: tuple[str, ...]
) -> list[RuleViolation]:
    faults: list[RuleViolation] = []
    if phone is not None and not _PHONE_RE.fullmatch(phone):
        message = "联系电话格式不正确。"
        faults.append(_fault("INVALID_PHONE", message, [*prefix, "phone"]))
    if postcode is not None and not _POSTCODE_RE.fullmatch(postcode):
        message = "邮政编码应为6位数字。"
        faults.append(_fault("INVALID_POSTCODE", message, [*prefix, "postcode"]))
    if email is not None and not _EMAIL_RE.fullmatch(email):
        message = "电子信箱格式不正确。"
        faults.append(_fault("INVALID_EMAIL", message, [*prefix, "email"]))
    return faults


def _place_faults(info: BasicInfo) -> list[RuleViolation]:
    faults: list[RuleViolation] = []
    for attr in _STUDENT_PLACES:
        value = getattr(info, attr)
        if value is not None:
            faults += _caught(check_division_code, value, [camel(attr)])
    return faults


def _document_faults(info: BasicInfo, today: date) -> list[RuleViolation]:
    if info.id_type is None:
        return []
    try:
        document = validate_id_document(
            info.id_type,
            info.id_number,
            today=today,
            attendance_proof_filed=info.attendance_proof_filed,
        )
    except RuleViolation as fault:
        return [fault]
    if document.resident is None:
        return []
    return id_mismatches(document.resident, birth_date=info.birth_date, sex=info.sex)


def inclusive_class_faults(
    inclusive_class: str | None,
    disability_type: str | None,
    *,
    special_education: bool = False,
) -> list[RuleViolation]:
    """随班就读 and 残疾类型 must agree (第九条; ⚠️ rule from a school's own check).

    非随班就读 ⇒ 无残疾 (except in a special-education school); 视力/听力/智力随班就读 ⇒
    the same 残疾类型; 其他残疾随班就读 ⇒ 言语、肢体、精神、多重 or 其他.
    """
    if inclusive_class is None or disability_type is None:
        return []
    allowed = _INCLUSIVE_DISABILITY.get(inclusive_class)
    if allowed is None or disability_type in allowed:
        return []
    if special_education and inclusive_class == "0":
        return []
    return [
        _fault(
            "INCLUSIVE_CLASS_DISABILITY_MISMATCH",
            "随班就读类别与残疾类型不一致。",
            ["disabilityType"],
            article="第九条",
        )
    ]


def guardian_faults(guardian: Guardian, index: int, today: date) -> list[RuleViolation]:
    """Faults of one family member or guardian, under ``["guardians", index, ...]``."""
    prefix = ("guardians", str(index))
    faults = _missing(guardian, prefix)
    faults += _coded(guardian, _GUARDIAN_CODES, prefix)
    faults += _contact_faults(guardian.phone, None, None, prefix)
    if guardian.household_place is not None:
        path = [*prefix, "householdPlace"]
        faults += _caught(check_division_code, guardian.household_place, path)
    if guardian.id_number is None:
        return faults
    if guardian.id_type is None:
        message = "填写证件号码时须选择身份证件类型。"
        return [*faults, _fault("REQUIRED_FIELD_MISSING", message, [*prefix, "idType"])]
    return faults + _caught(
        validate_id_document,
        guardian.id_type,
        guardian.id_number,
        today=today,
        field=[*prefix, "idNumber"],
        type_field=[*prefix, "idType"],
    )


def validate_basic_info(
    info: BasicInfo, today: date, *, special_education: bool = False
) -> list[RuleViolation]:
    """Every fault of a basic-information record (第十条; national form, ★ required).

    Checks required items, code tables, GB/T 2260 places, the ID document
    (GB 11643-1999 for type 1, with birth date and sex agreeing), contact formats,
    随班就读/残疾类型 agreement and each guardian (at most two).
    """
    info = normalise_basic_info(info, today=today)
    faults = _missing(info, ())
    faults += _coded(info, _STUDENT_CODES, ())
    faults += _place_faults(info)
    faults += _document_faults(info, today)
    faults += _format_faults(info, today)
    faults += inclusive_class_faults(
        info.inclusive_class, info.disability_type, special_education=special_education
    )
    if len(info.guardians) > MAX_GUARDIANS:
        message = f"家庭成员或监护人最多填写{MAX_GUARDIANS}人。"
        faults.append(_fault("TOO_MANY_GUARDIANS", message, ["guardians"]))
    for index, guardian in enumerate(info.guardians[:MAX_GUARDIANS]):
        faults += guardian_faults(guardian, index, today)
    return faults
