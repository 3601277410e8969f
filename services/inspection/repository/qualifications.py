"""Queries of officers' qualifications: the training ledger, exams, appraisals (issue #14 item 5). The officer
they belong to is loaded through the registry's access rule (``registries.readable_officer``) before any of
these is called, so they filter by officer only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.inspection import models as m
from services.inspection.domain import qualifications as q


async def trainings(session: AsyncSession, officer_id: uuid.UUID) -> Sequence[m.OfficerTraining]:
    """The officer's courses, newest first."""
    query = (
        sa.select(m.OfficerTraining)
        .where(m.OfficerTraining.officer_id == officer_id)
        .order_by(m.OfficerTraining.held_on.desc(), m.OfficerTraining.recorded_at.desc())
    )
    return (await session.scalars(query)).all()


async def trainings_of_year(session: AsyncSession, officer_id: uuid.UUID, year: int) -> list[q.Training]:
    query = sa.select(m.OfficerTraining.held_on, m.OfficerTraining.hours).where(
        m.OfficerTraining.officer_id == officer_id,
        m.OfficerTraining.held_on >= date(year, 1, 1),
        m.OfficerTraining.held_on <= date(year, 12, 31),
    )
    return [q.Training(held_on, hours) for held_on, hours in (await session.execute(query)).all()]


async def hours_in_window(session: AsyncSession, officer_ids: Sequence[str], day: date) -> dict[str, Decimal]:
    """Hours per officer in the 365 days ending on ``day`` (the entry rule's measure)."""
    if not officer_ids:
        return {}
    query = (
        sa.select(m.OfficerTraining.officer_id, sa.func.sum(m.OfficerTraining.hours))
        .where(
            m.OfficerTraining.officer_id.in_([uuid.UUID(o) for o in officer_ids]),
            m.OfficerTraining.held_on > day - q.TRAINING_WINDOW,
            m.OfficerTraining.held_on <= day,
        )
        .group_by(m.OfficerTraining.officer_id)
    )
    return {str(oid): Decimal(total) for oid, total in (await session.execute(query)).all()}


async def officers_by_cert(session: AsyncSession, cert_nos: Sequence[str]) -> dict[str, m.Officer]:
    if not cert_nos:
        return {}
    query = sa.select(m.Officer).where(m.Officer.cert_no.in_(list(cert_nos)))
    return {row.cert_no: row for row in (await session.scalars(query)).all() if row.cert_no}


async def exams(session: AsyncSession, officer_id: uuid.UUID) -> Sequence[m.OfficerExam]:
    """The officer's exams and quizzes, newest first."""
    query = (
        sa.select(m.OfficerExam)
        .where(m.OfficerExam.officer_id == officer_id)
        .order_by(m.OfficerExam.held_on.desc(), m.OfficerExam.recorded_at.desc())
    )
    return (await session.scalars(query)).all()


async def appraisals(session: AsyncSession, officer_id: uuid.UUID) -> Sequence[m.OfficerAppraisal]:
    """The officer's daily appraisals, newest first."""
    query = (
        sa.select(m.OfficerAppraisal)
        .where(m.OfficerAppraisal.officer_id == officer_id)
        .order_by(m.OfficerAppraisal.appraised_on.desc(), m.OfficerAppraisal.recorded_at.desc())
    )
    return (await session.scalars(query)).all()
