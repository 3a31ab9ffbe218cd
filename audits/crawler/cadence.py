"""How often a duty falls due, as dates: the statutory calendar (audits.calendar) and the matcher's
judgement of whether a yearly report is the one due by the audit date share these rules."""

from __future__ import annotations

import calendar as month_lengths
import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or that month's last day (31 January + 1 month: 28 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, month_lengths.monthrange(year, month + 1)[1]))


def day_in(year: int, month_day: str) -> datetime.date:
    month, day = month_day.split("-")
    return datetime.date(year, int(month), int(day))


def first_after(month_day: str, day: datetime.date, inclusive: bool = False) -> datetime.date:
    this_year = day_in(day.year, month_day)
    return this_year if this_year > day or (inclusive and this_year == day) else day_in(day.year + 1, month_day)


@dataclass(frozen=True)
class YearlyDeadline:
    """A report due by one day each year (`due_by`, "10-31"), on the data as at `snapshot` ("03-31")."""

    due_by: str
    snapshot: str = ""

    @classmethod
    def of(cls, cadence: Mapping[str, Any]) -> YearlyDeadline | None:
        return cls(cadence["due_by"], cadence.get("snapshot", "")) if "due_by" in cadence else None

    def answered(self, published_on: datetime.date | None, covers_until: datetime.date | None) -> datetime.date | None:
        """The deadline a report answered, read from each of its dates and the latest reading kept.

        A date in the snapshot's month is the date its data are as at ("data as at 31 March 2024"), which
        the next deadline answers; another is when it was published, which answers the nearest deadline
        (a report a few weeks late still answers that year's). The period it covers ends at its snapshot.
        """
        readings = []
        if published_on:
            if self.snapshot and published_on.month == day_in(2000, self.snapshot).month:
                readings.append(first_after(self.due_by, published_on, inclusive=True))
            else:
                years = (published_on.year - 1, published_on.year, published_on.year + 1)
                deadlines = [day_in(year, self.due_by) for year in years]
                readings.append(min(deadlines, key=lambda deadline: (abs(deadline - published_on), deadline)))
        if covers_until:
            as_at = first_after(self.snapshot, covers_until, inclusive=True) if self.snapshot else covers_until
            readings.append(first_after(self.due_by, as_at))
        return max(readings, default=None)

    def latest_passed(self, day: datetime.date) -> datetime.date:
        """The last deadline on or before `day`: the report every trust had to have published by then."""
        this_year = day_in(day.year, self.due_by)
        return this_year if this_year <= day else day_in(day.year - 1, self.due_by)
