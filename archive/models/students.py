"""Students as the roster knows them, with every name they have had."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.models.core import Base, UTCDateTime, utcnow

CURRENT = "current"
EARLIER = "earlier"


class Student(Base):
    """One current or former student, keyed by the district's student id.

    ``version`` grows with every change, so the search index can tell an
    entry built from an older roster row from a current one.
    """

    __tablename__ = "students"

    student_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_name: Mapped[str] = mapped_column(String(128))
    first_name: Mapped[str] = mapped_column(String(128))
    middle_name: Mapped[str | None] = mapped_column(String(128))
    birth_date: Mapped[date] = mapped_column(Date, index=True)
    grad_year: Mapped[int | None] = mapped_column(Integer)
    last_school: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    names: Mapped[list[StudentName]] = relationship(
        back_populates="student",
        cascade="all, delete-orphan",
        order_by="StudentName.id",
    )


class StudentName(Base):
    """A name a student has had: the current one, or an earlier one.

    Earlier names (maiden names, names before an adoption) are what old
    paper records carry, so matching and search look at all of them.
    """

    __tablename__ = "student_names"
    __table_args__ = (
        UniqueConstraint("student_id", "last_name", "first_name", "middle_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[str] = mapped_column(
        ForeignKey("students.student_id"), index=True
    )
    last_name: Mapped[str] = mapped_column(String(128), index=True)
    first_name: Mapped[str] = mapped_column(String(128))
    middle_name: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))

    student: Mapped[Student] = relationship(back_populates="names")
