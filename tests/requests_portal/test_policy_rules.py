"""Each numbered rule of FERPA.md section 4, one table row per case.

Every row states the decision and basis, the parts of the output the rule
decides (notices, log, clocks, message, records) and the rule that must be
named among the reasons for staff.
"""

from __future__ import annotations

from typing import Any

import pytest

from requests_portal.policy import UNIFORM_MESSAGE, DistrictSettings
from requests_portal.policy.decision import (
    ALLOW_MESSAGE,
    REVIEW_MESSAGE,
    RIGHTS_HOLDER_DENIAL_MESSAGE,
)
from tests.requests_portal.policy_scenarios import (
    ADULT,
    ATTORNEY,
    COLLEGE,
    COURT,
    DI,
    DI_ATTENDANCE,
    EMPLOYER,
    ESTATE,
    ICE,
    K12_SCHOOL,
    MEDIA,
    MINOR,
    MINOR_15,
    MINOR_16,
    OFFICIAL,
    PARENT,
    POLICE,
    THIRD_PARTY,
    consent,
    decide_raw,
    scenario,
    subpoena,
)

FIVE_BUSINESS_DAYS = "2026-03-09"
TEN_SCHOOLDAYS = "2026-03-16"
PRODUCTION = "2026-03-20"
TRANSCRIPT = ["OFFICIAL_TRANSCRIPT"]

HELD_UNIFORM = {"decision": "hold", "basis": None, "public_message": UNIFORM_MESSAGE}
DENIED_UNIFORM: dict[str, Any] = {
    "decision": "deny",
    "basis": None,
    "records": [],
    "public_message": UNIFORM_MESSAGE,
}
SELF_ACCESS = {
    "decision": "allow",
    "basis": "SELF_ACCESS",
    "records": TRANSCRIPT,
    "notices": [],
    "log": "internal",
    "due_on": FIVE_BUSINESS_DAYS,
    "earliest_release_on": None,
    "public_message": ALLOW_MESSAGE,
}
CONSENTED = {
    "decision": "allow",
    "basis": "CONSENT",
    "records": TRANSCRIPT,
    "notices": ["redisclosure"],
    "log": "student_visible",
    "due_on": FIVE_BUSINESS_DAYS,
}
DIRECTORY = {
    "decision": "allow",
    "basis": "DIRECTORY",
    "records": DI_ATTENDANCE,
    "notices": [],
    "log": "internal",
    "due_on": FIVE_BUSINESS_DAYS,
}
NOTICED = {
    "decision": "allow",
    "basis": "JUDICIAL_NOTICED",
    "records": TRANSCRIPT,
    "notices": ["redisclosure", "advance_notice_rights_holder"],
    "log": "student_visible",
    "due_on": PRODUCTION,
    "earliest_release_on": PRODUCTION,
}
SEALED = {
    "decision": "allow",
    "basis": "JUDICIAL_NO_NOTICE",
    "records": TRANSCRIPT,
    "notices": ["redisclosure"],
    "log": "sealed",
    "due_on": PRODUCTION,
    "earliest_release_on": PRODUCTION,
}
DI_REQUEST = {"records": DI_ATTENDANCE}


def case(
    rule: str,
    facts: dict[str, Any],
    expected: dict[str, Any],
    settings: DistrictSettings | None = None,
    **more: Any,
) -> Any:
    """One row: the id names the rule; ``rule`` must appear in the reasons."""
    expected = {**expected, **more}
    row_id = f"{rule} {facts['requester']['type']} {expected['decision']}"
    return pytest.param(facts, expected, rule, settings, id=row_id)


def employer_di(
    student: dict[str, Any] | None = None, **requester: Any
) -> dict[str, Any]:
    return scenario(
        student=student or {},
        requester={**EMPLOYER, **requester},
        request=DI_REQUEST,
        district=DI,
    )


