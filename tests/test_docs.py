"""Generated reference documents stay in step with the code (regenerate with `zhifa docs`)."""

from __future__ import annotations

from pathlib import Path

from zhifa import docs

ROOT = Path(__file__).resolve().parent.parent


def test_errors_md_is_current() -> None:
    assert (ROOT / "docs" / "errors.md").read_text() == docs.errors_markdown(), "run `.venv/bin/zhifa docs`"


def test_asyncapi_is_current() -> None:
    assert (ROOT / "docs" / "asyncapi.json").read_text() == docs.asyncapi_json(), "run `.venv/bin/zhifa docs`"


def test_every_contract_has_a_channel() -> None:
    from services.common.events import REGISTRY

    doc = docs.asyncapi()
    assert {c.TYPE for c in REGISTRY.all()} == {ch["address"] for ch in doc["channels"].values()}


def test_every_error_code_has_a_status_and_a_title() -> None:
    for doc in docs.error_docs():
        assert isinstance(doc.status, int) and 400 <= doc.status <= 599, doc
        assert doc.title and doc.title != "(see the detail)", doc


def test_an_error_class_a_test_defines_is_not_documented() -> None:
    # CI failed once because the page listed THING_NOT_FOUND whenever pytest imported the kernel's
    # access tests before this one: the page must depend on the product alone.
    import tests.common.test_access as defines_one

    assert defines_one.ThingNotFound.code not in {d.code for d in docs.error_docs()}
