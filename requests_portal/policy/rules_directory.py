"""Group D, directory information (rules 13-15).

Directory information goes out without consent only when every test of
rule 13 passes; an opt-out closes this route and no other (rule 15).
"""

from __future__ import annotations

from requests_portal.policy.case import Case, Finding, allow, deny
from requests_portal.policy.clocks import access_due_on
from requests_portal.policy.decision import Basis
from requests_portal.policy.facts import (
    DIRECTORY_PREFIX,
    Identifier,
    RequesterType,
    SchoolLevel,
)

# EC 49061(c) as amended by AB 143 (2011): a closed list; the district may
# designate only these. Place of birth was removed; email was added.
CALIFORNIA_DIRECTORY_CATEGORIES = frozenset(
    {
        "name",
        "address",
        "telephone",
        "email",
        "date_of_birth",
        "major_field_of_study",
        "activities_and_sports",
        "athlete_weight_and_height",
        "dates_of_attendance",
        "degrees_and_awards",
        "most_recent_previous_school",
    }
)

OPT_OUT_ALL = "ALL_DI"
OPT_OUT_MILITARY = "MILITARY"
OPT_OUT_HIGHER_ED = "HIGHER_ED"
OPT_OUT_EMPLOYERS = "PROSPECTIVE_EMPLOYERS"

# Private profit-making entities EC 49073(a) does not name as DI recipients.
_PROFIT_MAKING_NOT_NAMED = frozenset({RequesterType.SCREENING_COMPANY})

_ALWAYS_NON_DIRECTORY = frozenset(
    {Identifier.SSN, Identifier.STUDENT_ID, Identifier.OTHER}
)


def directory_category(record: str) -> str | None:
    """Return the category of a ``DIRECTORY:<category>`` record, else None."""
    if record.startswith(DIRECTORY_PREFIX):
        return record.removeprefix(DIRECTORY_PREFIX)
    return None


def decide_directory(case: Case) -> Finding | None:
    """Rules 13-14: release directory information only if no test fails."""
    requested = case.facts.request.records
    categories = [directory_category(record) for record in requested]
    if all(category is None for category in categories):
        return None
    if any(category is None for category in categories):
        return deny(
            "rule 13: the request includes records that are not directory "
            "information; that part needs another basis."
        )

    failures = find_directory_failures(case, [c for c in categories if c])
    if failures:
        return deny(*failures, "rule 13: directory release without consent is denied.")
    return allow(
        Basis.DIRECTORY,
        requested,
        "rule 14: every rule 13 test passes; directory information only.",
        due_on=access_due_on(case.facts.request.received_on, case.settings),
    )


def find_directory_failures(case: Case, categories: list[str]) -> list[str]:
    """Run tests (a) to (g) of rule 13 and list each one that fails."""
    facts = case.facts
    district = facts.district
    failures = []
    undesignated = [
        c
        for c in categories
        if c not in district.directory_categories
        or c not in CALIFORNIA_DIRECTORY_CATEGORIES
    ]
    if undesignated:
        failures.append(
            f"rule 13(a): not a designated directory category: "
            f"{', '.join(undesignated)}."
        )
    if facts.requester.type not in district.directory_recipients:
        failures.append(
            "rule 13(b): district policy does not name this requester type as a "
            "directory recipient."
        )
    if facts.requester.type in _PROFIT_MAKING_NOT_NAMED:
        failures.append(
            "rule 13(c): a private profit-making entity other than an employer or "
            "the news media may not receive directory information."
        )
    opt_outs = find_applicable_opt_outs(case, categories)
    if opt_outs:
        failures.append(
            f"rule 13(d): opt-out applies ({', '.join(opt_outs)}); an opt-out made "
            "while attending binds until rescinded."
        )
    if facts.student.homeless:
        failures.append(
            "rule 13(e): the student is identified as homeless; directory "
            "information needs written consent (EC 49073)."
        )
    if _identified_by_non_directory_data(case):
        failures.append(
            "rule 13(f): the requester identified the student by SSN or other "
            "non-directory data; even directory information needs consent."
        )
    if facts.request.negative_confirmation and not (
        case.settings.negative_confirmation_is_directory
    ):
        failures.append(
            "rule 13(g): a negative answer reveals more than directory information."
        )
    return failures


def find_applicable_opt_outs(case: Case, categories: list[str]) -> list[str]:
    """Return the student's opt-outs that reach this requester or category."""
    requester = case.facts.requester
    applicable = []
    for opt_out in sorted(case.facts.student.directory_opt_outs):
        reaches = (
            opt_out == OPT_OUT_ALL
            or opt_out in categories
            or (
                opt_out == OPT_OUT_EMPLOYERS
                and requester.type is RequesterType.EMPLOYER
            )
            or (opt_out == OPT_OUT_MILITARY and requester.military)
            or (
                opt_out == OPT_OUT_HIGHER_ED
                and requester.type is RequesterType.SCHOOL
                and requester.school_level is SchoolLevel.POSTSECONDARY
            )
        )
        if reaches:
            applicable.append(opt_out)
    return applicable


def _identified_by_non_directory_data(case: Case) -> bool:
    identifiers = case.facts.requester.identified_student_by
    if identifiers & _ALWAYS_NON_DIRECTORY:
        return True
    birth_date_is_directory = (
        "date_of_birth" in case.facts.district.directory_categories
    )
    return Identifier.BIRTH_DATE in identifiers and not birth_date_is_directory
