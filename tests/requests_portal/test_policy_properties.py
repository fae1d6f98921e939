"""Invariants of the engine over many generated fact sets, and determinism.

hypothesis is not a dependency, so a seeded generator draws fact sets from
the valid values of every field; a failure names the seed and index to
replay it.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

import pytest

from requests_portal.policy import UNIFORM_MESSAGE, DistrictSettings, decide, read_facts
from requests_portal.policy.case import open_case
from requests_portal.policy.facts import ProcessKind, RequesterType
from requests_portal.policy.rules_legal import JUDICIAL_KINDS
from tests.requests_portal.policy_scenarios import (
    DI,
    EMPLOYER,
    PARENT,
    consent,
    decide_raw,
    scenario,
    subpoena,
)

SEED = 20261203
CASES = 3000
RECORDS = [
    "OFFICIAL_TRANSCRIPT",
    "DIPLOMA_VERIFICATION",
    "ATTENDANCE",
    "DISCIPLINE",
    "HEALTH_IMMUNIZATION",
    "SPECIAL_ED",
    "FULL_CUM_FILE",
    "DIRECTORY:name",
    "DIRECTORY:dates_of_attendance",
    "DIRECTORY:degrees_and_awards",
    "DIRECTORY:telephone",
]
CATEGORIES = ["name", "dates_of_attendance", "degrees_and_awards", "date_of_birth"]
OPT_OUTS = ["ALL_DI", "MILITARY", "HIGHER_ED", "PROSPECTIVE_EMPLOYERS", "name"]
IDS = ["p1", "p2", "c1", ""]


def some(rng: random.Random, values: list[str], most: int | None = None) -> list[str]:
    return rng.sample(values, rng.randint(0, most or len(values)))


def flag(rng: random.Random) -> bool:
    return rng.random() < 0.5


def day(rng: random.Random, around: date, spread: int) -> str:
    return (around + timedelta(days=rng.randint(-spread, spread))).isoformat()


def generate_facts(rng: random.Random) -> dict[str, Any]:
    """One fact set, every field drawn from its valid values."""
    today = date(2026, 1, 1) + timedelta(days=rng.randint(0, 700))
    birth = today - timedelta(days=rng.randint(5 * 365, 40 * 365))
    records = rng.choice([RECORDS, [r for r in RECORDS if r.startswith("DIRECTORY:")]])
    facts: dict[str, Any] = {
        "today": today.isoformat(),
        "student": {
            "birth_date": birth.isoformat(),
            "match": rng.choice(["unique"] * 6 + ["none", "ambiguous"]),
            "attended_postsecondary": flag(rng),
            "deceased": rng.random() < 0.1,
            "homeless": rng.random() < 0.2,
            "directory_opt_outs": some(rng, OPT_OUTS, 1),
            "custody_restrictions": [
                {"parent": rng.choice(IDS[:3]), "revokes_access": flag(rng)}
                for _ in range(rng.randint(0, 2))
            ],
            "completed_grade_10": flag(rng),
            "conservators": some(rng, ["c1"]),
            "parents_separated": flag(rng),
            "parents_written_agreement": flag(rng),
        },
        "requester": {
            "type": rng.choice(list(RequesterType)).value,
            "id": rng.choice(IDS),
            "school_level": rng.choice(["k12", "postsecondary"]),
            "assurance": rng.choice(["none", "basic", "verified_id", "step_up"]),
            "identified_student_by": some(
                rng, ["name", "birth_date", "student_id", "ssn", "other"], 2
            ),
            "relationship_verified": flag(rng),
            "custodial": flag(rng),
            "legitimate_educational_interest": flag(rng),
            "contractor": flag(rng),
            "contractor_agreement": flag(rng),
            "military": flag(rng),
            "dependency_evidence": flag(rng),
        },
        "request": {
            "records": rng.sample(records, rng.randint(1, 3)),
            "purpose": rng.choice(["enrollment", "transfer", "employment", ""]),
            "initiated_by_rights_holder": flag(rng),
            "delivery": rng.choice(
                ["portal", "email", "mail", "e_transcript", "pickup"]
            ),
            "delivery_address_verified": flag(rng),
            "staff_approved": flag(rng),
            "negative_confirmation": rng.random() < 0.2,
        },
        "district": {
            "directory_categories": rng.choice([CATEGORIES, some(rng, CATEGORIES)]),
            "directory_recipients": some(rng, [t.value for t in RequesterType], 5),
        },
    }
    if flag(rng):
        facts["consent"] = {
            "signer_role": rng.choice(["STUDENT", "PARENT", "CONSERVATOR"]),
            "signed": rng.random() < 0.8,
            "dated": rng.random() < 0.8,
            "records_specified": some(rng, RECORDS, 3),
            "purpose": rng.choice(["", "employment"]),
            "recipient": rng.choice(["", "Acme"]),
            "recipient_matches": rng.random() < 0.8,
            "recipient_is_class": flag(rng),
            "electronic": flag(rng),
            "esign_authenticated": rng.random() < 0.8,
            "revoked": rng.random() < 0.2,
            "expired": rng.random() < 0.2,
        }
    if flag(rng):
        facts["legal_process"] = {
            "kind": rng.choice(list(ProcessKind)).value,
            "validated": rng.random() < 0.7,
            "non_disclosure_order": flag(rng),
            "production_date": day(rng, today, 30),
            "notice_sent_on": rng.choice([None, day(rng, today, 20)]),
            "protective_motion": rng.random() < 0.2,
            "california_civil": flag(rng),
            "consumer_notice_proof": flag(rng),
            "seeks_contact_info": flag(rng),
        }
    return facts


def test_invariants_hold_for_generated_facts() -> None:
    rng = random.Random(SEED)
    outcomes: set[str] = set()
    for index in range(CASES):
        raw = generate_facts(rng)
        facts = read_facts(raw)
        decision = decide(facts)
        out: dict[str, Any] = decision.to_json()
        where = f"seed {SEED} case {index}: {json.dumps(raw)} -> {out}"
        outcomes.add(f"{out['decision']}:{out['basis']}")

        assert decide(read_facts(raw)) == decision, where
        assert json.loads(json.dumps(out)) == out, where
        assert set(out["records"]) <= set(raw["request"]["records"]), where
        assert len(out["records"]) <= len(raw["request"]["records"]), where
        if out["decision"] == "allow":
            assert out["basis"] is not None, where
            assert out["records"], where
        else:
            assert out["basis"] is None, where
            assert out["records"] == [], where
            assert out["earliest_release_on"] is None, where
        holder = open_case(facts, DistrictSettings()).requester_is_rights_holder
        if out["decision"] == "deny" and not holder:
            assert out["public_message"] == UNIFORM_MESSAGE, where
        if raw["student"]["match"] != "unique":
            assert out["decision"] == "hold", where
            assert out["public_message"] == UNIFORM_MESSAGE, where
        if raw["student"]["deceased"] or raw["requester"]["assurance"] == "none":
            assert out["decision"] != "allow", where
        if out["log"] == "sealed":
            assert not any(n.startswith("advance_notice") for n in out["notices"])
        if out["earliest_release_on"] is not None:
            assert out["basis"] in {"JUDICIAL_NOTICED", "JUDICIAL_NO_NOTICE"}, where
        if raw["requester"]["type"] == "immigration" and out["decision"] == "allow":
            assert facts.legal_process is not None, where
            assert facts.legal_process.kind in JUDICIAL_KINDS, where
        if out["basis"] == "DIRECTORY":
            assert "ALL_DI" not in raw["student"]["directory_opt_outs"], where
            assert not raw["student"]["homeless"], where
            assert "ssn" not in raw["requester"]["identified_student_by"], where
            assert all(r.startswith("DIRECTORY:") for r in out["records"]), where
        if out["basis"] in {
            "SELF_ACCESS",
            "MINOR_16_ACCESS",
            "DIRECTORY",
            "SCHOOL_OFFICIAL",
        }:
            assert "redisclosure" not in out["notices"], where
        elif out["decision"] == "allow":
            assert "redisclosure" in out["notices"], where

    # The generator must reach the interesting corners, or the test proves little.
    assert {"allow:CONSENT", "allow:DIRECTORY", "allow:JUDICIAL_NOTICED"} <= outcomes
    assert {"allow:JUDICIAL_NO_NOTICE", "allow:SELF_ACCESS", "deny:None"} <= outcomes


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(scenario(), id="self-access"),
        pytest.param(
            scenario(
                requester=EMPLOYER, request={"records": ["DIRECTORY:name"]}, district=DI
            ),
            id="directory",
        ),
        pytest.param(scenario(requester=PARENT), id="parent-of-adult"),
        pytest.param(
            scenario(
                requester={"type": "attorney"} | {"assurance": "basic"},
                legal_process=subpoena(),
            ),
            id="subpoena",
        ),
    ],
)
def test_same_facts_give_the_same_decision(raw: dict[str, Any]) -> None:
    first = decide_raw(raw)
    second = decide_raw(json.loads(json.dumps(raw)))

    assert first == second


@pytest.mark.parametrize(
    "records",
    [
        pytest.param(["OFFICIAL_TRANSCRIPT"], id="one"),
        pytest.param(["OFFICIAL_TRANSCRIPT", "DISCIPLINE"], id="partly-covered"),
        pytest.param(
            ["HEALTH_IMMUNIZATION", "SPECIAL_ED", "ATTENDANCE"], id="sensitive"
        ),
    ],
)
def test_never_more_records_than_asked(records: list[str]) -> None:
    wide = consent(records_specified=["FULL_CUM_FILE", "OFFICIAL_TRANSCRIPT"])
    raw = scenario(
        requester={"type": "third_party", "assurance": "basic"},
        request={"records": records},
        consent=wide,
    )

    decision = decide_raw(raw)

    assert set(decision["records"]) <= set(records)
    assert "FULL_CUM_FILE" not in decision["records"]
    assert "SPECIAL_ED" not in decision["records"]
