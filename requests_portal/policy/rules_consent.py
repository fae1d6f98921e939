"""Group C, consent (rules 9-12), with the custody condition of rule 6.

A consent is judged element by element so that staff can tell the party who
submitted it exactly what to fix; it is never stretched to records or
recipients it does not name.
"""

from __future__ import annotations

from requests_portal.policy.case import Case, Finding, RightsHolder, allow, deny
from requests_portal.policy.clocks import access_due_on
from requests_portal.policy.decision import Basis, Notice
from requests_portal.policy.facts import (
    DIRECTORY_PREFIX,
    Consent,
    RequesterType,
    SignerRole,
)

FULL_CUM_FILE = "FULL_CUM_FILE"

# The cumulative file holds these; health and special-education records are
# sensitive enough that a consent must name them on their own.
_IN_FULL_CUM_FILE = frozenset(
    {"OFFICIAL_TRANSCRIPT", "DIPLOMA_VERIFICATION", "ATTENDANCE", "DISCIPLINE"}
)

_SIGNER_FOR_HOLDER = {
    RightsHolder.STUDENT: SignerRole.STUDENT,
    RightsHolder.PARENT: SignerRole.PARENT,
    RightsHolder.CONSERVATOR: SignerRole.CONSERVATOR,
}


def find_consent_defects(case: Case, consent: Consent) -> list[str]:
    """List every element of rule 9 (and rules 6 and 12) the consent lacks."""
    defects = []
    expected = _SIGNER_FOR_HOLDER[case.holder]
    if consent.signer_role is not expected:
        defects.append(
            f"rule 9(a): the consent must be signed by the current rights holder "
            f"({expected.value})."
        )
    if not consent.signed or not consent.dated:
        defects.append("rule 9(a): the consent must be signed and dated.")
    if not consent.records_specified:
        defects.append("rule 9(b): the consent does not specify the records.")
    if not consent.purpose:
        defects.append("rule 9(c): the consent does not state the purpose.")
    if not consent.recipient:
        defects.append("rule 9(d): the consent does not identify the recipient.")
    elif not consent.recipient_matches:
        defects.append(
            "rule 12: the consent names a different recipient; it is not stretched "
            "to this requester."
        )
    if consent.electronic and not consent.esign_authenticated:
        defects.append(
            "rule 9(e): the electronic signer was not authenticated with approval "
            "of the content captured."
        )
    if consent.revoked:
        defects.append("rule 9(f): the consent has been revoked.")
    if consent.expired:
        defects.append("rule 9(g): the consent is past the district's expiry.")
    defects.extend(_find_custody_defects(case, consent))
    defects.extend(_find_screening_defects(case, consent))
    return defects


def _find_custody_defects(case: Case, consent: Consent) -> list[str]:
    """Rule 6: separated parents; only a custodial parent may consent."""
    student = case.facts.student
    if consent.signer_role is not SignerRole.PARENT or not student.parents_separated:
        return []
    if student.parents_written_agreement:
        return []
    custodial = consent.signer_custodial
    if custodial is None:
        requester = case.facts.requester
        custodial = requester.type is RequesterType.PARENT and requester.custodial
    if custodial:
        return []
    return [
        "rule 6: the parents are separated; release to others needs the custodial "
        "parent's consent or both parents' written agreement (EC 49061(a))."
    ]


def _find_screening_defects(case: Case, consent: Consent) -> list[str]:
    if case.facts.requester.type is not RequesterType.SCREENING_COMPANY:
        return []
    if not consent.recipient_is_class or case.settings.screening_consent_may_name_class:
        return []
    return [
        "row 4a: a consent for a screening company must name the company; the "
        "district does not accept a class of parties for it."
    ]


def cover_records(consent: Consent, requested: tuple[str, ...]) -> tuple[str, ...]:
    """Return the requested records the consent names (rule 12), in order."""
    named = set(consent.records_specified)
    whole_file = FULL_CUM_FILE in named
    return tuple(
        record
        for record in requested
        if record in named
        or (
            whole_file
            and (record in _IN_FULL_CUM_FILE or record.startswith(DIRECTORY_PREFIX))
        )
    )


def decide_consent(case: Case) -> Finding | None:
    """Rules 9-12: allow exactly what a valid consent names, or say what is missing."""
    consent = case.facts.consent
    if consent is None:
        return None

    defects = find_consent_defects(case, consent)
    if defects:
        return deny(*defects, "rule 9: the consent route is closed until it is fixed.")

    requested = case.facts.request.records
    covered = cover_records(consent, requested)
    if not covered:
        return deny("rule 12: the consent does not name any of the requested records.")

    reasons = [
        "rule 10: a valid consent covers the request; file the consent permanently "
        "with the student's record (EC 49075)."
    ]
    withheld = [record for record in requested if record not in covered]
    if withheld:
        reasons.append(
            f"rule 12: the consent does not cover {', '.join(withheld)}; withhold them."
        )
    notices = (
        (Notice.COPY_TO_RIGHTS_HOLDER,) if consent.copy_to_signer_requested else ()
    )
    return allow(
        Basis.CONSENT,
        covered,
        *reasons,
        notices=notices,
        due_on=access_due_on(case.facts.request.received_on, case.settings),
    )