GATES = [
    case(
        "rule 1",
        scenario(student={"match": "none"}),
        HELD_UNIFORM,
        log="internal",
        records=[],
    ),
    case(
        "rule 1",
        scenario(student={"match": "ambiguous"}, requester=EMPLOYER, district=DI),
        HELD_UNIFORM,
        log="internal",
    ),
    case(
        "rule 2",
        scenario(requester={"assurance": "basic"}),
        HELD_UNIFORM,
        log="internal",
    ),
    case(
        "rule 2",
        scenario(requester={**EMPLOYER, "assurance": "none"}, request=DI_REQUEST),
        HELD_UNIFORM,
        log="student_visible",
    ),
    case(
        "rule 2",
        scenario(student=MINOR, requester={**PARENT, "relationship_verified": False}),
        HELD_UNIFORM,
    ),
    case(
        "rule 2",
        scenario(request={"records": ["FULL_CUM_FILE"]}),
        HELD_UNIFORM,
    ),
    case(
        "rule 3",
        scenario(student={"deceased": True}),
        {"decision": "hold", "basis": None, "public_message": REVIEW_MESSAGE},
    ),
    case(
        "rule 3",
        scenario(student={"deceased": True}, requester=ESTATE),
        {"decision": "hold", "basis": None, "records": [], "due_on": None},
    ),
    case(
        "rule 4",
        scenario(student={"conservators": ["guardian-9"]}),
        {"decision": "hold", "basis": None, "public_message": REVIEW_MESSAGE},
    ),
]

