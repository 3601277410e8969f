"""The supervisors' console (监督驾驶舱, issue #15) in a real browser: Debian's chromium driven by Playwright,
against the four services and the gateway on the sample data.

The platform: fresh databases loaded by each service's sample loader (as `zhifa up` does), a little activity
through the API on top (tests/support/activity.py: visits in every mode, a rating with serious tags, a credit
clean-up dry run, a fine outside its tier), the gateway in dev (so the login page offers the sample
identities). The service clock and the browser's are pinned to Friday 2026-11-13, 10:00 in China: 2026Q3 has
ended, the sample loader publishes it with warnings and rectifications whose deadlines stay in 2026, and the
console picks 2026Q3 as the last closed quarter.

Every expected figure is read from the JSON API the page uses and compared with what the page shows; the
pages are also checked for Content-Security-Policy violations, requests to any other origin, and horizontal
overflow at 1366×768 and 1920×1080. A screenshot of each page is taken; with ZHIFA_CONSOLE_SCREENSHOTS set to a
folder (docs/console) they are written there for docs/console.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import io
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.common import clock, sample_identities
from services.common.embedded import EmbeddedNats
from services.common.registry import SERVICES
from services.risk import sample as risk_sample
from tests.support import activity
from tests.support.stack import Stack, client, running_gateway, running_service

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NOW = datetime(2026, 11, 13, 10, 0, tzinfo=clock.CHINA)
QUARTER = "2026Q3"
SMALL = {"width": 1366, "height": 768}
LARGE = {"width": 1920, "height": 1080}
SHOTS = os.environ.get("ZHIFA_CONSOLE_SCREENSHOTS")

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("chromium is missing: `make install` installs Debian's chromium for these tests")
    pytest.skip("no chromium (make browser installs it)", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.async_api")


@dataclass
class Console:
    base: str
    browser: Any
    made: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    shots: Path | None = None

    def api(self, who: str = "supervisor_city") -> httpx.AsyncClient:
        return client(self.base, headers=activity.bearer(sample_identities.IDENTITIES[who]))

    @contextlib.asynccontextmanager
    async def page(self, viewport: dict[str, int] = SMALL) -> AsyncIterator[Any]:
        context = await self.browser.new_context(
            viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        await context.clock.install(time=NOW)
        page = await context.new_page()
        base = self.base

        def on_console(message: Any) -> None:
            if (
                "Content Security Policy" in message.text
                or message.type == "error"
                and "status of" not in message.text
            ):
                self.problems.append(f"console {message.type}: {message.text}")

        def on_request(request: Any) -> None:
            if not request.url.startswith((base + "/", f"blob:{base}/", "data:")):
                self.problems.append(f"request to another origin: {request.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("request", on_request)
        try:
            yield page
        finally:
            await context.close()

    async def sign_in(self, page: Any, label: str) -> None:
        await page.goto(self.base + "/console/")
        await page.get_by_role("button", name=label).click()
        await page.wait_for_selector(".side nav a.active")

    async def shot(self, page: Any, name: str) -> None:
        await assert_fits(page)
        path = (self.shots or Path(".")) / f"{name}.png"
        await page.screenshot(path=str(path))
        assert path.stat().st_size < 300_000, f"{name}.png is {path.stat().st_size} bytes"


async def assert_fits(page: Any) -> None:
    """Nothing wider than the window (no horizontal scrolling of the page)."""
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the window"


async def until_count(page: Any, selector: str, count: int, timeout: float = 20.0) -> None:
    """Wait until ``selector`` matches at least ``count`` elements (polled from here: the pages' CSP forbids the
    string evaluation wait_for_function would use)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (found := await page.locator(selector).count()) < count:
        assert asyncio.get_running_loop().time() < deadline, f"{selector}: {found} of {count}"
        await asyncio.sleep(0.1)


async def workbook(download: Any) -> Any:
    """A downloaded xlsx, opened (Playwright keeps downloads under names without a suffix)."""
    from openpyxl import load_workbook

    data = await asyncio.to_thread(Path(await download.path()).read_bytes)
    return load_workbook(io.BytesIO(data))


async def charts_drawn(page: Any, count: int) -> None:
    await until_count(page, ".chart[data-rendered=true] canvas", count)


