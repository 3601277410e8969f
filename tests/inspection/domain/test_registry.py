"""Registry validation: USCC, 居民身份证号 and masking, certificate numbers, status changes, item versions."""

from __future__ import annotations

from datetime import date

import pytest

from services.common import masking
from services.inspection import errors
from services.inspection.domain import registry
from services.inspection.domain.registry import (
    Catalogue,
    InspectionItem,
    LegalRef,
    Officer,
    OfficerStatus,
    change_officer_status,
)


def ric_with_check(first17: str) -> str:
    # GB 11643: weights 2^(17-i) mod 11, check = (12 - sum mod 11) mod 11, 10 → X
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    check = (12 - total % 11) % 11
    return first17 + ("X" if check == 10 else str(check))


class TestUscc:
    def test_valid_code_is_compacted_and_upper_cased(self) -> None:
        # 91110000600037341L is stdnum's documented valid example
        assert registry.validate_uscc(" 91110000600037341l ") == "91110000600037341L"

    def test_wrong_check_digit_is_invalid_uscc_422(self) -> None:
        with pytest.raises(errors.InvalidUscc) as err:
            registry.validate_uscc("91110000600037341M")
        assert err.value.code == "INVALID_USCC" and err.value.status == 422
        assert "校验码" in err.value.detail

    def test_wrong_length(self) -> None:
        with pytest.raises(errors.InvalidUscc):
            registry.validate_uscc("9111000060003734")

    def test_region(self) -> None:
        assert registry.uscc_region("91110000600037341L") == "110000"


class TestResidentId:
    def test_check_digit_computed_by_hand(self) -> None:
        # 2,1,0,1,0,2,1,9,9,0,0,1,0,1,1,2,3 × weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2
        # = 14+9+0+5+0+8+2+9+54+0+0+9+0+5+8+8+6 = 137; 137 mod 11 = 5; (12 - 5) mod 11 = 7
        number = "21010219900101123" + "7"
        assert ric_with_check("21010219900101123") == number
        assert registry.validate_ric(number) == number

    def test_masking_keeps_province_city_and_last_four(self) -> None:
        number = ric_with_check("21010219900101123")
        assert masking.mask_ric(number) == "2101**********1237"
        assert masking.is_masked_ric("2101**********1237")
        assert not masking.is_masked_ric(number)

    def test_invalid_number_is_422_and_not_echoed(self) -> None:
        bad = "210102199001011238"
        with pytest.raises(errors.InvalidIdNumber) as err:
            registry.validate_ric(bad)
        assert err.value.status == 422 and bad not in err.value.detail

    def test_impossible_birth_date(self) -> None:
        with pytest.raises(errors.InvalidIdNumber):
            registry.validate_ric(ric_with_check("21010219901301123"))  # month 13

    def test_name_masking(self) -> None:
        assert masking.mask_name("张伟") == "张*"
        assert masking.mask_name("欧阳明辉") == "欧***"


class TestCertificateNumber:
    def test_liaoning_format(self) -> None:
        assert registry.validate_cert_no(" 辽A-0012345 ") == "辽A-0012345"
        assert registry.validate_cert_no("辽a－0012345") == "辽A-0012345"  # full-width hyphen, lower case

    @pytest.mark.parametrize("value", ["辽A-001234", "吉A-0012345", "辽A0012345", "辽Z-0012345", ""])
    def test_rejected(self, value: str) -> None:
        with pytest.raises(errors.InvalidCertNumber) as err:
            registry.validate_cert_no(value)
        assert err.value.code == "INVALID_CERT_NO" and "辽A-0012345" in err.value.detail

    def test_rule_is_configurable(self) -> None:
        rule = registry.CertNumberRule(r"吉\d{8}", "吉12345678", "“吉”+8位数字")
        assert registry.validate_cert_no("吉12345678", rule) == "吉12345678"


OFFICER = Officer("o1", "张伟", "SJ", "辽A-0012345", valid_until=date(2028, 12, 31))
DAY = date(2026, 5, 1)


