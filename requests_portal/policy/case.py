"""One request under evaluation: the facts, the settings and who holds the rights.

Rule 4 (who holds the rights) is computed once here because every later rule
depends on it; each rule returns a :class:`Finding` the engine assembles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from requests_portal.policy.decision import Basis, Notice, Outcome
from requests_portal.policy.facts import Facts, RequesterType
from requests_portal.policy.settings import DistrictSettings

AGE_OF_MAJORITY = 18


class RightsHolder(StrEnum):
    STUDENT = "STUDENT"
    PARENT = "PARENT"
    CONSERVATOR = "CONSERVATOR"


@dataclass(frozen=True)
class Case:
    facts: Facts
    settings: DistrictSettings
    age: int
    holder: RightsHolder

    @property
    def is_conservator(self) -> bool:
        """The requester is named by the court order as the conservator."""
        requester = self.facts.requester
        return (
            self.holder is RightsHolder.CONSERVATOR
            and requester.type is not RequesterType.SELF
            and requester.id in self.facts.student.conservators
        )

    @property
    def requester_is_rights_holder(self) -> bool:
        kind = self.facts.requester.type
        if self.holder is RightsHolder.STUDENT:
            return kind is RequesterType.SELF
        if self.holder is RightsHolder.PARENT:
            return kind is RequesterType.PARENT and not self.parent_rights_revoked
        return self.is_conservator

    @property
    def parent_rights_revoked(self) -> bool:
        """A custody order on file revokes this requesting parent's rights."""
        requester = self.facts.requester
        return any(
            restriction.revokes_access and restriction.parent == requester.id
            for restriction in self.facts.student.custody_restrictions
        )

    @property
    def student_is_minor(self) -> bool:
        return self.holder is RightsHolder.PARENT


def open_case(facts: Facts, settings: DistrictSettings) -> Case:
    """Apply rule 4: the rights pass to the student at 18 or at college."""
    student = facts.student
    age = age_on(student.birth_date, facts.today)
    if age < AGE_OF_MAJORITY and not student.attended_postsecondary:
        holder = RightsHolder.PARENT
    elif student.conservators:
        holder = RightsHolder.CONSERVATOR
    else:
        holder = RightsHolder.STUDENT
    return Case(facts=facts, settings=settings, age=age, holder=holder)


def age_on(birth_date: date, today: date) -> int:
    """Return the age in whole years; a 29 February birthday counts on 1 March."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - int(before_birthday)


@dataclass(frozen=True)
class Finding:
    """What one rule concluded; the engine turns the last one into a Decision.

    A DENY closes only its own route unless ``final`` is set. ``records`` is
    what the rule's basis covers; the engine still intersects it with the
    request. ``uniform`` asks for the rule 30 sentence on a HOLD.
    """

    outcome: Outcome
    reasons: tuple[str, ...]
    basis: Basis | None = None
    records: tuple[str, ...] = ()
    notices: tuple[Notice, ...] = ()
    final: bool = False
    due_on: date | None = None
    earliest_release_on: date | None = None
    sealed: bool = False
    uniform: bool = False


def allow(
    basis: Basis,
    records: tuple[str, ...],
    *reasons: str,
    notices: tuple[Notice, ...] = (),
    due_on: date | None = None,
    earliest_release_on: date | None = None,
    sealed: bool = False,
) -> Finding:
    return Finding(
        Outcome.ALLOW,
        reasons,
        basis=basis,
        records=records,
        notices=notices,
        due_on=due_on,
        earliest_release_on=earliest_release_on,
        sealed=sealed,
    )


def deny(
    *reasons: str, final: bool = False, notices: tuple[Notice, ...] = ()
) -> Finding:
    return Finding(Outcome.DENY, reasons, final=final, notices=notices)


def hold(*reasons: str, sealed: bool = False, uniform: bool = False) -> Finding:
    return Finding(Outcome.HOLD, reasons, final=True, sealed=sealed, uniform=uniform)