@pytest.fixture(scope="module")
async def console(
    stack: Stack, nats_server: EmbeddedNats, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Console]:
    clock.set_offset(NOW - datetime.now(UTC))
    try:
        urls = {
            name: await stack.anew_database(name) for name in SERVICES
        }  # one at a time: Alembic is global
        for name, url in urls.items():  # as `zhifa up` does, in the registry's order
            try:
                loader = importlib.import_module(f"services.{name}.sample")
            except ModuleNotFoundError:
                continue  # sample data are optional (notify has none)
            await loader.load(url)
        extra: dict[str, dict[str, Any]] = {
            "penalty": {"deadline_scan_enabled": False},
            "risk": {"daily_job_enabled": False},
        }
        async with contextlib.AsyncExitStack() as running:
            services = {
                name: await running.enter_async_context(
                    running_service(name, database_url=url, nats_url=nats_server.url, **extra.get(name, {}))
                )
                for name, url in urls.items()
            }
            for svc in services.values():
                assert await svc.runtime.bus.wait_ready(15)
            gateway = await running.enter_async_context(
                running_gateway({name: svc.url for name, svc in services.items()}, env="dev")
            )
            async with client(gateway.url) as http:
                made = await activity.make(http)
            playwright = await running.enter_async_context(playwright_api.async_playwright())
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--headless",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            )
            running.push_async_callback(browser.close)
            shots = Path(SHOTS) if SHOTS else tmp_path_factory.mktemp("console-shots")
            shots.mkdir(parents=True, exist_ok=True)
            yield Console(gateway.url, browser, made, shots=shots)
    finally:
        clock.reset()


@pytest.fixture
def clean(console: Console) -> Any:
    """Each test ends with no CSP violation, page error or request to another origin."""
    console.problems.clear()
    yield console
    assert console.problems == []


async def test_login_offers_the_sample_identities_and_signs_in(clean: Console) -> None:
    async with clean.page() as page:
        await page.goto(clean.base + "/console/")
        await page.wait_for_selector("[data-identity]")
        labels = await page.locator("[data-identity] .identity-name").all_inner_texts()
        assert labels == ["孙娜（部门负责人）", "和平区执法监督员", "市司法局监督员", "平台管理员"]
        await clean.shot(page, "login")
        # A token that is not for the console is refused with a reason.
        await page.fill("#token", activity.ENTERPRISE["Authorization"])
        await page.get_by_role("button", name="登录", exact=True).click()
        assert "限监督人员、部门负责人和管理员" in await page.inner_text(".login-message")
        await page.get_by_role("button", name="市司法局监督员").click()
        await page.wait_for_selector("#page-overview")
        assert await page.inner_text(".who-name") == "市司法局监督员"
        token = await page.evaluate("sessionStorage.getItem('zhifa.console.token')")
        assert token and token.count(".") == 2  # kept in this tab only


async def test_overview_shows_the_quarter_the_reasons_and_the_trend(clean: Console) -> None:
    async with clean.api() as http:
        overview = (await http.get(f"/api/v1/risk/overview/{QUARTER}")).json()
        report = (await http.get(f"/api/v1/risk/reports/{QUARTER}")).json()
    assert overview["published"] and overview["units"]["red"] > 0  # the sample loader published 2026Q3
    async with clean.page() as page:
        await clean.sign_in(page, "市司法局监督员")
        await page.wait_for_selector("#page-overview")
        assert await page.input_value("#quarter") == QUARTER
        cards = await page.locator(".card").all_inner_texts()
        colours = overview["units"]
        assert any(f"{colours['red']} / {colours['yellow']} / {colours['blue']}" in c for c in cards), cards
        assert any(str(overview["city"]["figures"]["decisions"]) in c for c in cards), cards
        assert any(overview["city"]["figures"]["correction_rate"] in c for c in cards), cards
        await charts_drawn(page, 2)
        # The heat table: one coloured cell per unit of the report.
        for colour in ("red", "yellow", "blue"):
            expected = sum(1 for u in report["units"] if u["colour"] == colour)
            assert await page.locator(f".heat-cell.c-{colour}").count() == expected, colour
        warned = [u for u in report["units"] if u["colour"] != "none" or u["lamp"]]
        text = await page.inner_text("#warned")
        for unit in warned:
            assert unit["unit_name"] in text
            for reason in unit["reasons"]:
                assert reason["text"] in text  # the reasons, with their numbers
        await clean.shot(page, "overview")
        await page.set_viewport_size(LARGE)
        await assert_fits(page)


