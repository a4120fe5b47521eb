"""Organisation and calendar: districts, schools, classes, school years, terms."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime


class District(Base):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)  # GB/T 2260
    name: Mapped[str] = mapped_column(String(50))


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    # 第二条: PRIMARY, JUNIOR, NINE_YEAR, SPECIAL, WORK_STUDY.
    kind: Mapped[str] = mapped_column(String(16))
    ownership: Mapped[str] = mapped_column(String(8))  # PUBLIC or PRIVATE
    locale: Mapped[str] = mapped_column(String(8))  # URBAN, TOWN or RURAL
    catchment: Mapped[str | None] = mapped_column(String(500))
    address: Mapped[str | None] = mapped_column(String(200))
    # 第十二条: a merged school's archives go to the merging school, a closed
    # school's to the district.
    closed_on: Mapped[date | None] = mapped_column(Date)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))


class SchoolClass(Base):
    __tablename__ = "classes"
    __table_args__ = (UniqueConstraint("school_id", "school_year", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    school_year: Mapped[int] = mapped_column(Integer)  # N for 1 Sep N..31 Aug N+1
    grade: Mapped[int] = mapped_column(Integer)  # 1..9 ("六三"分段, 第二条)
    name: Mapped[str] = mapped_column(String(40))
    head_teacher: Mapped[str | None] = mapped_column(String(64))


class SchoolYear(Base):
    __tablename__ = "school_years"
    __table_args__ = (UniqueConstraint("district_id", "start_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    start_year: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class Term(Base):
    __tablename__ = "terms"
    __table_args__ = (UniqueConstraint("school_year_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1 autumn, 2 spring
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class SchoolHoliday(Base):
    """A holiday period (寒暑假) of a district's school year (第十三条(三))."""

    __tablename__ = "school_holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"))
    name: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class CalendarDay(Base):
    """A day that breaks the weekday pattern: a statutory holiday or a 调休 workday.

    A year counts as loaded only when it has a ``CalendarYear`` row; deadlines in
    working days refuse to guess for a year that is not loaded.
    """

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool]
    name: Mapped[str | None] = mapped_column(String(40))


class CalendarYear(Base):
    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
