"""The disclosure decision: FERPA.md section 4, evaluated in order.

:func:`decide` is pure. It reads only the facts and the settings, takes the
date from the facts, and so gives the same decision for the same facts
every time; the portal and ``records policy decide`` call the same function.

The gates (rules 1-4) may HOLD and stop. Each basis then either allows,
holds, or closes its own route with a DENY and lets the next basis try;
a final DENY stops. Whatever allows is then narrowed to what was asked
(rule 26), given its notices (rule 27), checked for its delivery channel
(rule 28) and logged (rule 29). Nothing allowing means DENY (rule 31).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from requests_portal.policy.case import (
    Case,
    Finding,
    RightsHolder,
    hold,
    open_case,
)
from requests_portal.policy.decision import (
    ALLOW_MESSAGE,
    REVIEW_MESSAGE,
    RIGHTS_HOLDER_DENIAL_MESSAGE,
    UNIFORM_MESSAGE,
    Basis,
    Decision,
    LogVisibility,
    Notice,
    Outcome,
)
from requests_portal.policy.facts import (
    Assurance,
    Delivery,
    Facts,
    Match,
    RequesterType,
)
from requests_portal.policy.rules_access import (
    allow_minor_inspection,
    allow_rights_holder_access,
    allow_school_official,
    check_parent_custody,
    decide_parent_of_adult,
)
from requests_portal.policy.rules_consent import decide_consent
from requests_portal.policy.rules_directory import decide_directory
from requests_portal.policy.rules_legal import decide_immigration, decide_legal_process
from requests_portal.policy.rules_transfer import decide_other_school
from requests_portal.policy.settings import DistrictSettings

log = logging.getLogger(__name__)

# The safe defaults; frozen, so sharing one instance is harmless.
DEFAULT_SETTINGS = DistrictSettings()

Rule = Callable[[Case], Finding | None]

# The bases in the order the engine tries them. Immigration comes first and
# custody before access, where Appendix B puts intent before numbering.
BASES: tuple[Rule, ...] = (
    decide_immigration,
    check_parent_custody,
    allow_rights_holder_access,
    allow_minor_inspection,
    decide_parent_of_adult,
    allow_school_official,
    decide_consent,
    decide_directory,
    decide_other_school,
    decide_legal_process,
)

# Section 10: the assurance each requester must reach before anything else.
_REQUIRED_ASSURANCE = {
    RequesterType.SELF: Assurance.VERIFIED_ID,
    RequesterType.PARENT: Assurance.VERIFIED_ID,
    RequesterType.ESTATE: Assurance.VERIFIED_ID,
    RequesterType.LAW_ENFORCEMENT: Assurance.VERIFIED_ID,
    RequesterType.IMMIGRATION: Assurance.VERIFIED_ID,
    RequesterType.SCHOOL_OFFICIAL: Assurance.VERIFIED_ID,
}
_RELATIONSHIP_TYPES = frozenset({RequesterType.PARENT, RequesterType.ESTATE})

# Entries FERPA and EC 49064 exempt from the log; kept in the internal trail.
_INTERNAL_BASES = frozenset(
    {
        Basis.SELF_ACCESS,
        Basis.MINOR_16_ACCESS,
        Basis.DIRECTORY,
        Basis.SCHOOL_OFFICIAL,
    }
)
# Rule 27: no redisclosure notice to the rights holder or for directory data.
_NO_REDISCLOSURE_BASES = _INTERNAL_BASES
# Rule 28: channels whose address must be the verified one.
_ADDRESSED_DELIVERIES = frozenset({Delivery.EMAIL, Delivery.MAIL})


def decide(facts: Facts, settings: DistrictSettings = DEFAULT_SETTINGS) -> Decision:
    """Decide one request under FERPA.md section 4 (deny and escalate by default)."""
    case = open_case(facts, settings)
    reasons: list[str] = []

    gate = check_gates(case)
    if gate is not None:
        return _finish(case, gate, reasons)

    for rule in BASES:
        finding = rule(case)
        if finding is None:
            continue
        if finding.outcome is Outcome.DENY and not finding.final:
            reasons.extend(finding.reasons)
            continue
        return _finish(case, finding, reasons)

    reasons.append(
        "rule 31: no rule authorises this disclosure; deny and escalate to the "
        "custodian of records."
    )
    return _finish(case, Finding(Outcome.DENY, ()), reasons)


def check_gates(case: Case) -> Finding | None:
    """Rules 1-4: one student, an authenticated requester, a living student."""
    facts = case.facts
    if facts.student.match is not Match.UNIQUE:
        matched = "no" if facts.student.match is Match.NONE else "more than one"
        return hold(
            f"rule 1: the request matches {matched} student record; staff must "
            "resolve it. Do not say whether a record exists.",
            uniform=True,
        )

    missing = _find_assurance_gaps(case)
    if missing:
        return hold(*missing, uniform=True)

    if facts.student.deceased:
        return hold(
            "rule 3: the student is recorded as deceased; route to the deceased-"
            "student policy (row 10) for staff approval. FERPA rights end at an "
            "eligible student's death; parents of a student who died a minor keep "
            "them."
        )

    if case.holder is RightsHolder.CONSERVATOR and (
        facts.requester.type is RequesterType.SELF
    ):
        return hold(
            "rule 4: a court order declared the student incompetent; the rights "
            "rest with the conservator it names (EC 56041.5). Staff decide."
        )
    return None


def _find_assurance_gaps(case: Case) -> list[str]:
    """Rule 2 with section 10: identity first, then the relationship."""
    requester = case.facts.requester
    required = _REQUIRED_ASSURANCE.get(requester.type, Assurance.BASIC)
    if case.is_conservator:
        required = Assurance.VERIFIED_ID
    if (
        requester.type is RequesterType.SELF
        and "FULL_CUM_FILE" in case.facts.request.records
    ):
        required = Assurance.STEP_UP

    gaps = []
    if requester.assurance.rank < required.rank:
        gaps.append(
            f"rule 2: the requester is authenticated to {requester.assurance.value}; "
            f"this disclosure needs {required.value} (section 10)."
        )
    needs_relationship = requester.type in _RELATIONSHIP_TYPES or case.is_conservator
    if needs_relationship and not requester.relationship_verified:
        gaps.append(
            "rule 2: the relationship to the student (parenthood, guardianship, "
            "conservatorship or authority over the estate) is not verified."
        )
    return gaps


def _finish(case: Case, finding: Finding, reasons: list[str]) -> Decision:
    """Apply rules 26-30 to the finding that ended evaluation."""
    if finding.outcome is Outcome.ALLOW:
        finding = _check_delivery(case, finding)
    all_reasons = (
        *reasons,
        *finding.reasons,
        *_opt_out_reasons(case, finding),
        _log_reason(case, finding),
    )

    if finding.outcome is not Outcome.ALLOW:
        decision = Decision(
            decision=finding.outcome,
            basis=None,
            records=(),
            notices=finding.notices,
            log=_log_for(case, finding),
            due_on=finding.due_on,
            earliest_release_on=None,
            reasons=all_reasons,
            public_message=_public_message(case, finding),
        )
    else:
        decision = Decision(
            decision=Outcome.ALLOW,
            basis=finding.basis,
            records=_narrow_records(case, finding),
            notices=_notices_for(finding),
            log=_log_for(case, finding),
            due_on=finding.due_on,
            earliest_release_on=finding.earliest_release_on,
            reasons=all_reasons,
            public_message=ALLOW_MESSAGE,
        )
    log.debug(
        "policy decision %s basis %s records %d",
        decision.decision.value,
        decision.basis,
        len(decision.records),
    )
    return decision


def _narrow_records(case: Case, finding: Finding) -> tuple[str, ...]:
    """Rule 26: never more than asked, never more than the basis covers."""
    covered = set(finding.records)
    return tuple(r for r in case.facts.request.records if r in covered)


def _notices_for(finding: Finding) -> tuple[Notice, ...]:
    """Rule 27: the redisclosure notice goes with every disclosure but a few."""
    if finding.basis in _NO_REDISCLOSURE_BASES:
        return finding.notices
    return (Notice.REDISCLOSURE, *finding.notices)


def _check_delivery(case: Case, finding: Finding) -> Finding:
    """Rule 28: an address not verified needs step-up verification first."""
    request = case.facts.request
    if (
        request.delivery not in _ADDRESSED_DELIVERIES
        or request.delivery_address_verified
    ):
        return finding
    if case.facts.requester.assurance is Assurance.STEP_UP:
        return finding
    return Finding(
        Outcome.HOLD,
        (
            *finding.reasons,
            f"rule 28: the {request.delivery.value} address is not the verified one; "
            "step-up verification comes before delivery.",
        ),
        final=True,
        due_on=finding.due_on,
        sealed=finding.sealed,
    )


def _opt_out_reasons(case: Case, finding: Finding) -> tuple[str, ...]:
    """Rule 15: say so when an opt-out did not stop another lawful basis."""
    if finding.outcome is not Outcome.ALLOW or finding.basis is Basis.DIRECTORY:
        return ()
    if not case.facts.student.directory_opt_outs:
        return ()
    return (
        "rule 15: the directory opt-out restricts only directory release, not "
        "this basis.",
    )


def _log_for(case: Case, finding: Finding) -> LogVisibility:
    """Rule 29 and section 8.3: which register the entry goes to."""
    if finding.sealed:
        return LogVisibility.SEALED
    if case.facts.student.match is not Match.UNIQUE:
        return LogVisibility.INTERNAL
    if finding.outcome is Outcome.ALLOW and finding.basis in _INTERNAL_BASES:
        return LogVisibility.INTERNAL
    if finding.outcome is not Outcome.ALLOW and _asked_by_insider(case):
        return LogVisibility.INTERNAL
    return LogVisibility.STUDENT_VISIBLE


def _asked_by_insider(case: Case) -> bool:
    return (
        case.requester_is_rights_holder
        or case.facts.requester.type is RequesterType.SCHOOL_OFFICIAL
    )


def _log_reason(case: Case, finding: Finding) -> str:
    where = _log_for(case, finding).value.replace("_", "-")
    return f"rule 29: record the request in the {where} log."


def _public_message(case: Case, finding: Finding) -> str:
    """Rule 30: one sentence for every refusal outside the rights holder."""
    if finding.outcome is Outcome.HOLD:
        return UNIFORM_MESSAGE if finding.uniform else REVIEW_MESSAGE
    if case.requester_is_rights_holder:
        return RIGHTS_HOLDER_DENIAL_MESSAGE
    return UNIFORM_MESSAGE