async def test_a_unit_drill_down_from_the_overview(clean: Console) -> None:
    async with clean.api() as http:
        report = (await http.get(f"/api/v1/risk/reports/{QUARTER}")).json()
        red = sorted(u["unit_code"] for u in report["units"] if u["colour"] == "red")[0]
        detail = (await http.get(f"/api/v1/risk/units/{red}/quarters/{QUARTER}")).json()
        rectifications = (await http.get(f"/api/v1/risk/rectifications?quarter={QUARTER}&limit=100")).json()
    mine = [r for r in rectifications["items"] if r["unit_code"] == red]
    assert len(mine) == 1
    async with clean.page() as page:
        await clean.sign_in(page, "市司法局监督员")
        await page.click(f"#warned a[href^='#/unit/{red}']")
        await page.wait_for_selector("#page-unit")
        assert (await page.inner_text("#page-unit h2")).startswith(detail["unit_name"])
        assert await page.inner_text(".assessment .badge.c-red") == "红色预警"
        for reason in detail["assessment"]["reasons"]:
            assert reason["text"] in await page.inner_text(".assessment")
        tabs = await page.locator(".tab").all_inner_texts()
        totals = detail["evidence_totals"]  # each list's total, whatever its first page holds
        assert f"处罚决定（{totals['decisions']}）" in tabs
        assert f"诉讼败诉（{totals['litigation_losses']}）" in tabs
        assert f"复议纠错（{totals['reconsideration_corrections']}）" in tabs
        assert await page.locator(".tab-body tbody tr").count() == len(detail["decisions"])
        await page.get_by_role("tab", name=f"12345 投诉（{len(detail['complaints'])}）").click()
        if detail["complaints"]:
            assert detail["complaints"][0]["detail"] in await page.inner_text(".tab-body")
        await page.wait_for_selector("#rectifications[data-loaded=true]")
        shown = await page.inner_text("#rectifications")
        assert mine[0]["deadline"] in shown and mine[0]["status_label"] in shown, shown
        # the unit's supervision matters (issue #14), from the sample loader: number, kind, title, state with
        # the days overdue, deadline, 提级 flag, one row each
        async with clean.api() as http:
            opened = (await http.get(f"/api/v1/risk/supervision/matters?unit_code={red}")).json()["items"]
        assert opened and any(m["days_overdue"] > 0 for m in opened), opened  # the sample's overdue matter
        await page.wait_for_selector("#matters[data-loaded=true]")
        shown = await page.inner_text("#matters")
        assert "尚未启用" not in shown and "尚无" not in shown, shown
        assert await page.locator("#matters tbody tr").count() == len(opened)
        for matter in opened:
            located = page.locator("#matters tbody tr", has_text=matter["document_no"])
            row = await located.inner_text()
            assert matter["title"] in row and matter["status_label"] in row and matter["due_on"] in row, row
            assert matter["kind_label"] in row
            if matter["days_overdue"]:
                assert f"逾期 {matter['days_overdue']} 天" in row, row
            flagged = await located.locator(".badge.escalated", has_text="提级").count()
            assert flagged == (1 if matter["kind"] == "escalation" else 0), row
        # complaints to the bureau about the unit (issue #14): received, channel, summary, state, answered
        async with clean.api() as http:
            filed = (await http.get(f"/api/v1/risk/complaints?unit_code={red}")).json()["items"]
        assert filed, filed
        await page.wait_for_selector("#supervision-complaints[data-loaded=true]")
        shown = await page.inner_text("#supervision-complaints")
        assert "尚未启用" not in shown, shown
        assert await page.locator("#supervision-complaints tbody tr").count() == len(filed)
        for complaint in filed:
            row = await page.locator(
                "#supervision-complaints tbody tr", has_text=complaint["ack_no"]
            ).inner_text()
            assert complaint["summary"] in row and complaint["status_label"] in row, row
            assert complaint["source_label"] in row
            assert ("已答复" in row) == (complaint["answered_at"] is not None), row
        # a matter's document, fetched with the token and saved
        first = opened[0]
        async with page.expect_download() as downloading:
            await (
                page.locator("#matters tbody tr", has_text=first["document_no"])
                .get_by_role("button", name="HTML")
                .click()
            )
        saved = await (await downloading.value).path()
        document = await asyncio.to_thread(Path(saved).read_text, encoding="utf-8")
        assert first["document_no"] in document
        await charts_drawn(page, 1)
        await clean.shot(page, "unit")


