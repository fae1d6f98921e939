"""Group F, subpoenas and court orders (rules 18-25; procedure in section 6).

The stop conditions (rules 18, 21, 22) are checked before anything can be
released, and a no-notice case (rules 19 and 23) changes who is told, never
whether those holds apply (Appendix B).
"""

from __future__ import annotations

from datetime import timedelta

from requests_portal.policy.case import Case, Finding, RightsHolder, allow, deny, hold
from requests_portal.policy.decision import Basis, Notice
from requests_portal.policy.facts import LegalProcess, ProcessKind, RequesterType

# Process a court issues, as EC 234.7 requires before anything goes to an
# immigration authority; an administrative subpoena is not judicial.
JUDICIAL_KINDS = frozenset(
    {
        ProcessKind.SUBPOENA_DUCES_TECUM,
        ProcessKind.DEPOSITION_SUBPOENA_BUSINESS_RECORDS,
        ProcessKind.COURT_ORDER,
        ProcessKind.GRAND_JURY_SUBPOENA,
        ProcessKind.EX_PARTE_AG_ORDER,
        ProcessKind.WARRANT,
    }
)
# Subpoenas in a civil case, which CCP 1985.3 reaches.
_CIVIL_SUBPOENAS = frozenset(
    {
        ProcessKind.SUBPOENA_DUCES_TECUM,
        ProcessKind.DEPOSITION_SUBPOENA_BUSINESS_RECORDS,
    }
)
_SUBPOENAS = _CIVIL_SUBPOENAS | {ProcessKind.ADMIN_SUBPOENA}
_ORDERS = frozenset({ProcessKind.COURT_ORDER, ProcessKind.WARRANT})


def decide_immigration(case: Case) -> Finding | None:
    """Rule 25: nothing to an immigration authority without judicial process.

    Checked before every other basis: a consent or a directory listing does
    not open the door EC 234.7 closes.
    """
    facts = case.facts
    if facts.requester.type is not RequesterType.IMMIGRATION:
        return None
    process = facts.legal_process
    if process is not None and process.kind in JUDICIAL_KINDS:
        return None
    return deny(
        "rule 25: an immigration authority receives nothing without a judicial "
        "warrant, judicial subpoena or court order (EC 234.7); escalate to the "
        "superintendent's designee.",
        "section 13: notify the parent or adult student of the request promptly.",
        final=True,
        notices=(Notice.IMMIGRATION_REQUEST_NOTICE,),
    )


def decide_legal_process(case: Case) -> Finding | None:
    """Rules 18-24: hold, then produce only the responsive records."""
    process = case.facts.legal_process
    if process is None:
        return None

    no_notice = _is_no_notice_process(case, process)
    forbids_notice = process.kind in _ORDERS and process.non_disclosure_order
    sealed = no_notice or forbids_notice
    stops = _find_stop_conditions(process)
    if stops:
        return hold(*stops, sealed=sealed)

    if no_notice:
        return _produce_without_notice(
            case,
            process,
            "rule 19: grand-jury or law-enforcement subpoena with a non-disclosure "
            "order, or an ex parte AG order: no notice; sealed register only.",
        )
    if forbids_notice:
        return _produce_without_notice(
            case,
            process,
            "rule 23: the court order forbids notifying the student; do not notify "
            "(EC 49077); sealed register while the order is in force.",
        )
    return _produce_after_notice(case, process)


def _is_no_notice_process(case: Case, process: LegalProcess) -> bool:
    """Rule 19 (A)-(C): the only cases in which 99.31(a)(9) allows silence."""
    if process.kind is ProcessKind.EX_PARTE_AG_ORDER:
        return True
    if not process.non_disclosure_order:
        return False
    if process.kind is ProcessKind.GRAND_JURY_SUBPOENA:
        return True
    law_enforcement = case.facts.requester.type is RequesterType.LAW_ENFORCEMENT
    return law_enforcement and process.kind in _SUBPOENAS


def _find_stop_conditions(process: LegalProcess) -> list[str]:
    stops = []
    if not process.validated:
        stops.append(
            "rule 18: counsel has not validated the legal process; never release on "
            "an unvalidated subpoena."
        )
    if process.protective_motion:
        stops.append(
            "rule 21: a motion to quash, objection, protective order or stay is "
            "pending; produce only on a court order or the parties' written "
            "agreement."
        )
    if (
        process.california_civil
        and process.kind in _CIVIL_SUBPOENAS
        and not process.consumer_notice_proof
    ):
        stops.append(
            "rule 22: no proof of service of the CCP 1985.3 consumer notice and no "
            "written authorisation from the consumer; ask the subpoenaing party."
        )
    return stops


def _produce_without_notice(case: Case, process: LegalProcess, reason: str) -> Finding:
    today = case.facts.today
    return allow(
        Basis.JUDICIAL_NO_NOTICE,
        case.facts.request.records,
        reason,
        *_contact_info_reasons(process),
        notices=_contact_info_notices(process),
        due_on=process.production_date,
        earliest_release_on=max(today, process.production_date),
        sealed=True,
    )


def _produce_after_notice(case: Case, process: LegalProcess) -> Finding:
    """Rule 20: release on the later of the production date and the notice hold."""
    facts = case.facts
    settings = case.settings
    notices: list[Notice] = []
    reasons = ["rule 20: validated legal process; produce only responsive records."]
    if process.notice_sent_on is None:
        notices.extend(_advance_notices(case))
        notice_day = facts.today
        reasons.append("section 6.2: send the advance notice today.")
    else:
        notice_day = process.notice_sent_on

    hold_ends = notice_day + timedelta(days=settings.subpoena_notice_hold_days)
    earliest = max(process.production_date, hold_ends, facts.today)
    if earliest > process.production_date:
        reasons.append(
            "section 6.2: the notice hold ends after the production date; counsel "
            "should ask the issuer for an extension."
        )
    if facts.requester.type is RequesterType.IMMIGRATION:
        notices.append(Notice.IMMIGRATION_REQUEST_NOTICE)
    notices.extend(_contact_info_notices(process))
    return allow(
        Basis.JUDICIAL_NOTICED,
        facts.request.records,
        *reasons,
        *_contact_info_reasons(process),
        notices=tuple(notices),
        due_on=process.production_date,
        earliest_release_on=earliest,
    )


def _advance_notices(case: Case) -> list[Notice]:
    """Section 6.2: the rights holder, and the pupil and parents where the law says."""
    notices = [Notice.ADVANCE_NOTICE_RIGHTS_HOLDER]
    if case.holder is not RightsHolder.STUDENT:
        notices.append(Notice.ADVANCE_NOTICE_PUPIL)
    elif case.settings.notify_parents_of_adult_on_legal_process:
        notices.append(Notice.ADVANCE_NOTICE_PARENT)
    return notices


def _contact_info_notices(process: LegalProcess) -> tuple[Notice, ...]:
    if not process.seeks_contact_info:
        return ()
    return (Notice.CONFIDENTIALITY_AGREEMENT, Notice.USE_LIMITATION)


def _contact_info_reasons(process: LegalProcess) -> tuple[str, ...]:
    if not process.seeks_contact_info:
        return ()
    return (
        "rule 24: contact information is sought; seek a confidentiality agreement "
        "and state in the transmittal that use is limited to what the process "
        "authorises (EC 49077(b)-(c)).",
    )
