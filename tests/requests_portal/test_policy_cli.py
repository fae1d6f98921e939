"""``policy decide`` as the registrar runs it: a real process on a real file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.requests_portal.policy_scenarios import scenario

RUN_POLICY = "from requests_portal.policy.cli import policy_group; policy_group()"


def run_policy(
    *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_POLICY, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def write_facts(tmp_path: Path, facts: Any) -> Path:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts), encoding="utf-8")
    return path


def test_decide_prints_the_decision_with_sorted_keys(tmp_path: Path) -> None:
    path = write_facts(tmp_path, scenario())

    result = run_policy("decide", str(path))

    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["decision"] == "allow"
    assert decision["basis"] == "SELF_ACCESS"
    assert decision["due_on"] == "2026-03-09"
    assert list(decision) == sorted(decision)


def test_decide_reads_stdin_for_a_dash() -> None:
    facts = scenario(requester={"type": "media", "assurance": "basic"})

    result = run_policy("decide", "-", stdin=json.dumps(facts))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["decision"] == "deny"


@pytest.mark.parametrize(
    ("content", "named"),
    [
        pytest.param(
            json.dumps({k: v for k, v in scenario().items() if k != "today"}),
            "today",
            id="missing-today",
        ),
        pytest.param(
            json.dumps(scenario(student={"birth_date": None})),
            "student.birth_date",
            id="missing-birth-date",
        ),
        pytest.param('{"today": "2026-03-02",', "not valid JSON", id="invalid-json"),
        pytest.param("", "not valid JSON", id="empty-file"),
    ],
)
def test_bad_facts_exit_2_with_one_line_naming_the_problem(
    tmp_path: Path, content: str, named: str
) -> None:
    path = tmp_path / "facts.json"
    path.write_text(content, encoding="utf-8")

    result = run_policy("decide", str(path))

    assert result.returncode == 2
    assert result.stdout == ""
    assert named in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_policy("decide", str(tmp_path / "absent.json"))

    assert result.returncode == 2
    assert "absent.json" in result.stderr
