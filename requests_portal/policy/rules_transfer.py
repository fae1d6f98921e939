"""Group E, other schools (rules 16-17): the record follows the student."""

from __future__ import annotations

from requests_portal.policy.case import Case, Finding, RightsHolder, allow, deny
from requests_portal.policy.clocks import access_due_on, add_schooldays
from requests_portal.policy.decision import Basis, Notice
from requests_portal.policy.facts import RequesterType, SchoolLevel

# The portal writes the purpose a receiving school states; these stems cover
# "enrollment", "enrolment", "enrolling" and "transfer".
_ENROLMENT_WORDS = ("enrol", "enroll", "transfer")


def decide_other_school(case: Case) -> Finding | None:
    """Rule 16: a school the student enrols in gets what it needs."""
    facts = case.facts
    if facts.requester.type is not RequesterType.SCHOOL:
        return None

    purpose = facts.request.purpose.lower()
    if not any(word in purpose for word in _ENROLMENT_WORDS):
        return deny(
            "rule 16: the receiving school's stated purpose is not enrolment or "
            "transfer."
        )

    received_on = facts.request.received_on
    reasons = ["rule 16: a school where the student enrols asks for enrolment."]
    if facts.requester.school_level is SchoolLevel.K12:
        due_on = add_schooldays(
            received_on, case.settings.transfer_deadline_schooldays, case.settings
        )
        reasons.append(
            "rule 16: a K-12 transfer is mandatory within "
            f"{case.settings.transfer_deadline_schooldays} schooldays (EC 49068)."
        )
    else:
        due_on = access_due_on(received_on, case.settings)

    notices: tuple[Notice, ...] = ()
    waived = case.settings.annual_notice_waives_transfer_notice and (
        case.holder is RightsHolder.PARENT
    )
    if facts.request.initiated_by_rights_holder:
        reasons.append("rule 17: the rights holder initiated it; no 99.34 notice.")
    elif waived:
        reasons.append("rule 17: the annual notice covers transfers of a minor.")
    else:
        notices = (Notice.OTHER_SCHOOL_NOTICE,)
        reasons.append(
            "rule 17: notify the rights holder at the last known address and offer "
            "a copy and a hearing (99.34)."
        )
    return allow(
        Basis.OTHER_SCHOOL,
        facts.request.records,
        *reasons,
        notices=notices,
        due_on=due_on,
    )
