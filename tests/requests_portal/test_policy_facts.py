"""Reading Appendix A facts: strict on what is required, safe on what is not."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from requests_portal.policy import FactsError, read_facts
from requests_portal.policy.facts import Assurance, Delivery, Identifier
from tests.requests_portal.policy_scenarios import consent, scenario, subpoena


def without(facts: dict[str, Any], dotted: str) -> dict[str, Any]:
    """Remove one field, named with dots, from the facts."""
    *parents, last = dotted.split(".")
    node = facts
    for part in parents:
        node = node[part]
    del node[last]
    return facts


@pytest.mark.parametrize(
    "field",
    [
        pytest.param("today", id="today"),
        pytest.param("student", id="student"),
        pytest.param("student.birth_date", id="student-birth-date"),
        pytest.param("student.match", id="student-match"),
        pytest.param("requester", id="requester"),
        pytest.param("requester.type", id="requester-type"),
        pytest.param("request", id="request"),
        pytest.param("request.records", id="request-records"),
        pytest.param("legal_process.kind", id="legal-process-kind"),
        pytest.param("legal_process.production_date", id="legal-process-production"),
    ],
)
def test_missing_required_field_is_named(field: str) -> None:
    facts = without(scenario(legal_process=subpoena()), field)

    with pytest.raises(FactsError) as raised:
        read_facts(facts)

    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        pytest.param(scenario(today="03/02/2026"), "today", id="date-format"),
        pytest.param(
            scenario(requester={"type": "neighbour"}), "requester.type", id="type"
        ),
        pytest.param(
            scenario(request={"records": ["EVERYTHING"]}),
            "request.records[0]",
            id="record",
        ),
        pytest.param(
            scenario(request={"records": []}), "request.records", id="no-records"
        ),
        pytest.param(
            scenario(request={"records": ["DIRECTORY:"]}),
            "request.records[0]",
            id="empty-directory-category",
        ),
        pytest.param(
            scenario(student={"homeless": "yes"}), "student.homeless", id="flag"
        ),
        pytest.param(
            scenario(requester={"identified_student_by": ["name", "dna"]}),
            "requester.identified_student_by[1]",
            id="identifier",
        ),
        pytest.param(
            scenario(student={"custody_restrictions": [{"revokes_access": True}]}),
            "student.custody_restrictions[0].parent",
            id="custody-parent",
        ),
        pytest.param(
            scenario(student={"custody_restrictions": [{"parent": "parent-1"}]}),
            "student.custody_restrictions[0].revokes_access",
            id="custody-revokes-access",
        ),
        pytest.param(
            scenario(consent={"signer_role": "FRIEND"}),
            "consent.signer_role",
            id="signer-role",
        ),
        pytest.param(
            scenario(district={"directory_recipients": ["everyone"]}),
            "district.directory_recipients[0]",
            id="recipient-type",
        ),
        pytest.param([1, 2], "facts", id="not-an-object"),
    ],
)
def test_invalid_value_is_named(facts: Any, field: str) -> None:
    with pytest.raises(FactsError) as raised:
        read_facts(facts)

    assert raised.value.field == field


def test_unknown_fields_are_ignored() -> None:
    facts = scenario(
        extra={"anything": 1},
        student={"favourite_colour": "green"},
        request={"priority": "high"},
    )

    assert read_facts(facts) == read_facts(scenario())


def test_omitted_optional_fields_take_the_safe_default() -> None:
    raw = scenario(consent={})
    raw["requester"] = {"type": "employer"}
    facts = read_facts(raw)

    assert facts.requester.assurance is Assurance.NONE
    assert facts.requester.relationship_verified is False
    assert facts.request.initiated_by_rights_holder is False
    assert facts.request.delivery_address_verified is False
    assert facts.request.delivery is Delivery.PORTAL
    assert facts.request.received_on == date(2026, 3, 2)
    assert facts.district.directory_categories == frozenset()
    assert facts.district.directory_recipients == frozenset()
    assert facts.consent is not None
    assert facts.consent.signer_role is None
    assert facts.consent.electronic is True
    assert facts.legal_process is None


def test_facts_keep_the_request_order_without_repeats() -> None:
    facts = read_facts(
        scenario(
            request={"records": ["DISCIPLINE", "ATTENDANCE", "DISCIPLINE"]},
            requester={"identified_student_by": ["ssn", "name"]},
            consent=consent(),
        )
    )

    assert facts.request.records == ("DISCIPLINE", "ATTENDANCE")
    assert facts.requester.identified_student_by == {Identifier.SSN, Identifier.NAME}


def test_null_optional_parts_read_as_absent() -> None:
    facts = read_facts(scenario(consent=None, legal_process=None) | {"consent": None})

    assert facts.consent is None
