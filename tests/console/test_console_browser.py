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
        assert f"处罚决定（{len(detail['decisions'])}）" in tabs
        assert f"诉讼败诉（{len(detail['litigation_losses'])}）" in tabs
        assert f"复议纠错（{len(detail['reconsideration_corrections'])}）" in tabs
        assert await page.locator(".tab-body tbody tr").count() == len(detail["decisions"])
        await page.get_by_role("tab", name=f"12345 投诉（{len(detail['complaints'])}）").click()
        if detail["complaints"]:
            assert detail["complaints"][0]["detail"] in await page.inner_text(".tab-body")
        await page.wait_for_selector("#rectifications[data-loaded=true]")
        shown = await page.inner_text("#rectifications")
        assert mine[0]["deadline"] in shown and mine[0]["status_label"] in shown, shown
        # the unit's supervision matters (issue #14): each one's title and state, or an honest "no data"
        async with clean.api() as http:
            opened = (await http.get(f"/api/v1/risk/supervision/matters?unit_code={red}")).json()["items"]
        await page.wait_for_selector("#matters[data-loaded=true]")
        shown = await page.inner_text("#matters")
        assert "尚未启用" not in shown, shown
        for matter in opened:
            assert matter["title"] in shown and matter["status_label"] in shown, shown
        if not opened:
            assert "尚无数据" in shown, shown
        # complaints to the bureau about the unit (issue #14): the queue's rows, time, summary and state
        async with clean.api() as http:
            filed = (await http.get(f"/api/v1/risk/complaints?unit_code={red}")).json()["items"]
        await page.wait_for_selector("#supervision-complaints[data-loaded=true]")
        shown = await page.inner_text("#supervision-complaints")
        assert "尚未启用" not in shown, shown
        for complaint in filed:
            assert complaint["summary"] in shown and complaint["status_label"] in shown, shown
        await charts_drawn(page, 1)
        await clean.shot(page, "unit")


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
    """The risk service's 案卷评查 campaigns (issue #14): the sample loader's campaign, drawn, with its progress."""
    async with clean.api() as http:
        r = await http.get("/api/v1/risk/reviews")
        assert r.status_code == 200, r.text
        sampled = next(c for c in r.json()["items"] if c["title"] == risk_sample.SAMPLE_REVIEW_TITLE)
    assert sampled["status_label"] == "评查中" and sampled["total"] > 0 and sampled["reviewed"] == 0
    async with clean.page() as page:
        await clean.sign_in(page, "市司法局监督员")
        await page.click(".side nav >> text=评查活动")
        await page.wait_for_selector("#reviews[data-loaded=true]")
        text = await page.inner_text("#reviews")
        assert risk_sample.SAMPLE_REVIEW_TITLE in text and "尚未启用" not in text
        assert sampled["scope_label"] in text and "评查中" in text
        assert f"0 / {sampled['total']}" in text
        await clean.shot(page, "reviews")


async def test_a_department_head_sees_their_own_unit(clean: Console) -> None:
    head = sample_identities.IDENTITIES["dept_head"]
    unit = f"{head['dept_code']}-{head['district_code']}"
    async with clean.page() as page:
        await clean.sign_in(page, "孙娜（部门负责人）")
        await page.wait_for_selector("#page-unit")
        assert await page.locator(".side nav a").all_inner_texts() == ["本单位", "评查活动"]
        assert unit in await page.inner_text("#page-unit h2")
        await page.goto(clean.base + "/console/#/overview")  # not theirs: back to their unit
        await page.wait_for_url(f"**/console/#/unit/{unit}")
        await page.wait_for_selector("#page-unit #rectifications[data-loaded=true]")
        await charts_drawn(page, 1)
        await clean.shot(page, "department-head")


async def test_a_district_supervisor_sees_their_district(clean: Console) -> None:
    async with clean.page() as page:
        await clean.sign_in(page, "和平区执法监督员")
        await page.wait_for_selector("#page-overview .heat")
        districts = await page.locator(".heat tbody th").all_inner_texts()
        assert districts == ["和平区"]


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