RIGHTS_HOLDER = [
    case("rule 5", scenario(), SELF_ACCESS),
    case("rule 5", scenario(student=MINOR, requester=PARENT), SELF_ACCESS),
    case(
        "rule 5",
        scenario(student={**MINOR_16, "attended_postsecondary": True}),
        SELF_ACCESS,
    ),
    case(
        "rule 4",
        scenario(
            student={"conservators": ["guardian-9"]},
            requester={**PARENT, "id": "guardian-9"},
        ),
        SELF_ACCESS,
    ),
    case(
        "rule 5",
        scenario(request={"delivery": "e_transcript"}),
        {
            "decision": "deny",
            "basis": None,
            "log": "internal",
            "public_message": RIGHTS_HOLDER_DENIAL_MESSAGE,
        },
    ),
    case(
        "rule 6",
        scenario(
            student={
                **MINOR,
                "custody_restrictions": [
                    {"parent": "parent-1", "revokes_access": True}
                ],
            },
            requester=PARENT,
        ),
        DENIED_UNIFORM,
        log="student_visible",
        notices=[],
    ),
    case(
        "rule 6",
        scenario(
            student={
                **MINOR,
                "parents_separated": True,
                "custody_restrictions": [
                    {"parent": "parent-1", "revokes_access": False},
                    {"parent": "parent-2", "revokes_access": True},
                ],
            },
            requester={**PARENT, "custodial": False},
        ),
        SELF_ACCESS,
    ),
    case(
        "rule 6",
        scenario(
            student={
                **MINOR,
                "custody_restrictions": [
                    {"parent": "parent-2", "revokes_access": True}
                ],
            },
            requester={**PARENT, "id": ""},
        ),
        {"decision": "hold", "basis": None, "records": []},
    ),
    case(
        "rule 6",
        scenario(
            student={**MINOR, "parents_separated": True},
            requester=THIRD_PARTY,
            consent=consent("PARENT", signer_custodial=False),
        ),
        DENIED_UNIFORM,
        log="student_visible",
    ),
    case(
        "rule 10",
        scenario(
            student={**MINOR, "parents_separated": True},
            requester=THIRD_PARTY,
            consent=consent("PARENT", signer_custodial=True),
        ),
        CONSENTED,
    ),
    case(
        "rule 10",
        scenario(
            student={
                **MINOR,
                "parents_separated": True,
                "parents_written_agreement": True,
            },
            requester=THIRD_PARTY,
            consent=consent("PARENT", signer_custodial=False),
        ),
        CONSENTED,
    ),
    case(
        "rule 7",
        scenario(student=MINOR_16),
        {
            "decision": "allow",
            "basis": "MINOR_16_ACCESS",
            "records": TRANSCRIPT,
            "notices": [],
            "log": "internal",
            "due_on": FIVE_BUSINESS_DAYS,
        },
    ),
    case(
        "rule 7",
        scenario(student={**MINOR_15, "completed_grade_10": True}),
        {"decision": "allow", "basis": "MINOR_16_ACCESS"},
    ),
    case(
        "rule 7",
        scenario(student=MINOR_16, request={"delivery": "mail"}),
        DENIED_UNIFORM,
    ),
    case("rule 7", scenario(student=MINOR), DENIED_UNIFORM),
    case(
        "rule 8",
        scenario(requester=PARENT),
        DENIED_UNIFORM,
        log="student_visible",
    ),
    case(
        "rule 8",
        scenario(
            requester=PARENT,
            request=DI_REQUEST,
            district={**DI, "directory_recipients": ["parent"]},
        ),
        DENIED_UNIFORM,
    ),
    case(
        "rule 8",
        scenario(
            student={"conservators": ["guardian-9"]},
            requester=PARENT,
        ),
        DENIED_UNIFORM,
    ),
    case(
        "rule 10",
        scenario(requester=PARENT, consent=consent("STUDENT")),
        CONSENTED,
    ),
    case(
        "rule 8(b)",
        scenario(requester={**PARENT, "dependency_evidence": True}),
        {
            "decision": "hold",
            "basis": None,
            "records": [],
            "public_message": REVIEW_MESSAGE,
        },
    ),
    case(
        "rule 8(b)",
        scenario(
            requester={**PARENT, "dependency_evidence": True},
            request={"staff_approved": True},
        ),
        {
            "decision": "allow",
            "basis": "DEPENDENT_PARENT",
            "records": TRANSCRIPT,
            "notices": ["redisclosure"],
            "log": "student_visible",
            "due_on": FIVE_BUSINESS_DAYS,
        },
    ),
    case(
        "row 8",
        scenario(requester=OFFICIAL, request={"records": ["DISCIPLINE"]}),
        {
            "decision": "allow",
            "basis": "SCHOOL_OFFICIAL",
            "records": ["DISCIPLINE"],
            "notices": [],
            "log": "internal",
            "due_on": None,
        },
    ),
    case(
        "row 8",
        scenario(requester={**OFFICIAL, "legitimate_educational_interest": False}),
        DENIED_UNIFORM,
        log="internal",
    ),
    case(
        "row 8",
        scenario(requester={**OFFICIAL, "contractor": True}),
        DENIED_UNIFORM,
    ),
    case(
        "row 8",
        scenario(
            requester={**OFFICIAL, "contractor": True, "contractor_agreement": True}
        ),
        {"decision": "allow", "basis": "SCHOOL_OFFICIAL", "notices": []},
    ),
]

