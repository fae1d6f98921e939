"""The facts of one request, read from the JSON of FERPA.md Appendix A.

The engine decides only from these frozen values. Reading is strict where a
guess would be dangerous: a missing required field or a value outside its
list raises :class:`FactsError` naming the field. Fields the engine does not
know are ignored, and an omitted optional field takes the value that grants
nothing (a flag that would unlock a route defaults to false).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

DIRECTORY_PREFIX = "DIRECTORY:"

RECORD_TYPES = frozenset(
    {
        "OFFICIAL_TRANSCRIPT",
        "DIPLOMA_VERIFICATION",
        "ATTENDANCE",
        "DISCIPLINE",
        "HEALTH_IMMUNIZATION",
        "SPECIAL_ED",
        "FULL_CUM_FILE",
    }
)


class FactsError(ValueError):
    """The facts are not usable; the message names the field to fix."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class RequesterType(StrEnum):
    SELF = "self"
    PARENT = "parent"
    SCHOOL = "school"
    EMPLOYER = "employer"
    SCREENING_COMPANY = "screening_company"
    COURT = "court"
    ATTORNEY = "attorney"
    LAW_ENFORCEMENT = "law_enforcement"
    IMMIGRATION = "immigration"
    THIRD_PARTY = "third_party"
    SCHOOL_OFFICIAL = "school_official"
    MEDIA = "media"
    ESTATE = "estate"


class Match(StrEnum):
    UNIQUE = "unique"
    NONE = "none"
    AMBIGUOUS = "ambiguous"


class Assurance(StrEnum):
    """Identity assurance levels of section 10, weakest first."""

    NONE = "none"
    BASIC = "basic"
    VERIFIED_ID = "verified_id"
    STEP_UP = "step_up"

    @property
    def rank(self) -> int:
        return list(Assurance).index(self)


class SchoolLevel(StrEnum):
    K12 = "k12"
    POSTSECONDARY = "postsecondary"


class Identifier(StrEnum):
    NAME = "name"
    BIRTH_DATE = "birth_date"
    STUDENT_ID = "student_id"
    SSN = "ssn"
    OTHER = "other"


class Delivery(StrEnum):
    PORTAL = "portal"
    EMAIL = "email"
    MAIL = "mail"
    E_TRANSCRIPT = "e_transcript"
    PICKUP = "pickup"


class SignerRole(StrEnum):
    STUDENT = "STUDENT"
    PARENT = "PARENT"
    CONSERVATOR = "CONSERVATOR"


class ProcessKind(StrEnum):
    SUBPOENA_DUCES_TECUM = "SUBPOENA_DUCES_TECUM"
    DEPOSITION_SUBPOENA_BUSINESS_RECORDS = "DEPOSITION_SUBPOENA_BUSINESS_RECORDS"
    COURT_ORDER = "COURT_ORDER"
    GRAND_JURY_SUBPOENA = "GRAND_JURY_SUBPOENA"
    ADMIN_SUBPOENA = "ADMIN_SUBPOENA"
    EX_PARTE_AG_ORDER = "EX_PARTE_AG_ORDER"
    WARRANT = "WARRANT"


@dataclass(frozen=True)
class CustodyRestriction:
    parent: str
    revokes_access: bool


@dataclass(frozen=True)
class Student:
    """The student as the record shows them on the day of the request.

    ``conservators`` holds the ids a court order names when it declared an
    adult student incompetent (EC 56041.5); ``completed_grade_10`` and the
    separation fields serve rules 7 and 6.
    """

    birth_date: date
    match: Match
    attended_postsecondary: bool = False
    deceased: bool = False
    homeless: bool = False
    directory_opt_outs: frozenset[str] = frozenset()
    custody_restrictions: tuple[CustodyRestriction, ...] = ()
    completed_grade_10: bool = False
    conservators: frozenset[str] = frozenset()
    parents_separated: bool = False
    parents_written_agreement: bool = False


@dataclass(frozen=True)
class Requester:
    """Who asks, and how well the portal has established it (section 10)."""

    type: RequesterType
    id: str = ""
    school_level: SchoolLevel | None = None
    assurance: Assurance = Assurance.NONE
    identified_student_by: frozenset[Identifier] = frozenset()
    relationship_verified: bool = False
    custodial: bool = False
    legitimate_educational_interest: bool = False
    contractor: bool = False
    contractor_agreement: bool = False
    military: bool = False
    dependency_evidence: bool = False


@dataclass(frozen=True)
class Request:
    """What is asked for; ``received_on`` starts the section 9 clocks."""

    records: tuple[str, ...]
    received_on: date
    purpose: str = ""
    initiated_by_rights_holder: bool = False
    delivery: Delivery = Delivery.PORTAL
    delivery_address_verified: bool = False
    staff_approved: bool = False
    negative_confirmation: bool = False


