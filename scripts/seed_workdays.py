"""Write rules/data/workdays.json from the chinese-calendar package.

The hub's rules read the JSON, not the package, so that a district officer can load
the next year's arrangement as soon as the State Council (国务院办公厅) publishes it,
without waiting for a package release. This script seeds the years the package knows.

Usage: python scripts/seed_workdays.py [--first 2004] [--last 2026] [--out PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
from collections.abc import Mapping
from pathlib import Path

import chinese_calendar

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "rules" / "data" / "workdays.json"

# The package names holidays in English; the data file keeps the Chinese names.
CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def _by_year(
    days: Mapping[dt.date, str], first: int, last: int
) -> dict[int, dict[str, str]]:
    years: dict[int, dict[str, str]] = {year: {} for year in range(first, last + 1)}
    for day in sorted(days):
        if first <= day.year <= last:
            years[day.year][day.isoformat()] = CHINESE_NAMES[days[day]]
    return years


def build(first: int, last: int) -> dict[str, object]:
    """The data file's content for the calendar years ``first``..``last``."""
    holidays = _by_year(chinese_calendar.constants.holidays, first, last)
    makeup = _by_year(chinese_calendar.constants.workdays, first, last)
    years = {
        str(year): {"holidays": holidays[year], "makeup_workdays": makeup[year]}
        for year in range(first, last + 1)
    }
    return {
        "description": (
            "法定节假日（放假日期，含其间的周末）与调休上班日，按公历年份。"
            "来源：国务院办公厅节假日安排通知。"
        ),
        "seeded_from": f"chinesecalendar {chinese_calendar.__version__}",
        "years": years,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--first", type=int, default=2004)
    parser.add_argument("--last", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    data = build(args.first, args.last)
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False)
    args.out.write_text(text + "\n", encoding="utf-8")

    logging.basicConfig(level=logging.INFO)
    logger.info("wrote years %s-%s to %s", args.first, args.last, args.out)


if __name__ == "__main__":
    main()