class TestOfficerStatus:
    def test_suspension_needs_a_reason(self) -> None:
        with pytest.raises(errors.StatusReasonRequired):
            change_officer_status(OFFICER, OfficerStatus.SUSPENDED, on=DAY, reason="  ")
        suspended = change_officer_status(
            OFFICER, OfficerStatus.SUSPENDED, on=DAY, reason="执法时未出示执法证件被投诉查实"
        )
        assert suspended.status is OfficerStatus.SUSPENDED and suspended.status_since == DAY
        assert suspended.revision == OFFICER.revision + 1

    def test_retraining_needs_a_later_return_date(self) -> None:
        with pytest.raises(errors.ReturnDateRequired):
            change_officer_status(
                OFFICER, OfficerStatus.SUSPENDED, on=DAY, reason="离岗轮训", retraining=True
            )
        with pytest.raises(errors.ReturnDateRequired):
            change_officer_status(
                OFFICER, OfficerStatus.SUSPENDED, on=DAY, reason="离岗轮训", retraining=True, return_date=DAY
            )
        ok = change_officer_status(
            OFFICER,
            OfficerStatus.SUSPENDED,
            on=DAY,
            reason="离岗轮训",
            retraining=True,
            return_date=date(2026, 6, 1),
        )
        assert ok.retraining and ok.return_date == date(2026, 6, 1)

    def test_revocation_is_final(self) -> None:
        revoked = change_officer_status(OFFICER, OfficerStatus.REVOKED, on=DAY, reason="调离执法岗位")
        with pytest.raises(errors.InvalidStatusTransition):
            change_officer_status(revoked, OfficerStatus.ACTIVE, on=DAY)

    def test_auxiliary_staff_have_no_certificate_status(self) -> None:
        aux = Officer("a1", "陈静", "SJ", None, auxiliary=True)
        with pytest.raises(errors.InvalidStatusTransition):
            change_officer_status(aux, OfficerStatus.SUSPENDED, on=DAY, reason="x")

    def test_expiry_follows_valid_until_and_renewal_needs_a_new_date(self) -> None:
        officer = Officer("o2", "刘洋", "SJ", "辽A-0000004", valid_until=date(2026, 3, 31))
        assert officer.status_on(date(2026, 3, 31)) is OfficerStatus.ACTIVE  # valid through its last day
        assert officer.status_on(date(2026, 4, 1)) is OfficerStatus.EXPIRED
        with pytest.raises(errors.ValidUntilRequired):
            change_officer_status(officer, OfficerStatus.ACTIVE, on=DAY)
        renewed = change_officer_status(officer, OfficerStatus.ACTIVE, on=DAY, valid_until=date(2029, 4, 30))
        assert renewed.status_on(DAY) is OfficerStatus.ACTIVE

    def test_same_status_is_a_conflict(self) -> None:
        with pytest.raises(errors.InvalidStatusTransition) as err:
            change_officer_status(OFFICER, OfficerStatus.ACTIVE, on=DAY)
        assert err.value.status == 409


BASIS = (
    LegalRef("食品安全法", "第五十三条", "中华人民共和国食品安全法"),
    LegalRef("食品安全法", "第一百一十条"),
)
ITEM = InspectionItem(
    "SJ-SP-002", "食品经营者进货查验记录制度落实情况检查", "SJ", BASIS, effective_from=date(2025, 1, 1)
)


class TestInspectionItems:
    def test_valid_item_and_legal_basis_text(self) -> None:
        assert registry.validate_item(ITEM, ["SJ", "ST"]) is ITEM
        assert ITEM.legal_basis_text() == "《中华人民共和国食品安全法》第五十三条；《食品安全法》第一百一十条"

    @pytest.mark.parametrize(
        "change",
        [
            {"code": "SJ-SP-2"},
            {"code": "ST-SP-002"},
            {"name": " "},
            {"legal_basis": ()},
            {"legal_basis": (LegalRef("食品安全法", "第53条"),)},
        ],
    )
    def test_incomplete_items_are_rejected(self, change: dict[str, object]) -> None:
        from dataclasses import replace

        with pytest.raises(errors.InvalidInspectionItem):
            registry.validate_item(replace(ITEM, **change))  # type: ignore[arg-type]

    def test_unknown_department(self) -> None:
        with pytest.raises(errors.InvalidInspectionItem):
            registry.validate_item(ITEM, ["ST"])

    def test_revision_closes_the_old_version_and_one_version_is_in_force_per_day(self) -> None:
        from dataclasses import replace

        revised = replace(ITEM, name="食品经营者进货查验记录检查（修订）", effective_from=date(2026, 7, 1))
        closed, new = registry.revise_item(ITEM, revised)
        assert (closed.retired_on, new.version) == (date(2026, 7, 1), 2)
        catalogue = Catalogue([closed, new])
        assert catalogue.get("SJ-SP-002", date(2026, 6, 30)) == closed
        assert catalogue.get("SJ-SP-002", date(2026, 7, 1)) == new
        assert catalogue.get("SJ-SP-002", date(2024, 12, 31)) is None
        assert len(catalogue.history("SJ-SP-002")) == 2

    def test_revision_must_start_later(self) -> None:
        from dataclasses import replace

        with pytest.raises(errors.ItemVersionConflict):
            registry.revise_item(ITEM, replace(ITEM, effective_from=date(2025, 1, 1)))

    def test_duplicate_versions_are_refused(self) -> None:
        with pytest.raises(errors.ItemVersionConflict):
            Catalogue([ITEM, ITEM])


class TestRecordExpiry:
    def test_active_certificate_past_its_date_is_recorded_expired_the_day_after(self) -> None:
        from services.inspection.domain.registry import Officer, OfficerStatus, record_expiry

        officer = Officer("o1", "张伟", "SJ", "辽A-0012345", valid_until=date(2026, 6, 30), revision=3)
        assert record_expiry(officer, on=date(2026, 6, 30)) is officer  # still valid on its last day
        expired = record_expiry(officer, on=date(2026, 7, 2))
        assert (expired.status, expired.status_since, expired.revision) == (
            OfficerStatus.EXPIRED,
            date(2026, 7, 1),
            4,
        )
        suspended = Officer(
            "o2", "王芳", "SJ", "辽A-0012346", status=OfficerStatus.SUSPENDED, valid_until=date(2026, 1, 1)
        )
        assert record_expiry(suspended, on=date(2026, 7, 2)) is suspended  # a suspension is not overwritten