CONSENT = [
    case(
        "rule 9(a)",
        scenario(requester=THIRD_PARTY, consent=consent(signed=False)),
        DENIED_UNIFORM,
        log="student_visible",
    ),
    case(
        "rule 9(a)",
        scenario(requester=THIRD_PARTY, consent=consent(dated=False)),
        DENIED_UNIFORM,
    ),
    case(
        "rule 9(a)",
        scenario(requester=THIRD_PARTY, consent=consent("PARENT")),
        DENIED_UNIFORM,
    ),
    case(
        "rule 9(b)",
        scenario(requester=THIRD_PARTY, consent=consent(records_specified=[])),
        DENIED_UNIFORM,
    ),
    case(
        "rule 9(c)",
        scenario(requester=THIRD_PARTY, consent=consent(purpose="")),
        DENIED_UNIFORM,
    ),
    case(
        "rule 9(d)",
        scenario(requester=THIRD_PARTY, consent=consent(recipient="")),
        DENIED_UNIFORM,
    ),
    case(
        "rule 9(e)",
        scenario(requester=THIRD_PARTY, consent=consent(esign_authenticated=False)),
        DENIED_UNIFORM,
    ),
    case(
        "rule 9(f)",
        scenario(requester=THIRD_PARTY, consent=consent(revoked=True)),
        DENIED_UNIFORM,
    ),
    case(
        "rule 9(g)",
        scenario(requester=THIRD_PARTY, consent=consent(expired=True)),
        DENIED_UNIFORM,
    ),
    case(
        "rule 10",
        scenario(
            requester=THIRD_PARTY,
            consent=consent(electronic=False, esign_authenticated=False),
        ),
        CONSENTED,
    ),
    case(
        "rule 10",
        scenario(requester=EMPLOYER, consent=consent()),
        CONSENTED,
    ),
    case(
        "rule 10",
        scenario(
            requester=THIRD_PARTY,
            consent=consent(copy_to_signer_requested=True),
        ),
        CONSENTED,
        notices=["redisclosure", "copy_to_rights_holder"],
    ),
    case(
        "rule 10",
        scenario(request={"delivery": "e_transcript"}, consent=consent()),
        CONSENTED,
    ),
    case(
        "rule 12",
        scenario(
            requester=THIRD_PARTY,
            request={"records": ["OFFICIAL_TRANSCRIPT", "DISCIPLINE"]},
            consent=consent(),
        ),
        CONSENTED,
    ),
    case(
        "rule 12",
        scenario(
            requester=THIRD_PARTY,
            request={"records": ["DISCIPLINE"]},
            consent=consent(),
        ),
        DENIED_UNIFORM,
    ),
    case(
        "rule 12",
        scenario(
            requester=THIRD_PARTY,
            request={"records": ["HEALTH_IMMUNIZATION", "ATTENDANCE"]},
            consent=consent(records_specified=["FULL_CUM_FILE"]),
        ),
        CONSENTED,
        records=["ATTENDANCE"],
    ),
    case(
        "rule 12",
        scenario(
            requester={**EMPLOYER, "id": "other-employer"},
            consent=consent(recipient_matches=False),
        ),
        DENIED_UNIFORM,
    ),
    case(
        "row 4a",
        scenario(
            requester={**EMPLOYER, "type": "screening_company"},
            consent=consent(recipient_is_class=True),
        ),
        DENIED_UNIFORM,
    ),
    case(
        "rule 10",
        scenario(
            requester={**EMPLOYER, "type": "screening_company"},
            consent=consent(recipient_is_class=True),
        ),
        CONSENTED,
        settings=DistrictSettings(screening_consent_may_name_class=True),
    ),
]

