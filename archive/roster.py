"""Load the district's roster: students, current and former, with earlier names.

A roster file is checked whole before anything changes: one bad row means
no row is loaded, and the clerk gets every problem at once with its row
and column, so a file is fixed in one pass instead of one error at a time.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from archive import audit
from archive.errors import ArchiveError
from archive.models import Document, Student, StudentName, utcnow
from archive.models.students import CURRENT, EARLIER

log = logging.getLogger(__name__)

COLUMNS = (
    "student_id",
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "grad_year",
    "last_school",
    "status",
    "other_names",
)
STATUSES = ("current", "alumni")
_STUDENT_ID = re.compile(r"[A-Za-z0-9-]{1,32}")
_MAX_PROBLEMS = 200


class RosterInvalid(ArchiveError):
    """The roster file has problems; nothing was loaded."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:_MAX_PROBLEMS]
        more = len(problems) - len(shown)
        lines = "\n".join(f"  {p}" for p in shown)
        tail = f"\n  ... and {more} more" if more else ""
        super().__init__(
            f"the roster has {len(problems)} problem(s); nothing was loaded:\n"
            f"{lines}{tail}"
        )
        self.problems = problems


@dataclass(frozen=True)
class Name:
    last: str
    first: str
    middle: str | None


@dataclass(frozen=True)
class RosterRow:
    student_id: str
    name: Name
    birth_date: date
    grad_year: int | None
    last_school: str | None
    status: str
    other_names: tuple[Name, ...]


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    names_kept: int = 0
    problems: list[str] = field(default_factory=list)


def parse_other_names(text: str) -> tuple[Name, ...]:
    """Read ``Last, First Middle; Last, First`` into names.

    A name without a comma is read as ``First [Middle] Last``, the order in
    which people write their own.
    """
    names = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        if "," in part:
            last, _, given = part.partition(",")
            words = given.split()
        else:
            *words, last = part.split()
        if not last.strip() or not words:
            raise ValueError(f"{part!r} is not a name like 'Last, First Middle'")
        middle = " ".join(words[1:]) or None
        names.append(Name(last.strip(), words[0], middle))
    return tuple(names)


def _parse_row(
    number: int, raw: dict[str, str], problems: list[str]
) -> RosterRow | None:
    """Check one row, adding each problem with its row and column."""

    def bad(column: str, message: str) -> None:
        problems.append(f"row {number}, column {column}: {message}")

    value = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    before = len(problems)

    if not _STUDENT_ID.fullmatch(value["student_id"]):
        bad("student_id", "must be 1 to 32 letters, digits or hyphens")
    for column in ("last_name", "first_name"):
        if not value[column]:
            bad(column, "is empty")
    birth = None
    try:
        birth = date.fromisoformat(value["birth_date"])
    except ValueError:
        bad("birth_date", f"{value['birth_date']!r} is not a date like 1987-04-12")
    grad_year = None
    if value["grad_year"]:
        if value["grad_year"].isdigit() and 1850 <= int(value["grad_year"]) <= 2100:
            grad_year = int(value["grad_year"])
        else:
            bad("grad_year", f"{value['grad_year']!r} is not a year like 1987")
    if value["status"] not in STATUSES:
        bad("status", f"{value['status']!r} must be current or alumni")
    other: tuple[Name, ...] = ()
    try:
        other = parse_other_names(value["other_names"])
    except ValueError as err:
        bad("other_names", str(err))

    if len(problems) > before or birth is None:
        return None
    return RosterRow(
        student_id=value["student_id"],
        name=Name(
            value["last_name"], value["first_name"], value["middle_name"] or None
        ),
        birth_date=birth,
        grad_year=grad_year,
        last_school=value["last_school"] or None,
        status=value["status"],
        other_names=other,
    )


def read_roster(path: Path) -> list[RosterRow]:
    """Read and check a roster CSV; raise RosterInvalid listing every problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise RosterInvalid(
            ["the file is not UTF-8 text; save it as CSV UTF-8"]
        ) from None
    except OSError as err:
        raise ArchiveError(f"cannot read {path}: {err.strerror}") from None

    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = tuple(reader.fieldnames or ())
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        raise RosterInvalid(
            [f"row 1: missing column {c}" for c in missing]
            + [f"row 1: unknown column {c}" for c in unknown]
        )

    problems: list[str] = []
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        if None in raw:
            problems.append(f"row {number}: more fields than the header has columns")
            continue
        row = _parse_row(number, raw, problems)
        if row is None:
            continue
        if row.student_id in seen:
            problems.append(
                f"row {number}, column student_id: the same id as row "
                f"{seen[row.student_id]}"
            )
            continue
        seen[row.student_id] = number
        rows.append(row)
    if problems:
        raise RosterInvalid(problems)
    return rows


def _apply(session: Session, row: RosterRow, report: ImportReport) -> None:
    """Add or update one student; bump its version only if something changed."""
    student = session.get(Student, row.student_id)
    is_new = student is None
    if student is None:
        student = Student(student_id=row.student_id, version=1, names=[])
        session.add(student)
    before = (
        Name(student.last_name, student.first_name, student.middle_name),
        student.birth_date,
        student.grad_year,
        student.last_school,
        student.status,
    )

    student.last_name, student.first_name = row.name.last, row.name.first
    student.middle_name = row.name.middle
    student.birth_date, student.grad_year = row.birth_date, row.grad_year
    student.last_school, student.status = row.last_school, row.status
    names_changed = _merge_names(student, row)

    if is_new:
        report.added += 1
    elif names_changed or before != (
        row.name,
        row.birth_date,
        row.grad_year,
        row.last_school,
        row.status,
    ):
        student.version += 1
        student.updated_at = utcnow()
        report.updated += 1
        # The index shows the student's names beside each document.
        session.execute(
            update(Document)
            .where(Document.student_id == row.student_id)
            .values(version=Document.version + 1)
        )
        if before[0] != row.name:
            report.names_kept += 1
    else:
        report.unchanged += 1


def _merge_names(student: Student, row: RosterRow) -> bool:
    """Record the current name and every earlier one; never forget a name.

    A name that was current and is no longer becomes an earlier name, so a
    record filed under a maiden name still finds its student.
    """
    known = {Name(n.last_name, n.first_name, n.middle_name): n for n in student.names}
    changed = False
    for entry in known.values():
        kind = CURRENT if known.get(row.name) is entry else EARLIER
        if entry.kind != kind:
            entry.kind, changed = kind, True
    for name, kind in [(row.name, CURRENT), *((n, EARLIER) for n in row.other_names)]:
        if name not in known:
            student.names.append(
                StudentName(
                    last_name=name.last,
                    first_name=name.first,
                    middle_name=name.middle,
                    kind=kind,
                )
            )
            known[name] = student.names[-1]
            changed = True
    return changed


def import_roster(
    sessions: sessionmaker[Session], path: Path, *, actor: str
) -> ImportReport:
    """Load or update every student of a checked roster in one transaction."""
    rows = read_roster(path)
    report = ImportReport()
    with sessions.begin() as session:
        known_before = session.scalar(select(func.count()).select_from(Student))
        for row in rows:
            _apply(session, row, report)
        audit.append(
            session,
            actor=actor,
            action="roster.import",
            target="roster",
            detail={
                "rows": len(rows),
                "added": report.added,
                "updated": report.updated,
                "known_before": known_before,
            },
        )
    log.info(
        "roster imported: %d added, %d updated, %d unchanged",
        report.added,
        report.updated,
        report.unchanged,
    )
    return report
