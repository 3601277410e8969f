"""The page check of the document tests (tests/support/pages.py): it reads the margins from the stylesheet and
fails on ink past them, so a document test that passes means something."""

from __future__ import annotations

import pytest

from tests.support import pages

LONG = "0123456789abcdef" * 8  # a 128-character run without a break opportunity (two SHA-256 digests)


def page(body: str, rules: str = "") -> str:
    return (
        "<html><head><style>"
        '@page { size: A4; margin: 30mm 25mm 28mm 27mm; @bottom-center { content: "— " counter(page) " —"; } }'
        'html { font-family: "Noto Serif CJK SC", serif; font-size: 12pt; }'
        f"body {{ margin: 0; overflow-wrap: anywhere; }} {rules}"
        f"</style></head><body>{body}</body></html>"
    )


class TestMargins:
    def test_the_margins_come_from_the_page_rule_and_its_margin_box_is_the_footer(self) -> None:
        assert pages.page_margins(page("x")) == pages.Margins(30, 25, 28, 27, footer=True)

    @pytest.mark.parametrize(
        ("declared", "expected"),
        [
            ("20mm", (20, 20, 20, 20)),
            ("20mm 15mm", (20, 15, 20, 15)),
            ("20mm 15mm 10mm", (20, 15, 10, 15)),
            ("37mm 26mm 35mm 28mm", (37, 26, 35, 28)),
        ],
    )
    def test_the_css_shorthand(self, declared: str, expected: tuple[int, ...]) -> None:
        html = f"<style>@page {{ size: A4; margin: {declared}; }}</style>"
        got = pages.page_margins(html)
        assert (got.top, got.right, got.bottom, got.left) == expected and not got.footer

    def test_a_later_rule_overrides_an_earlier_one(self) -> None:
        html = "<style>@page { margin: 37mm; } @page { margin: 22mm 20mm; }</style>"
        assert pages.page_margins(html) == pages.Margins(22, 20, 22, 20, footer=False)

    @pytest.mark.parametrize(
        "html", ["<style>body { margin: 0; }</style>", "<style>@page { margin: 2cm; }</style>"]
    )
    def test_no_margin_in_mm_is_an_error_not_a_guess(self, html: str) -> None:
        with pytest.raises(ValueError):
            pages.page_margins(html)


class TestInk:
    def test_a_wrapped_long_string_and_the_page_number_pass(self) -> None:
        assert pages.outside(page(f"<p>哈希：{LONG}</p>" * 3)) == []

    def test_a_string_that_does_not_wrap_crosses_the_right_margin(self) -> None:
        found = pages.outside(page(f"<p>哈希：{LONG}</p>", "p { white-space: nowrap; }"))
        assert len(found) == 1 and found[0].startswith("page 1: ink spans")

    def test_a_block_past_the_left_margin_is_found(self) -> None:
        assert pages.outside(page("<p>印章</p>", "p { margin-left: -10mm; }"))

    def test_a_block_taller_than_the_page_crosses_the_bottom_margin(self) -> None:
        # A4 is 297 mm; less 30 mm and 28 mm leaves 239 mm of type area: a 250 mm box cannot fit on any page.
        assert pages.outside(page('<div style="height: 250mm; border-left: 2mm solid #000"></div>'))

    def test_ink_on_a_later_page_is_reported_with_its_page(self) -> None:
        body = "<p>第一页</p>" + '<p style="page-break-before: always; white-space: nowrap">' + LONG + "</p>"
        found = pages.outside(page(body))
        assert [line.split(":")[0] for line in found] == ["page 2"]
