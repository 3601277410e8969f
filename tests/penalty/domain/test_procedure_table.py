"""The state machine table (procedure/states.py) says what the transitions do.

Every command has a rule; on every case state reached by the golden scripts, each command of the golden
palette either is refused with the table's refusal (when the state is not among the rule's states) or is
applied and leaves the case in a state the rule names (or, where the rule says so, where it was).
"""

from __future__ import annotations

import typing
from datetime import timedelta

from services.common.errors import DomainError
from services.penalty.domain import procedure as p
from services.penalty.domain.procedure import states
from tests.penalty.domain.test_procedure_golden import PALETTE, SCRIPTS, _outcome, _played


def _rule(command: object) -> states.Rule:
    if isinstance(command, p.Close):
        return states.CLOSING[command.reason]
    return states.TABLE[type(command)]


def test_every_command_and_closure_reason_has_a_rule() -> None:
    commands = set(typing.get_args(p.Command))
    assert set(states.TABLE) == commands - {p.Close}
    assert set(states.CLOSING) == set(p.ClosureReason)


def test_every_rule_names_its_refusal_and_its_states() -> None:
    for rule in [*states.TABLE.values(), *states.CLOSING.values(), states.ON_THE_SPOT]:
        assert rule.action and rule.states
        assert p.CaseState.CLOSED not in rule.states  # nothing is done on a closed case
        assert rule.leads_to or rule.may_stay


def test_transitions_keep_to_the_table() -> None:
    tried = applied = refused = 0
    for _, _, day, _, recorded in _played():
        if "case" not in recorded or recorded["case"].state is p.CaseState.CLOSED:
            continue
        case: p.Case = recorded["case"]
        for later in (0, 1, 20):
            when = day + timedelta(days=later)
            for make in PALETTE.values():
                command = make(when)
                rule = _rule(command)
                outcome, transition = _outcome(case, command, when)
                tried += 1
                if case.state not in rule.states:
                    error = outcome.get("error")
                    assert isinstance(error, p.InvalidTransition | p.AlreadyDecided), (case.state, command)
                    if isinstance(error, p.InvalidTransition):
                        assert f"不能{rule.action}" in error.detail
                    refused += 1
                    continue
                if transition is None:
                    assert isinstance(outcome["error"], DomainError)
                    continue
                new = transition.case.state
                assert new in rule.leads_to or (rule.may_stay and new is case.state), (
                    case.state,
                    command,
                    new,
                )
                applied += 1
    # the palette reaches every kind of outcome (a guard against the scenarios drying up)
    assert tried > 5_000 and applied > 500 and refused > 3_000, (tried, applied, refused)
    assert SCRIPTS  # the scripts the golden record plays