@dataclass(frozen=True)
class Consent:
    """A consent as submitted; rule 9 judges whether it is valid.

    Every element defaults to absent, so an incomplete consent fails rule 9
    with the missing elements named, instead of being an input error.
    ``signer_custodial`` of None means "the requesting parent's custody".
    """

    signer_role: SignerRole | None = None
    signed: bool = False
    dated: bool = False
    records_specified: tuple[str, ...] = ()
    purpose: str = ""
    recipient: str = ""
    recipient_matches: bool = False
    recipient_is_class: bool = False
    electronic: bool = True
    esign_authenticated: bool = False
    revoked: bool = False
    expired: bool = False
    signer_custodial: bool | None = None
    copy_to_signer_requested: bool = False


@dataclass(frozen=True)
class LegalProcess:
    kind: ProcessKind
    production_date: date
    validated: bool = False
    non_disclosure_order: bool = False
    notice_sent_on: date | None = None
    protective_motion: bool = False
    california_civil: bool = False
    consumer_notice_proof: bool = False
    seeks_contact_info: bool = False


@dataclass(frozen=True)
class District:
    """The district's directory-information policy (EC 49073)."""

    directory_categories: frozenset[str] = frozenset()
    directory_recipients: frozenset[RequesterType] = frozenset()


@dataclass(frozen=True)
class Facts:
    today: date
    student: Student
    requester: Requester
    request: Request
    district: District = District()
    consent: Consent | None = None
    legal_process: LegalProcess | None = None


_E = TypeVar("_E", bound=StrEnum)
_MISSING = object()


class _Fields:
    """One JSON object being read, with the dotted path of its fields."""

    def __init__(self, raw: object, path: str) -> None:
        if not isinstance(raw, Mapping):
            raise FactsError(path or "facts", "must be a JSON object")
        self.raw: Mapping[str, Any] = raw
        self.path = path

    def name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def value(self, key: str, required: bool) -> Any:
        value = self.raw.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                raise FactsError(self.name(key), "is required")
            return _MISSING
        return value

    def child(self, key: str) -> _Fields | None:
        value = self.value(key, required=False)
        return None if value is _MISSING else _Fields(value, self.name(key))

    def required_child(self, key: str) -> _Fields:
        return _Fields(self.value(key, required=True), self.name(key))

    def flag(self, key: str, default: bool = False) -> bool:
        found = self.optional_flag(key)
        return default if found is None else found

    def required_flag(self, key: str) -> bool:
        if self.value(key, required=True) is _MISSING:
            raise FactsError(self.name(key), "is required")
        return self.flag(key)

    def optional_flag(self, key: str) -> bool | None:
        value = self.value(key, required=False)
        if value is _MISSING:
            return None
        if not isinstance(value, bool):
            raise FactsError(self.name(key), "must be true or false")
        return value

    def text(self, key: str) -> str:
        value = self.value(key, required=False)
        if value is _MISSING:
            return ""
        if not isinstance(value, str):
            raise FactsError(self.name(key), "must be a string")
        return value.strip()

    def day(self, key: str, required: bool = True) -> date | None:
        value = self.value(key, required)
        if value is _MISSING:
            return None
        return _parse_day(value, self.name(key))

    def required_day(self, key: str) -> date:
        return _parse_day(self.value(key, required=True), self.name(key))

    def choice(self, key: str, enum: type[_E]) -> _E | None:
        value = self.value(key, required=False)
        if value is _MISSING:
            return None
        return _member(enum, value, self.name(key))

    def required_choice(self, key: str, enum: type[_E]) -> _E:
        return _member(enum, self.value(key, required=True), self.name(key))

    def strings(self, key: str, required: bool = False) -> list[str]:
        value = self.value(key, required)
        if value is _MISSING:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise FactsError(self.name(key), "must be a list of strings")
        return [v.strip() for v in value]

    def choices(self, key: str, enum: type[_E]) -> frozenset[_E]:
        name = self.name(key)
        return frozenset(
            _member(enum, v, f"{name}[{i}]") for i, v in enumerate(self.strings(key))
        )


