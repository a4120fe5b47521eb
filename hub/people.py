"""Made-up people for the demo district and the tests: no real person's data.

Names are drawn from common characters, ID numbers get a correct GB 11643
check digit from python-stdnum, and birth dates agree with the grade.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from stdnum.cn import ric

from rules.errors import RuleViolation
from rules.identity import parse_id_number

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许"
    "傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆"
)
GIVEN = (
    "子涵浩宇欣怡梓轩一诺雨桐俊杰思远佳琪明轩若曦嘉懿晨阳语彤博文紫萱天佑"
    "可馨皓然诗涵睿泽雅琳铭泽静怡宇航梦瑶家豪书瑶昊天雨萱"
)
# 千山区 and its neighbours (DOMAIN.md §3); most children are born locally.
AREAS = ("210311",) * 6 + ("210302", "210303", "210304", "210381", "210321")
PINYIN_SAMPLE = ("zhang", "wang", "li", "liu", "chen", "yang", "zhao", "huang")


@dataclass(frozen=True)
class Person:
    name: str
    sex: str  # 1 male, 2 female
    birth_date: date
    id_number: str
    area: str


def id_number(area: str, born: date, sequence: int) -> str:
    """A GB 11643 number; the sequence's parity carries the sex (odd male)."""
    body = f"{area}{born:%Y%m%d}{sequence:03d}"
    # calc_check_digit expects the number with a check place and ignores it.
    return body + ric.calc_check_digit(body + "0")


def make_person(
    rng: random.Random,
    born: date,
    *,
    area: str | None = None,
    taken: set[str] | None = None,
) -> Person:
    """A made-up person; with ``taken``, never one whose ID number is in it."""
    for attempt in range(1000):
        # A code too young for the birth year: after a few tries, any code.
        person = _draw(rng, born, area if attempt < 3 else None)
        if _is_valid(person) and (taken is None or person.id_number not in taken):
            break
    if taken is not None:
        taken.add(person.id_number)
    return person


def _draw(rng: random.Random, born: date, area: str | None) -> Person:
    sex = rng.choice("12")
    sequence = rng.randrange(0, 999)
    if (sequence % 2 == 1) != (sex == "1"):
        sequence = sequence + 1 if sequence < 998 else sequence - 1
    where = area or rng.choice(AREAS)
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return Person(
        name=rng.choice(SURNAMES) + given,
        sex=sex,
        birth_date=born,
        id_number=id_number(where, born, sequence),
        area=where,
    )


def birth_date_for_grade(rng: random.Random, grade: int, school_year: int) -> date:
    """Born within the school-year cohort that is in ``grade`` (DOMAIN.md §10)."""
    start = date(school_year - 6 - grade, 9, 1)
    return start + timedelta(days=rng.randrange(365))


def phone(rng: random.Random) -> str:
    return (
        "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
    )


def _is_valid(person: Person) -> bool:
    """A division code can be younger than the person (210311 dates from 1983):
    draw again when GB/T 2260 did not know the code in the birth year."""
    try:
        parse_id_number(person.id_number, today=person.birth_date)
    except RuleViolation:
        return False
    return True
