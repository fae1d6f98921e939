"""Section 9 clocks: counted from the day after receipt, skipping what the law skips."""

from __future__ import annotations

from datetime import date

import pytest

from requests_portal.policy import DistrictSettings
from requests_portal.policy.clocks import (
    access_due_on,
    add_business_days,
    add_schooldays,
)

THANKSGIVING = date(2026, 11, 26)
WINTER_BREAK = frozenset(date(2026, 12, day) for day in range(21, 32))


@pytest.mark.parametrize(
    ("received", "settings", "due"),
    [
        pytest.param(
            date(2026, 3, 2), DistrictSettings(), date(2026, 3, 9), id="monday"
        ),
        pytest.param(
            date(2026, 3, 6), DistrictSettings(), date(2026, 3, 13), id="friday"
        ),
        pytest.param(
            date(2026, 3, 7), DistrictSettings(), date(2026, 3, 13), id="saturday"
        ),
        pytest.param(
            date(2026, 11, 23),
            DistrictSettings(holidays=frozenset({THANKSGIVING})),
            date(2026, 12, 1),
            id="holiday-skipped",
        ),
        pytest.param(
            date(2026, 3, 2),
            DistrictSettings(access_deadline_in_business_days=False),
            date(2026, 3, 7),
            id="calendar-days-setting",
        ),
    ],
)
def test_access_deadline_counts_business_days(
    received: date, settings: DistrictSettings, due: date
) -> None:
    assert access_due_on(received, settings) == due


def test_schooldays_skip_breaks_but_business_days_do_not() -> None:
    settings = DistrictSettings(non_school_days=WINTER_BREAK)

    assert add_schooldays(date(2026, 12, 18), 1, settings) == date(2027, 1, 1)
    assert add_business_days(date(2026, 12, 18), 1, settings) == date(2026, 12, 21)


def test_summer_weekdays_are_schooldays() -> None:
    assert add_schooldays(date(2026, 7, 1), 10, DistrictSettings()) == date(2026, 7, 15)
