"""What the penalty service consumes and runs in the background, as declared (consumers.py, jobs.py)."""

from __future__ import annotations

from services.common.contracts import credit, inspection, risk
from services.penalty import consumers, jobs
from services.penalty.settings import PenaltyContext
from tests.support.stack import settings_for


def test_the_durable_consumer_names_never_change() -> None:
    # the name is the JetStream durable and the inbox key: renaming one would replay its stream
    assert [(d.name, d.contract) for d in consumers.consumers.declared] == [
        ("violation-found", inspection.ViolationFound),
        ("officer-changed", inspection.OfficerChanged),
        ("credit-notice-issued", credit.NoticeIssued),
        ("supervision-matter-opened", risk.SupervisionMatterOpened),
        ("supervision-matter-closed", risk.SupervisionMatterClosed),
        ("supervision-matter-deadline-set", risk.SupervisionMatterDeadlineSet),
    ]


def test_the_deadline_scan_follows_its_settings() -> None:
    scan, sweep = jobs.JOBS[:2]
    on = PenaltyContext.from_settings(settings_for("penalty", deadline_scan_interval_s=120.0))
    off = PenaltyContext.from_settings(settings_for("penalty", deadline_scan_enabled=False))
    assert scan.name == "deadline-scan"
    assert (scan.is_enabled(on), scan.interval(on)) == (True, 120.0)
    assert scan.is_enabled(off) is False
    often = PenaltyContext.from_settings(settings_for("penalty", disclosure_sweep_interval_s=60.0))
    assert (sweep.name, sweep.interval(often)) == ("disclosure-sweep", 60.0)


def test_the_enforcement_window_scan_runs_with_the_deadline_scan() -> None:
    [window] = [j for j in jobs.JOBS if j.name == "enforcement-window-scan"]
    on = PenaltyContext.from_settings(settings_for("penalty", deadline_scan_interval_s=120.0))
    off = PenaltyContext.from_settings(settings_for("penalty", deadline_scan_enabled=False))
    assert window.name == "enforcement-window-scan"
    assert (window.is_enabled(on), window.interval(on), window.is_enabled(off)) == (True, 120.0, False)


def test_the_collection_scan_runs_with_the_deadline_scan() -> None:
    [scan] = [j for j in jobs.JOBS if j.name == "collection-scan"]
    on = PenaltyContext.from_settings(settings_for("penalty", deadline_scan_interval_s=120.0))
    off = PenaltyContext.from_settings(settings_for("penalty", deadline_scan_enabled=False))
    assert (scan.is_enabled(on), scan.interval(on)) == (True, 120.0)
    assert scan.is_enabled(off) is False
