"""Deadlines of FERPA.md section 9, counted the way the statutes count them.

Counting starts the day after receipt. A business day is a weekday that is
not a district holiday. A schoolday (EC 49068(c)) is a business day on which
school is in session, which includes non-holiday weekdays in the summer
break, so only the district's listed in-term closures are skipped besides
holidays.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from requests_portal.policy.settings import DistrictSettings

_ONE_DAY = timedelta(days=1)


def add_business_days(start: date, days: int, settings: DistrictSettings) -> date:
    """Return the day ``days`` business days after ``start``."""
    return _count_forward(start, days, lambda day: _is_business_day(day, settings))


def add_schooldays(start: date, days: int, settings: DistrictSettings) -> date:
    """Return the day ``days`` schooldays after ``start`` (EC 49068)."""
    return _count_forward(
        start,
        days,
        lambda day: (
            _is_business_day(day, settings) and day not in settings.non_school_days
        ),
    )


def access_due_on(received_on: date, settings: DistrictSettings) -> date:
    """Return the deadline for access or dispatch (EC 49069.7; 5 CCR 431)."""
    if settings.access_deadline_in_business_days:
        return add_business_days(received_on, settings.access_deadline_days, settings)
    return received_on + timedelta(days=settings.access_deadline_days)


def _is_business_day(day: date, settings: DistrictSettings) -> bool:
    return day.weekday() < 5 and day not in settings.holidays


def _count_forward(start: date, days: int, counts: Callable[[date], bool]) -> date:
    day = start
    counted = 0
    while counted < days:
        day += _ONE_DAY
        if counts(day):
            counted += 1
    return day