DIRECTORY_CASES = [
    case("rule 14", employer_di(), DIRECTORY, public_message=ALLOW_MESSAGE),
    case(
        "rule 14",
        scenario(requester=MEDIA, request=DI_REQUEST, district=DI),
        DIRECTORY,
    ),
    case(
        "rule 14",
        scenario(requester=POLICE, request=DI_REQUEST, district=DI),
        DIRECTORY,
    ),
    case(
        "rule 13",
        scenario(
            requester=EMPLOYER,
            request={"records": ["DIRECTORY:name", "OFFICIAL_TRANSCRIPT"]},
            district=DI,
        ),
        DENIED_UNIFORM,
        log="student_visible",
    ),
    case(
        "rule 13(a)",
        scenario(
            requester=EMPLOYER,
            request={"records": ["DIRECTORY:telephone"]},
            district=DI,
        ),
        DENIED_UNIFORM,
    ),
    case(
        "rule 13(a)",
        scenario(
            requester=EMPLOYER,
            request={"records": ["DIRECTORY:place_of_birth"]},
            district=DI,
        ),
        DENIED_UNIFORM,
    ),
    case(
        "rule 13(b)",
        scenario(requester=THIRD_PARTY, request=DI_REQUEST, district=DI),
        DENIED_UNIFORM,
    ),
    case(
        "rule 13(c)",
        scenario(
            requester={**EMPLOYER, "type": "screening_company"},
            request=DI_REQUEST,
            district={**DI, "directory_recipients": ["screening_company"]},
        ),
        DENIED_UNIFORM,
    ),
    case("rule 13(d)", employer_di({"directory_opt_outs": ["ALL_DI"]}), DENIED_UNIFORM),
    case(
        "rule 13(d)",
        employer_di({"directory_opt_outs": ["PROSPECTIVE_EMPLOYERS"]}),
        DENIED_UNIFORM,
    ),
    case(
        "rule 14",
        scenario(
            student={"directory_opt_outs": ["PROSPECTIVE_EMPLOYERS"]},
            requester=MEDIA,
            request=DI_REQUEST,
            district=DI,
        ),
        DIRECTORY,
    ),
    case(
        "rule 13(d)",
        employer_di({"directory_opt_outs": ["degrees_and_awards"]}),
        DENIED_UNIFORM,
    ),
    case(
        "rule 13(d)",
        employer_di({"directory_opt_outs": ["MILITARY"]}, military=True),
        DENIED_UNIFORM,
    ),
    case(
        "rule 13(d)",
        scenario(
            student={"directory_opt_outs": ["HIGHER_ED"]},
            requester=COLLEGE,
            request=DI_REQUEST,
            district=DI,
        ),
        DENIED_UNIFORM,
    ),
    case("rule 13(e)", employer_di({"homeless": True}), DENIED_UNIFORM),
    case(
        "rule 13(f)",
        employer_di(identified_student_by=["name", "ssn"]),
        DENIED_UNIFORM,
    ),
    case(
        "rule 13(f)",
        employer_di(identified_student_by=["student_id"]),
        DENIED_UNIFORM,
    ),
    case(
        "rule 13(f)",
        employer_di(identified_student_by=["birth_date"]),
        DENIED_UNIFORM,
    ),
    case(
        "rule 14",
        scenario(
            requester={**EMPLOYER, "identified_student_by": ["name", "birth_date"]},
            request=DI_REQUEST,
            district={
                **DI,
                "directory_categories": [*DI["directory_categories"], "date_of_birth"],
            },
        ),
        DIRECTORY,
    ),
    case(
        "rule 13(g)",
        scenario(
            requester=EMPLOYER,
            request={**DI_REQUEST, "negative_confirmation": True},
            district=DI,
        ),
        DENIED_UNIFORM,
    ),
    case(
        "rule 14",
        scenario(
            requester=EMPLOYER,
            request={**DI_REQUEST, "negative_confirmation": True},
            district=DI,
        ),
        DIRECTORY,
        settings=DistrictSettings(negative_confirmation_is_directory=True),
    ),
    case(
        "rule 15",
        scenario(
            student={"directory_opt_outs": ["ALL_DI"], "homeless": True},
            requester=EMPLOYER,
            consent=consent(),
        ),
        CONSENTED,
    ),
    case(
        "rule 15",
        scenario(
            student={"directory_opt_outs": ["ALL_DI"]},
            requester=ATTORNEY,
            legal_process=subpoena(),
        ),
        NOTICED,
    ),
]

SCHOOLS = [
    case(
        "rule 16",
        scenario(
            student=MINOR,
            requester=K12_SCHOOL,
            request={"purpose": "Enrollment", "records": ["FULL_CUM_FILE"]},
        ),
        {
            "decision": "allow",
            "basis": "OTHER_SCHOOL",
            "records": ["FULL_CUM_FILE"],
            "notices": ["redisclosure", "other_school_notice"],
            "log": "student_visible",
            "due_on": TEN_SCHOOLDAYS,
        },
    ),
    case(
        "rule 16",
        scenario(
            requester=COLLEGE,
            request={"purpose": "transfer of credits"},
        ),
        {"decision": "allow", "basis": "OTHER_SCHOOL", "due_on": FIVE_BUSINESS_DAYS},
    ),
    case(
        "rule 16",
        scenario(requester=COLLEGE, request={"purpose": "research study"}),
        DENIED_UNIFORM,
    ),
    case(
        "rule 17",
        scenario(
            student={"homeless": True, "directory_opt_outs": ["ALL_DI"]},
            requester=COLLEGE,
            request={"purpose": "enrolment", "initiated_by_rights_holder": True},
        ),
        {"decision": "allow", "basis": "OTHER_SCHOOL", "notices": ["redisclosure"]},
    ),
    case(
        "rule 17",
        scenario(student=MINOR, requester=K12_SCHOOL, request={"purpose": "enrolment"}),
        {"decision": "allow", "basis": "OTHER_SCHOOL", "notices": ["redisclosure"]},
        settings=DistrictSettings(annual_notice_waives_transfer_notice=True),
    ),
    case(
        "rule 17",
        scenario(requester=K12_SCHOOL, request={"purpose": "enrolment"}),
        {
            "decision": "allow",
            "basis": "OTHER_SCHOOL",
            "notices": ["redisclosure", "other_school_notice"],
        },
        settings=DistrictSettings(annual_notice_waives_transfer_notice=True),
    ),
]

