"""The engine's answer (FERPA.md Appendix A output) and the words it uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

UNIFORM_MESSAGE = (
    "We are unable to release or verify information about this individual "
    "without their signed authorization."
)
ALLOW_MESSAGE = (
    "Your request has been approved. The records will be delivered only "
    "through the verified channel, not before the release date if one is set."
)
REVIEW_MESSAGE = (
    "Your request has been received and is being reviewed by the district's "
    "custodian of records."
)
RIGHTS_HOLDER_DENIAL_MESSAGE = (
    "Your request cannot be completed as submitted. The records office will "
    "contact you to explain what is needed."
)


class Outcome(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    HOLD = "hold"


class Basis(StrEnum):
    """The legal basis codes of FERPA.md section 3."""

    SELF_ACCESS = "SELF_ACCESS"
    MINOR_16_ACCESS = "MINOR_16_ACCESS"
    CONSENT = "CONSENT"
    DIRECTORY = "DIRECTORY"
    SCHOOL_OFFICIAL = "SCHOOL_OFFICIAL"
    OTHER_SCHOOL = "OTHER_SCHOOL"
    JUDICIAL_NOTICED = "JUDICIAL_NOTICED"
    JUDICIAL_NO_NOTICE = "JUDICIAL_NO_NOTICE"
    LITIGATION_PARTY = "LITIGATION_PARTY"
    DEPENDENT_PARENT = "DEPENDENT_PARENT"
    HEALTH_SAFETY = "HEALTH_SAFETY"
    JUVENILE_JUSTICE = "JUVENILE_JUSTICE"
    AUDIT = "AUDIT"


class Notice(StrEnum):
    """Notices the decision tells the portal to send (FERPA.md section 13)."""

    REDISCLOSURE = "redisclosure"
    ADVANCE_NOTICE_RIGHTS_HOLDER = "advance_notice_rights_holder"
    ADVANCE_NOTICE_PUPIL = "advance_notice_pupil"
    ADVANCE_NOTICE_PARENT = "advance_notice_parent"
    OTHER_SCHOOL_NOTICE = "other_school_notice"
    CONFIDENTIALITY_AGREEMENT = "confidentiality_agreement"
    USE_LIMITATION = "use_limitation"
    IMMIGRATION_REQUEST_NOTICE = "immigration_request_notice"
    COPY_TO_RIGHTS_HOLDER = "copy_to_rights_holder"


class LogVisibility(StrEnum):
    """Where the request is recorded (FERPA.md section 8.3)."""

    STUDENT_VISIBLE = "student_visible"
    SEALED = "sealed"
    INTERNAL = "internal"


@dataclass(frozen=True)
class Decision:
    """One decision; ``records`` is always a subset of what was asked."""

    decision: Outcome
    basis: Basis | None
    records: tuple[str, ...]
    notices: tuple[Notice, ...]
    log: LogVisibility
    due_on: date | None
    earliest_release_on: date | None
    reasons: tuple[str, ...]
    public_message: str

    def to_json(self) -> dict[str, object]:
        """Render the Appendix A output as plain JSON values."""
        return {
            "decision": self.decision.value,
            "basis": None if self.basis is None else self.basis.value,
            "records": list(self.records),
            "notices": [notice.value for notice in self.notices],
            "log": self.log.value,
            "due_on": _iso(self.due_on),
            "earliest_release_on": _iso(self.earliest_release_on),
            "reasons": list(self.reasons),
            "public_message": self.public_message,
        }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
