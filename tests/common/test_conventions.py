"""The conventions every service shares, written once in the kernel: masking, periods, the China date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.common import clock, dates, masking


class TestMaskName:
    def test_keeps_the_first_character_and_stars_the_rest(self) -> None:
        assert masking.mask_name("张伟") == "张*"  # 2 characters: 1 kept + 1 star
        assert masking.mask_name("欧阳明辉") == "欧***"  # 4 characters: 1 kept + 3 stars

    def test_a_single_character_still_gets_a_star(self) -> None:
        assert masking.mask_name("王") == "王*"

    def test_surrounding_space_is_not_a_character(self) -> None:
        assert masking.mask_name("  李四 ") == "李*"

    def test_an_empty_name_stays_empty(self) -> None:
        assert masking.mask_name("") == ""
        assert masking.mask_name("   ") == ""


class TestMaskRic:
    # 11010519491231002X is the national standard's (GB 11643-1999) worked example; its check digit is X.
    def test_keeps_province_and_city_and_the_last_four(self) -> None:
        assert masking.mask_ric("11010519491231002X") == "1101" + "*" * 10 + "002X"

    def test_a_lower_case_x_is_the_same_number(self) -> None:
        assert masking.mask_ric("11010519491231002x") == "1101**********002X"

    def test_an_invalid_number_is_never_masked(self) -> None:
        with pytest.raises(ValueError):
            masking.mask_ric("110105194912310021")  # wrong check digit
        with pytest.raises(ValueError):
            masking.mask_ric("12345")

    def test_masked_shape(self) -> None:
        assert masking.is_masked_ric(masking.mask_ric("11010519491231002X"))
        assert not masking.is_masked_ric("11010519491231002X")


class TestPeriods:
    def test_months_end_on_the_corresponding_day(self) -> None:
        assert dates.add_months(date(2026, 3, 15), 3) == date(2026, 6, 15)

    def test_months_without_that_day_end_on_the_last_day(self) -> None:
        # 民法典 第二百零二条: no corresponding day → the month's last day.
        assert dates.add_months(date(2026, 8, 31), 1) == date(2026, 9, 30)
        assert dates.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
        assert dates.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)  # 2028 is a leap year

    def test_months_cross_the_year(self) -> None:
        assert dates.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)  # Nov + 3 = Feb

    def test_years_from_29_february(self) -> None:
        assert dates.add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)
        assert dates.add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)

    def test_periods_run_forward_only(self) -> None:
        with pytest.raises(ValueError):
            dates.add_months(date(2026, 5, 5), -1)

    def test_chinese_document_date(self) -> None:
        assert dates.cn_date(date(2026, 8, 3)) == "2026年8月3日"


class TestChinaDate:
    def test_after_four_pm_utc_it_is_already_tomorrow_in_china(self) -> None:
        # 2026-12-31 16:30 UTC + 8 h = 2027-01-01 00:30 in Shenyang.
        assert clock.local_date(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == date(2027, 1, 1)
        assert clock.local_date(datetime(2026, 12, 31, 15, 59, tzinfo=UTC)) == date(2026, 12, 31)

    def test_other_offsets_are_converted(self) -> None:
        new_york = timezone(timedelta(hours=-5))
        # 2026-06-30 20:00 at UTC−5 = 2026-07-01 01:00 UTC = 09:00 in China.
        assert clock.local_date(datetime(2026, 6, 30, 20, 0, tzinfo=new_york)) == date(2026, 7, 1)

    def test_a_naive_moment_has_no_date_in_china(self) -> None:
        with pytest.raises(ValueError):
            clock.local_date(datetime(2026, 1, 1, 12, 0))

    def test_start_of_a_china_day_in_utc(self) -> None:
        assert clock.local_start(date(2027, 1, 1)) == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
