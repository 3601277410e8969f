"""The one access rule (SPEC §1.5): which objects a caller may read, as a ``WHERE`` clause.

A caller's token becomes a ``Scope`` once (``scope_for``): an administrator and a city supervisor see
everything; a district supervisor their district; an officer their department; an enterprise itself; an
integration client what it brought in. Each kind of object says, in its repository, which of its columns
answers each dimension of a scope (a ``Visibility``), and ``readable`` turns the two into a condition that
the same query uses for a list and for a single object. So a route never sees a foreign object: a get of
someone else's id finds nothing and answers 404, exactly like an id that does not exist (ids cannot be
probed), and a list can never show what a get would hide.

A dimension the object does not declare hides the object from callers scoped by it (deny by default): an
integration client sees nothing unless the object records which client brought it in.

The model is Polar's ``get_readable_statement(auth_subject)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from services.common.auth import Principal, Role

Condition = ColumnElement[bool]
#: A column compared with ``==``, or a function from the scope's value to a condition.
Dimension = ColumnElement[Any] | Callable[[str], Condition] | Any

Statement = TypeVar("Statement", bound=sa.Select[Any])


@dataclass(frozen=True, slots=True)
class Scope:
    """What one caller may see. ``everything`` or the one dimension that narrows it."""

    role: Role
    everything: bool = False
    uscc: str | None = None
    department_code: str | None = None
    district_code: str | None = None
    client: str | None = None

    def narrowing(self) -> tuple[str, str] | None:
        """The dimension and value that narrow this scope, or None when it sees everything."""
        for name in ("uscc", "department_code", "district_code", "client"):
            value = getattr(self, name)
            if value is not None:
                return name, value
        return None


def scope_for(principal: Principal) -> Scope:
    """An administrator and a city supervisor see everything; every other caller one slice of it.

    A token whose role lacks its narrowing claim sees nothing (the empty string matches no row), never
    everything.
    """
    role = principal.role
    if role == "admin":
        return Scope(role, everything=True)
    if role == "supervisor":
        if principal.scope == "city":
            return Scope(role, everything=True)
        return Scope(role, district_code=principal.scope or "")
    if role == "officer":
        return Scope(role, department_code=principal.dept_code or "")
    if role == "enterprise":
        return Scope(role, uscc=principal.uscc or "")
    return Scope(role, client=principal.client or "")


@dataclass(frozen=True, slots=True)
class Visibility:
    """How one kind of object answers each dimension of a scope (None: hidden from callers scoped by it)."""

    uscc: Dimension | None = None
    department_code: Dimension | None = None
    district_code: Dimension | None = None
    client: Dimension | None = None


def condition(scope: Scope, rule: Visibility) -> Condition:
    """The condition a row of the kind ``rule`` describes must meet to be visible in ``scope``."""
    if scope.everything:
        return sa.true()
    narrowing = scope.narrowing()
    if narrowing is None:
        return sa.false()
    name, value = narrowing
    dimension = getattr(rule, name)
    if dimension is None:
        return sa.false()
    if isinstance(dimension, ColumnElement) or hasattr(dimension, "__clause_element__"):
        return dimension == value  # type: ignore[no-any-return]
    return dimension(value)  # type: ignore[no-any-return]


def readable(statement: Statement, scope: Scope, rule: Visibility) -> Statement:
    """``statement`` narrowed to the rows ``scope`` may read."""
    if scope.everything:
        return statement
    return statement.where(condition(scope, rule))


def in_department(column: Any) -> Callable[[str], Condition]:
    """A department dimension for a column holding a department code (``SJ``) or an enforcement body
    code under it (``SJ-210102``): an officer of ``SJ`` sees both."""

    def matches(code: str) -> Condition:
        return sa.or_(column == code, sa.func.split_part(column, "-", 1) == code)

    return matches


def any_of(array_column: Any) -> Callable[[str], Condition]:
    """A dimension for an array column (a joint visit lists every participating department)."""

    def matches(value: str) -> Condition:
        return sa.literal(value) == sa.any_(array_column)

    return matches