def _parse_day(value: object, field: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise FactsError(field, "must be a date written YYYY-MM-DD")


def _member(enum: type[_E], value: object, field: str) -> _E:
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    allowed = " | ".join(m.value for m in enum)
    raise FactsError(field, f"must be one of {allowed}")


def read_facts(raw: object) -> Facts:
    """Build the facts from parsed JSON, or name the field that is wrong."""
    top = _Fields(raw, "")
    today = top.required_day("today")
    student = _read_student(top.required_child("student"))
    requester = _read_requester(top.required_child("requester"))
    request = _read_request(top.required_child("request"), today)

    consent = top.child("consent")
    legal = top.child("legal_process")
    district = top.child("district")
    return Facts(
        today=today,
        student=student,
        requester=requester,
        request=request,
        district=District() if district is None else _read_district(district),
        consent=None if consent is None else _read_consent(consent),
        legal_process=None if legal is None else _read_legal_process(legal),
    )


def _read_student(fields: _Fields) -> Student:
    restrictions = []
    raw_restrictions = fields.value("custody_restrictions", required=False)
    if raw_restrictions is not _MISSING:
        if not isinstance(raw_restrictions, list):
            raise FactsError(fields.name("custody_restrictions"), "must be a list")
        for index, item in enumerate(raw_restrictions):
            entry = _Fields(item, f"{fields.name('custody_restrictions')}[{index}]")
            parent = entry.text("parent")
            if not parent:
                raise FactsError(entry.name("parent"), "is required")
            restrictions.append(
                # Whether an order revokes access is never guessed either way.
                CustodyRestriction(
                    parent, revokes_access=entry.required_flag("revokes_access")
                )
            )

    return Student(
        birth_date=fields.required_day("birth_date"),
        match=fields.required_choice("match", Match),
        attended_postsecondary=fields.flag("attended_postsecondary"),
        deceased=fields.flag("deceased"),
        homeless=fields.flag("homeless"),
        directory_opt_outs=frozenset(fields.strings("directory_opt_outs")),
        custody_restrictions=tuple(restrictions),
        completed_grade_10=fields.flag("completed_grade_10"),
        conservators=frozenset(c for c in fields.strings("conservators") if c),
        parents_separated=fields.flag("parents_separated"),
        parents_written_agreement=fields.flag("parents_written_agreement"),
    )


def _read_requester(fields: _Fields) -> Requester:
    return Requester(
        type=fields.required_choice("type", RequesterType),
        id=fields.text("id"),
        school_level=fields.choice("school_level", SchoolLevel),
        assurance=fields.choice("assurance", Assurance) or Assurance.NONE,
        identified_student_by=fields.choices("identified_student_by", Identifier),
        relationship_verified=fields.flag("relationship_verified"),
        custodial=fields.flag("custodial"),
        legitimate_educational_interest=fields.flag("legitimate_educational_interest"),
        contractor=fields.flag("contractor"),
        contractor_agreement=fields.flag("contractor_agreement"),
        military=fields.flag("military"),
        dependency_evidence=fields.flag("dependency_evidence"),
    )


def _read_request(fields: _Fields, today: date) -> Request:
    records = _read_records(fields, "records", required=True)
    if not records:
        raise FactsError(fields.name("records"), "must name at least one record")
    return Request(
        records=records,
        received_on=fields.day("received_on", required=False) or today,
        purpose=fields.text("purpose"),
        initiated_by_rights_holder=fields.flag("initiated_by_rights_holder"),
        delivery=fields.choice("delivery", Delivery) or Delivery.PORTAL,
        delivery_address_verified=fields.flag("delivery_address_verified"),
        staff_approved=fields.flag("staff_approved"),
        negative_confirmation=fields.flag("negative_confirmation"),
    )


def _read_records(fields: _Fields, key: str, required: bool) -> tuple[str, ...]:
    """Read a record list in request order, dropping repeats."""
    records: dict[str, None] = {}
    for index, record in enumerate(fields.strings(key, required)):
        if not is_known_record(record):
            raise FactsError(
                f"{fields.name(key)}[{index}]",
                f"unknown record {record!r}; use one of "
                f"{', '.join(sorted(RECORD_TYPES))} or DIRECTORY:<category>",
            )
        records[record] = None
    return tuple(records)


def is_known_record(record: str) -> bool:
    if record.startswith(DIRECTORY_PREFIX):
        return bool(record.removeprefix(DIRECTORY_PREFIX))
    return record in RECORD_TYPES


def _read_consent(fields: _Fields) -> Consent:
    return Consent(
        signer_role=fields.choice("signer_role", SignerRole),
        signed=fields.flag("signed"),
        dated=fields.flag("dated"),
        # A consent may name records the portal does not order (OTHER: text),
        # so its list is kept as written and only compared, never validated.
        records_specified=tuple(dict.fromkeys(fields.strings("records_specified"))),
        purpose=fields.text("purpose"),
        recipient=fields.text("recipient"),
        recipient_matches=fields.flag("recipient_matches"),
        recipient_is_class=fields.flag("recipient_is_class"),
        electronic=fields.flag("electronic", default=True),
        esign_authenticated=fields.flag("esign_authenticated"),
        revoked=fields.flag("revoked"),
        expired=fields.flag("expired"),
        signer_custodial=fields.optional_flag("signer_custodial"),
        copy_to_signer_requested=fields.flag("copy_to_signer_requested"),
    )


def _read_legal_process(fields: _Fields) -> LegalProcess:
    return LegalProcess(
        kind=fields.required_choice("kind", ProcessKind),
        production_date=fields.required_day("production_date"),
        validated=fields.flag("validated"),
        non_disclosure_order=fields.flag("non_disclosure_order"),
        notice_sent_on=fields.day("notice_sent_on", required=False),
        protective_motion=fields.flag("protective_motion"),
        california_civil=fields.flag("california_civil"),
        consumer_notice_proof=fields.flag("consumer_notice_proof"),
        seeks_contact_info=fields.flag("seeks_contact_info"),
    )


def _read_district(fields: _Fields) -> District:
    return District(
        directory_categories=frozenset(fields.strings("directory_categories")),
        directory_recipients=fields.choices("directory_recipients", RequesterType),
    )