LEGAL = [
    case(
        "rule 18",
        scenario(requester=ATTORNEY, legal_process=subpoena(validated=False)),
        {
            "decision": "hold",
            "basis": None,
            "records": [],
            "log": "student_visible",
            "earliest_release_on": None,
            "public_message": REVIEW_MESSAGE,
        },
    ),
    case(
        "rule 19",
        scenario(
            requester=POLICE,
            legal_process=subpoena(
                kind="GRAND_JURY_SUBPOENA", non_disclosure_order=True
            ),
        ),
        SEALED,
    ),
    case(
        "rule 19",
        scenario(
            requester=POLICE,
            legal_process=subpoena(kind="ADMIN_SUBPOENA", non_disclosure_order=True),
        ),
        SEALED,
    ),
    case(
        "rule 19",
        scenario(requester=POLICE, legal_process=subpoena(kind="EX_PARTE_AG_ORDER")),
        SEALED,
    ),
    case(
        "rule 20",
        scenario(requester=POLICE, legal_process=subpoena(kind="ADMIN_SUBPOENA")),
        NOTICED,
    ),
    case(
        "rule 20",
        scenario(
            requester=ATTORNEY,
            legal_process=subpoena(non_disclosure_order=True, seeks_contact_info=False),
        ),
        NOTICED,
    ),
    case("rule 20", scenario(requester=COURT, legal_process=subpoena()), NOTICED),
    case(
        "rule 20",
        scenario(student=MINOR, requester=ATTORNEY, legal_process=subpoena()),
        NOTICED,
        notices=[
            "redisclosure",
            "advance_notice_rights_holder",
            "advance_notice_pupil",
        ],
    ),
    case(
        "rule 20",
        scenario(requester=ATTORNEY, legal_process=subpoena()),
        NOTICED,
        notices=[
            "redisclosure",
            "advance_notice_rights_holder",
            "advance_notice_parent",
        ],
        settings=DistrictSettings(notify_parents_of_adult_on_legal_process=True),
    ),
    case(
        "rule 20",
        scenario(
            requester=ATTORNEY,
            legal_process=subpoena(
                production_date="2026-03-05", notice_sent_on="2026-03-01"
            ),
        ),
        NOTICED,
        notices=["redisclosure"],
        due_on="2026-03-05",
        earliest_release_on="2026-03-11",
    ),
    case(
        "rule 20",
        scenario(
            requester=ATTORNEY,
            legal_process=subpoena(
                production_date="2026-02-01", notice_sent_on="2026-01-02"
            ),
        ),
        NOTICED,
        notices=["redisclosure"],
        due_on="2026-02-01",
        earliest_release_on="2026-03-02",
    ),
    case(
        "rule 21",
        scenario(requester=ATTORNEY, legal_process=subpoena(protective_motion=True)),
        {"decision": "hold", "basis": None, "records": [], "notices": []},
    ),
    case(
        "rule 21",
        scenario(
            requester=POLICE,
            legal_process=subpoena(
                kind="GRAND_JURY_SUBPOENA",
                non_disclosure_order=True,
                protective_motion=True,
            ),
        ),
        {"decision": "hold", "basis": None, "log": "sealed", "notices": []},
    ),
    case(
        "rule 22",
        scenario(requester=ATTORNEY, legal_process=subpoena(california_civil=True)),
        {"decision": "hold", "basis": None, "records": [], "log": "student_visible"},
    ),
    case(
        "rule 20",
        scenario(
            requester=ATTORNEY,
            legal_process=subpoena(california_civil=True, consumer_notice_proof=True),
        ),
        NOTICED,
    ),
    case(
        "rule 20",
        scenario(
            requester=COURT,
            legal_process=subpoena(kind="COURT_ORDER", california_civil=True),
        ),
        NOTICED,
    ),
    case(
        "rule 23",
        scenario(
            requester=COURT,
            legal_process=subpoena(kind="COURT_ORDER", non_disclosure_order=True),
        ),
        SEALED,
    ),
    case(
        "rule 24",
        scenario(requester=ATTORNEY, legal_process=subpoena(seeks_contact_info=True)),
        NOTICED,
        notices=[
            "redisclosure",
            "advance_notice_rights_holder",
            "confidentiality_agreement",
            "use_limitation",
        ],
    ),
    case(
        "rule 25",
        scenario(requester=ICE),
        DENIED_UNIFORM,
        notices=["immigration_request_notice"],
        log="student_visible",
    ),
    case(
        "rule 25",
        scenario(requester=ICE, legal_process=subpoena(kind="ADMIN_SUBPOENA")),
        DENIED_UNIFORM,
        notices=["immigration_request_notice"],
    ),
    case(
        "rule 25",
        scenario(
            requester=ICE,
            consent=consent(),
            request=DI_REQUEST,
            district={**DI, "directory_recipients": ["immigration"]},
        ),
        DENIED_UNIFORM,
    ),
    case(
        "rule 20",
        scenario(requester=ICE, legal_process=subpoena(kind="WARRANT")),
        NOTICED,
        notices=[
            "redisclosure",
            "advance_notice_rights_holder",
            "immigration_request_notice",
        ],
    ),
]

