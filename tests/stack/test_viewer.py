"""The document page and its page viewer (services/dashboard/viewer.py): a published
record's pages rendered by delo from the object store with their words outlined, the
words a search found highlighted, and its files to download."""

from __future__ import annotations

import io
import json
import re

import httpx
import pytest
from PIL import Image

from tests import scans
from tests.stack.helpers import minio_event, notify, upload, wait_for_job
from workers.pipeline import record_id

pytestmark = pytest.mark.stack
VIEWER = {"Authorization": "Bearer test-viewer"}


@pytest.fixture(scope="module")
def published(tmp_path_factory, s3, intake, workers, stack_env) -> dict:
    """A two-page PDF of a drop whose manifest gives the archival reference, published."""
    from workers.stores import postgres

    tmp = tmp_path_factory.mktemp("viewer")
    manifest = {"files": ["pair.pdf"], "archive": "ГА РФ", "fond": "5446", "opis": "81", "delo": "12"}
    notify(intake, minio_event(upload(s3, "drops/viewed/manifest.json", json.dumps(manifest).encode())))
    key = "drops/viewed/pair.pdf"
    notify(intake, minio_event(upload(s3, key, scans.pdf(tmp / "pair.pdf", [scans.PAGE_TWO, scans.TELEGRAM])
                                      .read_bytes())))
    with postgres.connect(stack_env["DELO_DATABASE_URL"]) as db:
        [job] = wait_for_job(db, key)
        assert job["state"] == "published", job
        row = db.execute("SELECT record FROM documents WHERE source_uri = %s AND record->'document'->>'index' = '2'",
                         ("s3://scans/drops/viewed/pair.pdf",)).fetchone()
    assert row is not None
    return row["record"]


def test_a_search_opens_the_document_with_its_pages_words_and_hits(dashboard, published) -> None:
    found = httpx.get(f"{dashboard}/documents", params={"q": "телеграммы"}, headers=VIEWER).text
    assert f'href="/documents/{published["id"]}?q=' in found
    shown = httpx.get(f"{dashboard}/documents/{published['id']}", params={"q": "телеграммы"}, headers=VIEWER)
    assert shown.status_code == 200
    html = shown.text
    # the telegram's own page (page 2 of the file), its words outlined; the search's word highlighted
    assert f'/documents/{published["id"]}/pages/2.jpg' in html and "/pages/1.jpg" not in html
    rects = re.findall(r'<rect x="\d+" y="\d+" width="\d+" height="\d+" class="([^"]*)"><title>([^<]*)</title>', html)
    assert len(rects) >= 20
    assert {text for cls, text in rects if "hit" in cls} == {"ТЕЛЕГРАММА", "телеграмма"}
    assert "АП РФ · ф. 3 · оп. 65 · д. 364 · л. 12-13" in html  # its own legend's reference


def test_a_reference_from_the_manifest_reads_as_one(dashboard, published) -> None:
    """The file's first document (a conversation's last page) has no legend: the drop's
    manifest gives its reference, shown in archival order and said to come from it."""
    html = httpx.get(f"{dashboard}/documents/{record_id(published['source']['uri'])}", headers=VIEWER).text
    assert "ГА РФ · ф. 5446 · оп. 81 · д. 12" in html and "from the drop&#39;s manifest" in html
    assert "drop manifest" not in html
    # so do the search results and the drop's page
    found = httpx.get(f"{dashboard}/documents", params={"q": "специалистов"}, headers=VIEWER).text
    assert "ГА РФ · ф. 5446 · оп. 81 · д. 12" in found and "drop manifest" not in found
    drop = httpx.get(f"{dashboard}/drops/viewed", headers=VIEWER).text
    assert "ГА РФ · ф. 5446 · оп. 81 · д. 12" in drop


def test_page_images_come_from_delo_at_the_width_asked(dashboard, published) -> None:
    image = httpx.get(f"{dashboard}/documents/{published['id']}/pages/2.jpg", params={"w": 600}, headers=VIEWER)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    shown = Image.open(io.BytesIO(image.content))
    assert shown.width == 600 and abs(shown.height / shown.width - 3508 / 2480) < 0.01
    assert httpx.get(f"{dashboard}/documents/{published['id']}/pages/1.jpg", headers=VIEWER).status_code == 404
    assert httpx.get(f"{dashboard}/documents/{published['id']}/pages/2.jpg").status_code == 401


def test_a_documents_files_download(dashboard, published, s3) -> None:
    base = f"{dashboard}/documents/{published['id']}/files"
    original = httpx.get(f"{base}/source", headers=VIEWER)
    assert original.status_code == 200 and original.content == s3.get_object("scans", "drops/viewed/pair.pdf").read()
    assert httpx.get(f"{base}/json", headers=VIEWER).json() == published
    assert httpx.get(f"{base}/alto", headers=VIEWER).content.startswith(b"<?xml")
    assert httpx.get(f"{base}/pdf", headers=VIEWER).content.startswith(b"%PDF-")
    assert httpx.get(f"{base}/hocr", headers=VIEWER).status_code == 404


def test_in_the_browser_a_search_opens_the_page_with_its_words_outlined(dashboard, published, browser) -> None:
    from tests.stack.browser import logged_in, shot

    context, page = logged_in(browser, dashboard, "test-viewer")
    page.goto(f"{dashboard}/documents")
    page.fill("input[name=q]", "телеграммы")
    page.click("button[type=submit]")
    page.click(f"a[href^='/documents/{published['id']}']")
    page.wait_for_selector("#page-2 img")
    page.wait_for_function("document.querySelector('#page-2 img').naturalWidth > 0")  # delo served the image
    assert page.locator("#page-2 rect.w").count() >= 20 and page.locator("#page-2 rect.hit").count() == 2
    shot(page, "viewer")
    context.close()


def test_the_documents_can_be_browsed_without_a_query(dashboard, published) -> None:
    for order in ("date", "type", "drop"):
        listed = httpx.get(f"{dashboard}/documents", params={"order": order}, headers=VIEWER)
        assert listed.status_code == 200 and f'href="/documents/{published["id"]}"' in listed.text, order
        assert 'href="/drops/viewed"' in listed.text  # each names its drop
    assert httpx.get(f"{dashboard}/documents", params={"order": "id; drop table"}, headers=VIEWER).status_code == 400
    searched = httpx.get(f"{dashboard}/documents", params={"q": "телеграмма"}, headers=VIEWER).text
    assert "\f" not in searched and "\x0c" not in searched  # no control characters where pages meet
