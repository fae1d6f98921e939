"""District settings: the points the specification leaves to counsel.

Every point FERPA.md marks for verification is a field here, with the
default that protects the student until counsel signs off on a change. The
engine reads these and nothing else; no rule hides a policy choice in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DistrictSettings:
    """Policy choices the district makes, each with its safe default.

    Attributes:
        access_deadline_days: days allowed to answer an access request or a
            consented dispatch (EC 49069.7; 5 CCR 431).
        access_deadline_in_business_days: count that deadline in business
            days (EC 49069.7). False counts calendar days, the stricter
            reading of 5 CCR 431 that counsel may choose.
        transfer_deadline_schooldays: schooldays allowed to forward a K-12
            permanent record to the receiving school (EC 49068).
        subpoena_notice_hold_days: calendar days production waits after the
            advance notice to the rights holder (district policy, section 6.2).
        notify_parents_of_adult_on_legal_process: also notify the parents of
            an adult when legal process arrives. Off: telling a parent about
            an adult's subpoena is itself a disclosure.
        annual_notice_waives_transfer_notice: the annual notice says records
            are forwarded to schools, so a transfer of a minor's record needs
            no 99.34 notice. Off: the notice goes out unless the rights
            holder asked for the transfer.
        screening_consent_may_name_class: a consent for a background-screening
            company may name a class of parties instead of the company.
        negative_confirmation_is_directory: a negative answer ("did not
            graduate") counts as directory information.
        holidays: days that are neither business days nor schooldays.
        non_school_days: weekdays in the school year when school is not in
            session (breaks); they are business days but not schooldays.
    """

    access_deadline_days: int = 5
    access_deadline_in_business_days: bool = True
    transfer_deadline_schooldays: int = 10
    subpoena_notice_hold_days: int = 10
    notify_parents_of_adult_on_legal_process: bool = False
    annual_notice_waives_transfer_notice: bool = False
    screening_consent_may_name_class: bool = False
    negative_confirmation_is_directory: bool = False
    holidays: frozenset[date] = frozenset()
    non_school_days: frozenset[date] = frozenset()
