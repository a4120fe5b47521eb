"""The national immunization schedule and the school-entry vaccination check.

Doses count under 《国家免疫规划疫苗儿童免疫程序及说明（2021年版）》 with the 2025
百白破 change; the entry check follows 《疫苗管理法》第四十八条 and
《儿童入托、入学预防接种证查验办法》 (2021). The schedule and the products that count
toward it are data: ``rules/data/vaccines.json``.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any, Protocol

from rules.errors import RuleViolation

# Limitation: minimum ages and intervals between doses, and the 2021 catch-up
# (补种) rules other than BCG's, were not retrieved; a dose counts whatever its age.
# Nor are substitutions encoded (MPSV-AC for missed MPSV-A, how many polio doses
# must be IPV, a JE series mixing live and inactivated doses). Lifting it needs the
# official 说明 text encoded per dose in vaccines.json.

COMPLETED = "completed"
NOT_DONE = "not-done"
ENTERED_IN_ERROR = "entered-in-error"
STATUSES = frozenset({COMPLETED, NOT_DONE, ENTERED_IN_ERROR})

ENTRY_CHECK_RULE = "《儿童入托、入学预防接种证查验办法》"
_AGE = re.compile(r"^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?$")


class ProtocolDoseLike(Protocol):
    @property
    def series(self) -> str | None: ...
    @property
    def dose_number(self) -> int | None: ...


class DoseRecord(Protocol):
    """What the rules read of a vaccination record (``adapters.records`` has one)."""

    @property
    def source(self) -> str: ...
    @property
    def source_record_id(self) -> str: ...
    @property
    def deleted(self) -> bool: ...
    @property
    def vaccine(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def is_subpotent(self) -> bool: ...
    @property
    def occurred_on(self) -> date | None: ...
    @property
    def protocol(self) -> Sequence[ProtocolDoseLike]: ...


@dataclass(frozen=True)
class Age:
    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Age:
        match = _AGE.match(text)
        if match is None or not text:
            raise ValueError(f"bad age {text!r}")
        years, months, days = (int(part or 0) for part in match.groups())
        return cls(years, months, days)

    def after(self, birth: date) -> date:
        """The date a child born on ``birth`` reaches this age."""
        return _add_months(birth, self.years * 12 + self.months) + timedelta(
            days=self.days
        )


@dataclass(frozen=True)
class ScheduledDose:
    number: int
    age: Age
    also_before: date | None = None
    also_products: frozenset[str] = frozenset()
    no_catch_up_from: Age | None = None

    def accepts(
        self, option: SeriesOption, product: str, given_on: date | None
    ) -> bool:
        if product in option.products:
            return True
        if self.also_before is None or given_on is None:
            return False
        return product in self.also_products and given_on < self.also_before


@dataclass(frozen=True)
class SeriesOption:
    products: tuple[str, ...]
    doses: tuple[ScheduledDose, ...]
    born_before: date | None = None
    born_from: date | None = None

    def applies_to(self, birth: date) -> bool:
        if self.born_before is not None and birth >= self.born_before:
            return False
        return self.born_from is None or birth >= self.born_from

    def accepted_products(self) -> frozenset[str]:
        return frozenset(self.products).union(*(d.also_products for d in self.doses))


@dataclass(frozen=True)
class Series:
    key: str
    name: str
    target_diseases: frozenset[str]
    options: tuple[SeriesOption, ...]


@dataclass(frozen=True)
class Product:
    key: str
    name: str
    aliases: tuple[str, ...]
    cvx: tuple[str, ...]
    series: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    """The schedule and the vaccine products, as loaded from vaccines.json."""

    products: Mapping[str, Product]
    series: tuple[Series, ...]
    check_within_days: int
    recheck_month: int
    recheck_day: int

    def product_for_cvx(self, code: str) -> str | None:
        code = code.strip().lstrip("0").zfill(2)
        return next((p.key for p in self.products.values() if code in p.cvx), None)

    def product_for_name(self, text: str) -> str | None:
        text = "".join(text.split())
        for product in self.products.values():
            if text == product.name or text in product.aliases:
                return product.key
        return None

    def series_for_disease(self, code: str) -> frozenset[str]:
        return frozenset(s.key for s in self.series if code in s.target_diseases)

    def components(self, product: str) -> tuple[str, ...]:
        """The schedule series a product counts toward (two or more if combined)."""
        found = self.products.get(product)
        return found.series if found is not None else ()


@dataclass(frozen=True)
class CountedDose:
    """One dose that counts toward one series of the schedule."""

    series: str
    product: str
    given_on: date | None
    dose_number: int | None
    source_record_id: str


@dataclass(frozen=True)
class MissingDose:
    """A dose the schedule expects by the entry check and the record lacks."""

    series: str
    name: str
    dose_number: int
    due_on: date
    recheck_by: date


@cache
def catalogue() -> Catalogue:
    """The schedule from ``rules/data/vaccines.json`` (read once)."""
    text = resources.files("rules").joinpath("data/vaccines.json").read_text("utf-8")
    return _build_catalogue(json.loads(text))


def doses_counted(doses: Iterable[DoseRecord]) -> list[CountedDose]:
    """The doses that count toward the schedule, one per series per event.

    Records are read in the order received and a later version of the same
    (source, source record id) replaces the earlier one, so an entered-in-error
    message or a tombstone withdraws what the record had counted. Not-done,
    sub-potent and entered-in-error records count nothing; a combined vaccine counts
    once for each of its components; the same series given on the same day by two
    records counts once.
    """
    latest: dict[tuple[str, str], DoseRecord] = {}
    for dose in doses:
        latest[(dose.source, dose.source_record_id)] = dose

    counted: dict[tuple[str, date | str], CountedDose] = {}
    for dose in latest.values():
        if not _counts(dose) or dose.vaccine is None:
            continue
        for entry in _expand(dose, dose.vaccine):
            marker = entry.given_on or entry.source_record_id
            counted.setdefault((entry.series, marker), entry)
    return sorted(counted.values(), key=lambda d: (d.series, _date_key(d)))


def check_deadline(entry_date: date) -> date:
    """Last day of the entry check: 30 days after entry (查验办法)."""
    return entry_date + timedelta(days=catalogue().check_within_days)


def recheck_date(entry_date: date) -> date:
    """The re-check after catch-up: end of December of the entry year (查验办法)."""
    data = catalogue()
    return date(entry_date.year, data.recheck_month, data.recheck_day)


def entry_check(
    birth_date: date, doses: Iterable[DoseRecord], entry_date: date
) -> list[MissingDose]:
    """Doses missing at school entry (入学查验, 《儿童入托、入学预防接种证查验办法》).

    Expects every dose the schedule sets at an age the child reaches by the end of
    the 30-day check window; where a series has alternatives (live or inactivated
    JE and HepA) the one the child's record fits best is used. BCG is not listed
    from 4 years of age, since it is no longer caught up. Each missing dose carries
    the December re-check date. Entry is never refused for missing doses: the school
    urges catch-up (补种) and re-checks.
    """
    if entry_date < birth_date:
        raise RuleViolation(
            "ENTRY_BEFORE_BIRTH",
            "入学日期早于出生日期，无法查验预防接种证",
            article=ENTRY_CHECK_RULE,
            field=["entryDate"],
        )
    horizon = check_deadline(entry_date)
    recheck = recheck_date(entry_date)
    counted = doses_counted(doses)

    missing: list[MissingDose] = []
    for series in catalogue().series:
        mine = [dose for dose in counted if dose.series == series.key]
        for number, due in _series_gaps(series, mine, birth_date, entry_date, horizon):
            missing.append(MissingDose(series.key, series.name, number, due, recheck))
    return missing


def _counts(dose: DoseRecord) -> bool:
    return not (dose.deleted or dose.status != COMPLETED or dose.is_subpotent)


def _expand(dose: DoseRecord, product: str) -> list[CountedDose]:
    components = catalogue().components(product)
    expanded = []
    for series in components:
        number = _stated_dose_number(dose.protocol, series, len(components))
        expanded.append(
            CountedDose(
                series, product, dose.occurred_on, number, dose.source_record_id
            )
        )
    return expanded


def _stated_dose_number(
    protocol: Sequence[ProtocolDoseLike], series: str, components: int
) -> int | None:
    for entry in protocol:
        if entry.series == series:
            return entry.dose_number
    if components == 1 and len(protocol) == 1 and protocol[0].series is None:
        return protocol[0].dose_number
    return None


def _series_gaps(
    series: Series,
    doses: list[CountedDose],
    birth: date,
    entry: date,
    horizon: date,
) -> list[tuple[int, date]]:
    options = [option for option in series.options if option.applies_to(birth)]
    results = []
    for option in options:
        filled = _fill(option, doses)
        results.append((_gaps(option, filled, birth, entry, horizon), len(filled)))
    # Fewest gaps; on a tie the option the child has started, then the first
    # listed (the programme's default).
    best = min(results, key=lambda result: (len(result[0]), -result[1]), default=None)
    return best[0] if best is not None else []


def _fill(option: SeriesOption, doses: list[CountedDose]) -> set[int]:
    """The scheduled dose numbers the counted doses cover.

    A dose the source numbered takes that number; the others fill the lowest
    free dose that accepts them, in date order.
    """
    accepted = option.accepted_products()
    usable = sorted((d for d in doses if d.product in accepted), key=_date_key)
    filled: set[int] = set()
    unnumbered = []
    for dose in usable:
        slot = _slot(option, dose.dose_number)
        if slot is not None and _fits(slot, option, dose, filled):
            filled.add(slot.number)
        else:
            unnumbered.append(dose)
    for dose in unnumbered:
        free = (s for s in option.doses if _fits(s, option, dose, filled))
        slot = next(free, None)
        if slot is not None:
            filled.add(slot.number)
    return filled


def _gaps(
    option: SeriesOption, filled: set[int], birth: date, entry: date, horizon: date
) -> list[tuple[int, date]]:
    gaps = []
    for slot in option.doses:
        due = slot.age.after(birth)
        if slot.number in filled or due > horizon:
            continue
        if _past_catch_up(slot, birth, entry):
            continue
        gaps.append((slot.number, due))
    return gaps


def _fits(
    slot: ScheduledDose, option: SeriesOption, dose: CountedDose, filled: set[int]
) -> bool:
    if slot.number in filled:
        return False
    return slot.accepts(option, dose.product, dose.given_on)


def _past_catch_up(slot: ScheduledDose, birth: date, entry: date) -> bool:
    stop = slot.no_catch_up_from
    return stop is not None and entry >= stop.after(birth)


def _slot(option: SeriesOption, number: int | None) -> ScheduledDose | None:
    if number is None or not 1 <= number <= len(option.doses):
        return None
    return option.doses[number - 1]


def _date_key(dose: CountedDose) -> date:
    return dose.given_on or date.min


def _add_months(day: date, months: int) -> date:
    # Calendar months with the day clamped to the month's end; small enough that
    # it is not worth a dependency on python-dateutil.
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _build_catalogue(raw: Mapping[str, Any]) -> Catalogue:
    products = {
        key: Product(
            key,
            item["name"],
            tuple(item["aliases"]),
            tuple(item["cvx"]),
            tuple(item["series"]),
        )
        for key, item in raw["products"].items()
    }
    series = tuple(_build_series(item) for item in raw["series"])
    check = raw["entry_check"]
    return Catalogue(
        products,
        series,
        check["check_within_days"],
        check["recheck_month"],
        check["recheck_day"],
    )


def _build_series(raw: Mapping[str, Any]) -> Series:
    options = tuple(_build_option(item) for item in raw["options"])
    return Series(raw["key"], raw["name"], frozenset(raw["target_diseases"]), options)


def _build_option(raw: Mapping[str, Any]) -> SeriesOption:
    doses = []
    for number, item in enumerate(raw["doses"], start=1):
        also = item.get("also_before")
        stop = item.get("no_catch_up_from")
        doses.append(
            ScheduledDose(
                number,
                Age.parse(item["age"]),
                date.fromisoformat(also["date"]) if also else None,
                frozenset(also["products"]) if also else frozenset(),
                Age.parse(stop) if stop else None,
            )
        )
    return SeriesOption(
        tuple(raw["products"]),
        tuple(doses),
        _optional_date(raw.get("born_before")),
        _optional_date(raw.get("born_from")),
    )


def _optional_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
