"""Group B, rights-holder access (rules 5-8), and school officials (row 8).

The custody check of rule 6 runs before rule 5 (Appendix B): a parent whose
rights a court revoked must never reach the rights holder's route.
"""

from __future__ import annotations

from requests_portal.policy.case import (
    Case,
    Finding,
    RightsHolder,
    allow,
    deny,
    hold,
)
from requests_portal.policy.clocks import access_due_on
from requests_portal.policy.decision import Basis, Outcome
from requests_portal.policy.facts import Delivery, RequesterType
from requests_portal.policy.rules_consent import decide_consent

MINOR_INSPECTION_AGE = 16

# Inspection means looking at the record, in the portal or in person; a copy
# sent elsewhere is a release the parent must consent to.
_INSPECTION_DELIVERIES = frozenset({Delivery.PORTAL, Delivery.PICKUP})
_OWN_DELIVERIES = frozenset(
    {Delivery.PORTAL, Delivery.PICKUP, Delivery.EMAIL, Delivery.MAIL}
)


def check_parent_custody(case: Case) -> Finding | None:
    """Rule 6: a court order that revokes a parent's rights ends the request."""
    facts = case.facts
    if facts.requester.type is not RequesterType.PARENT or not case.student_is_minor:
        return None

    revoking = [r for r in facts.student.custody_restrictions if r.revokes_access]
    if not revoking:
        return None
    if not facts.requester.id:
        return hold(
            "rule 6: a custody order on file revokes a parent's rights and the "
            "requesting parent is not identified; staff must check it."
        )
    if case.parent_rights_revoked:
        return deny(
            "rule 6: a court order or binding document on file revokes this parent's "
            "rights; deny and escalate to the custodian of records.",
            final=True,
        )
    return None


def allow_rights_holder_access(case: Case) -> Finding | None:
    """Rule 5: the rights holder may inspect or copy all of the student's records."""
    facts = case.facts
    if not case.requester_is_rights_holder:
        return None
    if facts.request.delivery not in _OWN_DELIVERIES:
        return deny(
            "rule 5: sending records to another party is a release, not access; "
            "it needs the rights holder's consent naming the recipient."
        )

    reasons = ["rule 5: the requester holds the rights and asks for own access."]
    if case.is_conservator:
        reasons.insert(
            0,
            "rule 4: a court order declared the student incompetent and names the "
            "requester as conservator (EC 56041.5).",
        )
    if facts.requester.type is RequesterType.PARENT and not facts.requester.custodial:
        reasons.append(
            "rule 6: a non-custodial parent keeps the right to inspect "
            "(99.4; Family Code 3025)."
        )
    reasons.append("rule 5: redact other students' information (99.12).")
    return allow(
        Basis.SELF_ACCESS,
        facts.request.records,
        *reasons,
        due_on=access_due_on(facts.request.received_on, case.settings),
    )


def allow_minor_inspection(case: Case) -> Finding | None:
    """Rule 7: a pupil of 16, or past grade 10, may inspect but not release."""
    facts = case.facts
    if facts.requester.type is not RequesterType.SELF or not case.student_is_minor:
        return None

    if case.age < MINOR_INSPECTION_AGE and not facts.student.completed_grade_10:
        return deny(
            "rule 7: the pupil is under 16 and has not completed grade 10; the "
            "parents hold the rights."
        )
    if facts.request.delivery not in _INSPECTION_DELIVERIES:
        return deny(
            "rule 7: a pupil under 18 may inspect only; copies or release to others "
            "need the parent's consent."
        )
    return allow(
        Basis.MINOR_16_ACCESS,
        facts.request.records,
        "rule 7: the pupil is 16 or older, or has completed grade 10: inspection only.",
        due_on=access_due_on(facts.request.received_on, case.settings),
    )


def decide_parent_of_adult(case: Case) -> Finding | None:
    """Rule 8: a parent of an adult gets nothing without consent or dependency."""
    facts = case.facts
    if facts.requester.type is not RequesterType.PARENT or case.student_is_minor:
        return None
    if case.requester_is_rights_holder:
        return None

    consented = decide_consent(case)
    if consented is not None and consented.outcome is Outcome.ALLOW:
        return None
    consent_reasons = () if consented is None else consented.reasons

    if facts.requester.dependency_evidence and facts.request.staff_approved:
        return allow(
            Basis.DEPENDENT_PARENT,
            facts.request.records,
            "rule 8(b): dependency evidence (IRC 152) is on file and a staff member "
            "approved the discretionary release.",
            due_on=access_due_on(facts.request.received_on, case.settings),
        )
    if facts.requester.dependency_evidence:
        return hold(
            *consent_reasons,
            "rule 8(b): dependency evidence is on file; the release is "
            "discretionary and waits for staff approval.",
        )
    who = "a conservator" if case.holder is RightsHolder.CONSERVATOR else "the student"
    return deny(
        *consent_reasons,
        f"rule 8: the rights belong to {who}; a parent needs the adult's valid "
        "consent or dependency evidence.",
        final=True,
    )


def allow_school_official(case: Case) -> Finding | None:
    """Row 8: staff and bound contractors with a legitimate educational interest."""
    requester = case.facts.requester
    if requester.type is not RequesterType.SCHOOL_OFFICIAL:
        return None

    if not requester.legitimate_educational_interest:
        return deny("row 8: no legitimate educational interest is recorded.")
    if requester.contractor and not requester.contractor_agreement:
        return deny(
            "row 8: the contractor has no written agreement putting it under the "
            "district's direct control and the 99.33 limits."
        )
    return allow(
        Basis.SCHOOL_OFFICIAL,
        case.facts.request.records,
        "row 8: a school official with a legitimate educational interest.",
    )
