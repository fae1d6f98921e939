"""Facts for the policy tests: one plain scenario, changed one part at a time.

The base is an adult alumnus asking for their own transcript on Monday
2 March 2026; every scenario names only what differs from it.
"""

from __future__ import annotations

import copy
from typing import Any

from requests_portal.policy import DistrictSettings, decide, read_facts

TODAY = "2026-03-02"
ADULT = {"birth_date": "1990-05-01"}
MINOR = {"birth_date": "2012-06-01"}
MINOR_16 = {"birth_date": "2009-06-01"}
MINOR_15 = {"birth_date": "2010-06-01"}

PARENT = {
    "type": "parent",
    "id": "parent-1",
    "assurance": "verified_id",
    "relationship_verified": True,
    "custodial": True,
}
THIRD_PARTY = {"type": "third_party", "id": "lawyer-1", "assurance": "basic"}
EMPLOYER = {"type": "employer", "id": "acme", "assurance": "basic"}
MEDIA = {"type": "media", "id": "gazette", "assurance": "basic"}
ATTORNEY = {"type": "attorney", "id": "bar-123", "assurance": "basic"}
COURT = {"type": "court", "id": "superior-court", "assurance": "basic"}
POLICE = {"type": "law_enforcement", "id": "pd-7", "assurance": "verified_id"}
ICE = {"type": "immigration", "id": "agency-1", "assurance": "verified_id"}
K12_SCHOOL = {
    "type": "school",
    "id": "hs-2",
    "assurance": "basic",
    "school_level": "k12",
}
COLLEGE = {**K12_SCHOOL, "id": "college-1", "school_level": "postsecondary"}
OFFICIAL = {
    "type": "school_official",
    "id": "registrar-1",
    "assurance": "verified_id",
    "legitimate_educational_interest": True,
}
ESTATE = {
    "type": "estate",
    "id": "executor-1",
    "assurance": "verified_id",
    "relationship_verified": True,
}

DI = {
    "directory_categories": [
        "name",
        "dates_of_attendance",
        "degrees_and_awards",
        "place_of_birth",
    ],
    "directory_recipients": ["employer", "media", "law_enforcement", "school"],
}
DI_ATTENDANCE = ["DIRECTORY:dates_of_attendance", "DIRECTORY:degrees_and_awards"]


def consent(role: str = "STUDENT", **changes: Any) -> dict[str, Any]:
    """A consent with every element of rule 9 present, then ``changes``."""
    return {
        "signer_role": role,
        "signed": True,
        "dated": True,
        "records_specified": ["OFFICIAL_TRANSCRIPT"],
        "purpose": "employment screening",
        "recipient": "the requester",
        "recipient_matches": True,
        "esign_authenticated": True,
        **changes,
    }


def subpoena(**changes: Any) -> dict[str, Any]:
    """A validated subpoena due 2026-03-20, then ``changes``."""
    return {
        "kind": "SUBPOENA_DUCES_TECUM",
        "validated": True,
        "production_date": "2026-03-20",
        **changes,
    }


BASE: dict[str, Any] = {
    "today": TODAY,
    "student": {**ADULT, "match": "unique"},
    "requester": {"type": "self", "id": "student-1", "assurance": "verified_id"},
    "request": {"records": ["OFFICIAL_TRANSCRIPT"]},
}


def scenario(**parts: Any) -> dict[str, Any]:
    """The base facts with each named part merged in (None removes a part)."""
    facts = copy.deepcopy(BASE)
    for key, value in parts.items():
        if value is None:
            facts.pop(key, None)
        elif isinstance(value, dict) and isinstance(facts.get(key), dict):
            facts[key] = {**facts[key], **value}
        else:
            facts[key] = value
    return facts


def decide_raw(
    raw: dict[str, Any], settings: DistrictSettings | None = None
) -> dict[str, Any]:
    facts = read_facts(raw)
    decision = decide(facts) if settings is None else decide(facts, settings)
    return decision.to_json()
