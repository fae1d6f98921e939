"""Words the whole archive shares, kept free of imports so any layer may use them."""

from __future__ import annotations

# The kinds of document a district keeps, in the order a clerk thinks of them.
DOCUMENT_TYPES = (
    "transcript",
    "cumulative_record",
    "diploma",
    "immunization",
    "enrollment_form",
    "correspondence",
    "court_order",
    "other",
)
