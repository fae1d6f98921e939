"""The disclosure decision engine: FERPA.md section 4 as one pure function.

``read_facts`` turns the Appendix A JSON into :class:`Facts`; ``decide``
turns facts and the district's settings into a :class:`Decision`.
"""

from requests_portal.policy.decision import (
    UNIFORM_MESSAGE,
    Basis,
    Decision,
    LogVisibility,
    Notice,
    Outcome,
)
from requests_portal.policy.engine import decide
from requests_portal.policy.facts import Facts, FactsError, read_facts
from requests_portal.policy.settings import DistrictSettings

__all__ = [
    "UNIFORM_MESSAGE",
    "Basis",
    "Decision",
    "DistrictSettings",
    "Facts",
    "FactsError",
    "LogVisibility",
    "Notice",
    "Outcome",
    "decide",
    "read_facts",
]