DELIVERY_AND_CATCH_ALL = [
    case(
        "rule 28",
        scenario(request={"delivery": "mail"}),
        {
            "decision": "hold",
            "basis": None,
            "records": [],
            "log": "internal",
            "due_on": FIVE_BUSINESS_DAYS,
            "public_message": REVIEW_MESSAGE,
        },
    ),
    case(
        "rule 5",
        scenario(request={"delivery": "email", "delivery_address_verified": True}),
        SELF_ACCESS,
    ),
    case(
        "rule 5",
        scenario(requester={"assurance": "step_up"}, request={"delivery": "email"}),
        SELF_ACCESS,
    ),
    case("rule 31", scenario(requester=COURT), DENIED_UNIFORM, log="student_visible"),
    case("rule 31", scenario(requester=POLICE), DENIED_UNIFORM),
    case("rule 31", scenario(requester=ESTATE), DENIED_UNIFORM),
    case("rule 31", scenario(requester=MEDIA, district=DI), DENIED_UNIFORM),
    case(
        "rule 31",
        scenario(student={**ADULT, "homeless": True}, requester=THIRD_PARTY),
        DENIED_UNIFORM,
    ),
]


@pytest.mark.parametrize(
    ("facts", "expected", "rule", "settings"),
    GATES
    + RIGHTS_HOLDER
    + CONSENT
    + DIRECTORY_CASES
    + SCHOOLS
    + LEGAL
    + DELIVERY_AND_CATCH_ALL,
)
def test_rule_decides_its_part_of_the_decision(
    facts: dict[str, Any],
    expected: dict[str, Any],
    rule: str,
    settings: DistrictSettings | None,
) -> None:
    decision = decide_raw(facts, settings)

    observed = {key: decision[key] for key in expected}
    assert observed == expected
    assert any(reason.startswith(rule) for reason in decision["reasons"]), decision[
        "reasons"
    ]
