"""``records policy decide``: the engine on one set of facts, from a file.

Registered on the ``records`` command by the archive's CLI; it needs no data
folder, database or keys, so a scenario can be checked anywhere.
"""

from __future__ import annotations

import json
from typing import IO

import click

from requests_portal.policy.engine import decide
from requests_portal.policy.facts import FactsError, read_facts


class BadFacts(click.ClickException):
    """The facts file cannot be used; exit status 2 like any bad input."""

    exit_code = 2


@click.group("policy")
def policy_group() -> None:
    """The disclosure rules (FERPA.md) on one request's facts."""


@policy_group.command("decide")
@click.argument(
    "facts_file", metavar="FILE.json", type=click.File("r", encoding="utf-8")
)
def decide_command(facts_file: IO[str]) -> None:
    """Print the decision for the facts in FILE.json ("-" reads stdin) as JSON."""
    name = "stdin" if facts_file.name == "<stdin>" else facts_file.name
    try:
        raw = json.load(facts_file)
    except json.JSONDecodeError as err:
        raise BadFacts(
            f"{name} is not valid JSON (line {err.lineno}, column {err.colno}): "
            f"{err.msg}"
        ) from err
    except UnicodeDecodeError as err:
        raise BadFacts(f"{name} is not UTF-8 text") from err

    try:
        facts = read_facts(raw)
    except FactsError as err:
        raise BadFacts(f"{name}: {err}") from err

    click.echo(json.dumps(decide(facts).to_json(), sort_keys=True, indent=2))