async def test_the_supervision_matters_across_units(clean: Console) -> None:
    """监督事项 (issue #15 item 3): the pending (open and overdue) matters of every unit, filtered by status and
    unit, each linked to its unit; the 台账 downloaded as xlsx."""
    async with clean.api() as http:
        pending = [
            m
            for status in ("open", "overdue")
            for m in (await http.get(f"/api/v1/risk/supervision/matters?status={status}")).json()["items"]
        ]
        closed = (await http.get("/api/v1/risk/supervision/matters?status=closed")).json()["items"]
    assert len({m["unit_code"] for m in pending}) >= 2 and closed  # the sample's, in several units
    async with clean.page() as page:
        await clean.sign_in(page, "市司法局监督员")
        await page.click(".side nav >> text=监督事项")
        await page.wait_for_selector("#matters-list[data-loaded=true]")
        assert await page.locator("#matters-list tbody tr").count() == len(pending)
        shown = await page.inner_text("#matters-list")
        for matter in pending:
            assert matter["document_no"] in shown and matter["title"] in shown
        overdue = sum(1 for m in pending if m["days_overdue"] > 0)
        assert f"逾期未答复\n{overdue}" in await page.inner_text("#matter-counts")
        await clean.shot(page, "matters")
        # one unit's: the filter goes into the address and the service's unit_code filter
        unit = sorted({m["unit_code"] for m in pending})[0]
        await page.select_option("#matter-unit", unit)
        await page.wait_for_url(f"**/console/#/matters?*unit={unit}*")
        await page.wait_for_selector("#matters-list[data-loaded=true]")
        mine = [m for m in pending if m["unit_code"] == unit]
        assert await page.locator("#matters-list tbody tr").count() == len(mine)
        # closed ones
        await page.select_option("#matter-status", "closed")
        await page.wait_for_url("**/console/#/matters?*status=closed*")
        await page.wait_for_selector("#matters-list[data-loaded=true]")
        assert await page.locator("#matters-list tbody tr").count() == sum(
            1 for m in closed if m["unit_code"] == unit
        )
        # the 台账, as the service writes it, with the token
        await page.select_option("#matter-status", "pending")
        await page.wait_for_selector("#matters-list[data-loaded=true]")
        async with page.expect_download() as downloading:
            await page.get_by_role("button", name="导出台账").click()
        download = await downloading.value
        assert download.suggested_filename == "监督事项台账.xlsx"
        rows = list((await workbook(download)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
        assert rows[0][0] == "文书编号" and {r[0] for r in rows[1:]} >= {m["document_no"] for m in pending}
        # a unit's link leads to its page
        await page.locator(f"#matters-list tbody tr a[href='#/unit/{unit}']").first.click()
        await page.wait_for_selector("#page-unit #matters[data-loaded=true]")
        assert unit in await page.inner_text("#page-unit h2")


async def test_inspections_show_modes_ratings_and_year_on_year(clean: Console) -> None:
    year = NOW.year
    async with clean.api() as http:
        summary = (await http.get(f"/api/v1/inspection/supervision/summary?year={year}")).json()
    modes = {m["mode"]: m["count"] for m in summary["by_mode"]}
    assert modes["emergency"] == 1 and modes["backfilled"] == 1  # made by tests/support/activity.py
    async with clean.page() as page:
        await clean.sign_in(page, "市司法局监督员")
        await page.click(".side nav >> text=检查监督")
        await page.wait_for_selector("#page-inspections")
        cards = await page.locator(".card").all_inner_texts()
        assert any(c.startswith(f"入企检查\n{summary['visits']}") for c in cards), cards
        assert any(c.startswith("紧急检查\n1") for c in cards), cards
        assert any(c.startswith("补录检查\n1") for c in cards), cards
        serious = await page.locator("#ratings .tag.serious").all_inner_texts()
        assert serious == ["扰企", "未出示证件"]
        assert "群众举报现场存在食品安全紧急隐患" in await page.inner_text("#page-inspections")
        await charts_drawn(page, 2)
        await clean.shot(page, "inspections")


async def test_consistency_flags_with_cases_side_by_side(clean: Console) -> None:
    flagged = clean.made["outside_range_case"]
    async with clean.api() as http:
        case = (await http.get(f"/api/v1/penalty/cases/{flagged}")).json()
    async with clean.page() as page:
        await clean.sign_in(page, "市司法局监督员")
        await page.click(".side nav >> text=类案不同罚")
        await page.wait_for_selector("#outside-range tbody tr")
        row = page.locator("#outside-range tbody tr", has_text="SY-JT-0004")
        assert "1,500.00 元" in await row.inner_text()
        await row.get_by_role("button").click()
        await page.wait_for_selector("#compare table.compare")
        compare = await page.inner_text("#compare")
        assert case["case_no"] in compare and "提示案件" in compare
        # The sample's simple-procedure decision of the same item and tier (3,000 元) beside it.
        assert "同类案件" in compare and "3,000.00 元" in compare
        assert "经法制审核同意低于档次幅度处罚" in compare
        await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        await clean.shot(page, "consistency")


async def test_cleanups_show_live_progress(clean: Console) -> None:
    async with clean.page() as page:
        await clean.sign_in(page, "市司法局监督员")
        await page.click(".side nav >> text=信用松绑")
        await page.wait_for_selector("#page-cleanups tbody tr")
        before = await page.locator("#page-cleanups tbody tr").count()
        await page.click("#dry-run")
        await until_count(page, "#page-cleanups tbody tr", before + 1)
        # Polled until the new run is completed; its progress bar then reads 100%.
        await page.wait_for_selector("#page-cleanups [data-live=false]", timeout=20_000)
        first = page.locator("#page-cleanups tbody tr").first
        assert "已完成" in await first.inner_text() and "100%" in await first.inner_text()
        await clean.shot(page, "cleanups")
    async with clean.api() as http:
        runs = (await http.get("/api/v1/credit/cleanups")).json()["items"]
    assert len(runs) == before + 1 and all(r["dry_run"] for r in runs)


async def test_review_campaigns_show_the_sample_campaign(clean: Console) -> None:
    """The risk service's 案卷评查 campaigns (issue #14): the sample loader's campaign, drawn, with its progress
    and its scores per unit."""
    async with clean.api() as http:
        r = await http.get("/api/v1/risk/reviews")
        assert r.status_code == 200, r.text
        sampled = next(c for c in r.json()["items"] if c["title"] == risk_sample.SAMPLE_REVIEW_TITLE)
    # the sample loader scored three files of the first unit
    assert sampled["status_label"] == "评查中" and sampled["total"] > 3 and sampled["reviewed"] == 3
    async with clean.page() as page:
        await clean.sign_in(page, "市司法局监督员")
        await page.click(".side nav >> text=评查活动")
        await page.wait_for_selector("#reviews[data-loaded=true]")
        text = await page.inner_text("#reviews")
        assert risk_sample.SAMPLE_REVIEW_TITLE in text and "尚未启用" not in text
        assert sampled["scope_label"] in text and "评查中" in text
        assert f"3 / {sampled['total']}" in text
        results = f"#review-{sampled['id']}"
        await page.wait_for_selector(f"{results}[data-loaded=true]")
        row = await page.locator(f"{results} tbody tr", has_text="SJ-210102").inner_text()
        # the sample's totals 95, 77 and 55: mean 227 / 3 = 75.666… → 75.67 (two decimals, half up), lowest 55;
        # 优秀 1 (95 ≥ 90), 合格 2 (95, 77 ≥ 60), 不合格 1; the mean's grade 合格
        assert row.split("\t") == ["SJ-210102", "3", "3", "75.67", "55", "1", "2", "1", "合格"], row
        others = await page.locator(f"{results} tbody tr", has_text="尚未评查").count()
        assert others == 2  # SJ-210103 and SJ-210104: drawn, not yet reviewed
        await clean.shot(page, "reviews")
        async with page.expect_download() as downloading:
            await page.locator(results).get_by_role("button", name="导出得分台账").click()
        sheet = (await workbook(await downloading.value)).active
        assert sheet is not None and sheet.title == "评查得分台账"
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) - 1 == sampled["total"]
        assert sorted(r[14] for r in rows[1:] if r[14] is not None) == [55, 77, 95]


async def test_a_department_head_sees_their_own_unit(clean: Console) -> None:
    head = sample_identities.IDENTITIES["dept_head"]
    unit = f"{head['dept_code']}-{head['district_code']}"
    async with clean.page() as page:
        await clean.sign_in(page, "孙娜（部门负责人）")
        await page.wait_for_selector("#page-unit")
        assert await page.locator(".side nav a").all_inner_texts() == ["本单位", "监督事项", "评查活动"]
        assert unit in await page.inner_text("#page-unit h2")
        await page.goto(clean.base + "/console/#/overview")  # not theirs: back to their unit
        await page.wait_for_url(f"**/console/#/unit/{unit}")
        await page.wait_for_selector("#page-unit #rectifications[data-loaded=true]")
        # their unit's matters and the complaints forwarded to it (the sample's), as the service answers them
        async with clean.api("dept_head") as http:
            own = (await http.get("/api/v1/risk/supervision/matters")).json()["items"]
            forwarded = (await http.get("/api/v1/risk/complaints")).json()["items"]
        assert own and {m["unit_code"] for m in own} == {unit}
        assert forwarded and {c["unit_code"] for c in forwarded} == {unit}
        await page.wait_for_selector("#matters[data-loaded=true]")
        assert await page.locator("#matters tbody tr").count() == len(own)
        await page.wait_for_selector("#supervision-complaints[data-loaded=true]")
        assert await page.locator("#supervision-complaints tbody tr").count() == len(forwarded)
        await charts_drawn(page, 1)
        await clean.shot(page, "department-head")
        # their 监督事项 page: the unit's pending matters only, no unit filter
        await page.click(".side nav >> text=监督事项")
        await page.wait_for_selector("#matters-list[data-loaded=true]")
        pending = [m for m in own if m["status"] in ("open", "overdue")]
        assert await page.locator("#matters-list tbody tr").count() == len(pending)
        assert await page.locator("#matter-unit").count() == 0


async def test_a_district_supervisor_sees_their_district(clean: Console) -> None:
    async with clean.page() as page:
        await clean.sign_in(page, "和平区执法监督员")
        await page.wait_for_selector("#page-overview .heat")
        districts = await page.locator(".heat tbody th").all_inner_texts()
        assert districts == ["和平区"]
        # 监督事项: the district's units' only, as the service answers (the sample's are in other districts)
        async with clean.api("supervisor_district") as http:
            theirs = (await http.get("/api/v1/risk/supervision/matters?status=open")).json()["items"]
        async with clean.api() as http:
            everyone = (await http.get("/api/v1/risk/supervision/matters?status=open")).json()["items"]
        assert all(m["unit_code"].endswith("-210102") for m in theirs) and len(everyone) > len(theirs)
        await page.click(".side nav >> text=监督事项")
        await page.select_option("#matter-status", "open")
        await page.wait_for_url("**/console/#/matters?*status=open*")
        await page.wait_for_selector("#matters-list[data-loaded=true]")
        assert await page.locator("#matters-list tbody tr").count() == len(theirs)


async def test_the_api_documents_render_offline(clean: Console) -> None:
    """Swagger UI and ReDoc from the gateway's own files, on the merged document (no CDN)."""
    async with clean.page(LARGE) as page:
        await page.goto(clean.base + "/docs")
        await page.wait_for_selector(".opblock")
        assert "inspection" in await page.locator(".opblock-tag").first.inner_text()
        await until_count(page, ".opblock", 10)
        await page.goto(clean.base + "/redoc")
        await page.wait_for_selector(".menu-content")
        assert "zhifa (执法) API" in await page.inner_text("h1")
        assert "risk: reports" in await page.inner_text(".menu-content")
    # ReDoc's side menu links its maker's logo from its CDN: the page's policy blocks it, and it is the only
    # thing the documents try to fetch from elsewhere.
    logo = [p for p in clean.problems if "cdn.redoc.ly/redoc/logo-mini.svg" in p]
    assert any("violates" in p for p in logo), clean.problems
    for problem in logo:
        clean.problems.remove(problem)
