"""`delo` as a user runs it: the installed console script, real files, real tesseract."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests import scans

pytestmark = pytest.mark.tesseract
DELO = Path(sys.executable).parent / "delo"


def run(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(DELO), *args], capture_output=True, text=True, input=stdin, timeout=600,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def drop(tmp_path_factory) -> Path:
    """A folder as a digitisation team leaves it: good scans and every kind of bad file."""
    d = tmp_path_factory.mktemp("drop")
    scans.png(d / "telegram.png")
    scans.pdf(d / "conversation.pdf", [scans.TELEGRAM, scans.PAGE_TWO])
    scans.tiff(d / "frames.tif", [scans.PAGE_TWO, scans.TELEGRAM], bilevel=True)
    scans.corrupt_pdf(d / "corrupt.pdf")
    scans.text_named_pdf(d / "notes.pdf")
    scans.empty(d / "zero.png")
    scans.encrypted_pdf(d / "locked.pdf")
    scans.png_bomb(d / "bomb.png")
    return d


@pytest.fixture(scope="module")
def ingested(drop: Path, tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("out")
    return run("ingest", str(drop), "--out", str(out)), out


BAD = {
    "corrupt.pdf": "CORRUPT_FILE",
    "notes.pdf": "UNSUPPORTED_FORMAT",
    "zero.png": "EMPTY_FILE",
    "locked.pdf": "PDF_ENCRYPTED",
    "bomb.png": "IMAGE_TOO_LARGE",
}


def test_bad_files_fail_with_their_code_and_the_good_ones_finish(ingested, validate_record) -> None:
    """GIVEN a drop with three good scans and five bad files WHEN ingested
    THEN each bad file has one line with its code, the good ones have records, and the
    exit is the most serious class's: 4 (IMAGE_TOO_LARGE, a limit) over 3 (the bad inputs)."""
    proc, out = ingested
    assert proc.returncode == 4, proc.stderr
    failed = [line for line in proc.stderr.splitlines() if line.startswith("FAILED ")]
    # `FAILED <path>: <CODE>: <why>`, one line for each bad file
    said = [m for line in failed if (m := re.match(r"FAILED (.+?): ([A-Z_]+): ", line))]
    assert len(said) == len(failed), failed
    assert sorted((Path(m.group(1)).name, m.group(2)) for m in said) == sorted(BAD.items())
    for name, pages in [("telegram.png", 1), ("conversation.pdf", 2)]:
        record = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        validate_record(record)
        assert record["source"]["page_count"] == pages
        assert record["text"].count("\f") == pages - 1
        assert "document" not in record  # one document: the file's record, as before
    # frames.tif holds two documents (a conversation's last page, then a telegram): a record each
    assert sorted(p.name for p in out.glob("*.json")) == [
        "conversation.pdf.json", "frames.tif.1.json", "frames.tif.2.json", "telegram.png.json"]
    first, second = (json.loads((out / f"frames.tif.{n}.json").read_text(encoding="utf-8")) for n in (1, 2))
    for n, record in enumerate((first, second), start=1):
        validate_record(record)
        assert record["source"]["page_count"] == 2 and record["document"]["pages"] == [n]
        assert record["document"]["index"] == n and record["document"]["count"] == 2
    assert first["id"] != second["id"]
    assert "РОЩИН" in first["text"] and "ТЕЛЕГРАММА" not in first["text"]
    assert second["record"]["document_type"] == "telegram" and second["record"]["date"] == "1950-03-05"


def test_records_carry_the_parsed_fields(ingested) -> None:
    _, out = ingested
    record = json.loads((out / "telegram.png.json").read_text(encoding="utf-8"))["record"]
    assert record["document_type"] == "telegram"
    assert record["date"] == "1950-03-05"
    assert record["classification"] == ["Совершенно секретно"]
    assert [p["name"] for p in record["addressees"]] == ["Панюшкин"]
    assert [p["name"] for p in record["signatories"]] == ["Вышинский"]
    assert record["citation"] == "APRF, F. 3, Op. 65, D. 364, ll. 12-13"


def test_sqlite_keeps_records_and_failures(ingested) -> None:
    _, out = ingested
    db = sqlite3.connect(out / "delo.sqlite3")
    per_file = dict(db.execute("SELECT source_uri, count(*) FROM documents GROUP BY source_uri").fetchall())
    assert sorted((Path(uri).name, n) for uri, n in per_file.items()) == [
        ("conversation.pdf", 1), ("frames.tif", 2), ("telegram.png", 1)]
    codes = dict(db.execute("SELECT source_uri, failure_code FROM ingests WHERE state = 'failed'").fetchall())
    assert sorted(codes.values()) == sorted(BAD.values())


def test_ingesting_again_replaces_not_duplicates(drop: Path, tmp_path: Path) -> None:
    for _ in range(2):
        proc = run("ingest", str(drop / "telegram.png"), "--out", str(tmp_path), "--quiet")
        assert proc.returncode == 0, proc.stderr
    db = sqlite3.connect(tmp_path / "delo.sqlite3")
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 1


def test_a_new_reading_with_fewer_documents_withdraws_the_others(tmp_path: Path) -> None:
    """GIVEN a file of two documents ingested WHEN it is replaced by one holding one and
    ingested again THEN its one record stands alone, in the folder and in SQLite."""
    scan, out = tmp_path / "file.tif", tmp_path / "out"
    scans.tiff(scan, [scans.PAGE_TWO, scans.TELEGRAM])
    assert run("ingest", str(scan), "--out", str(out), "-q").returncode == 0
    assert sorted(p.name for p in out.glob("file.tif*")) == [
        "file.tif.1.alto.xml", "file.tif.1.json", "file.tif.1.pdf", "file.tif.2.alto.xml", "file.tif.2.json",
        "file.tif.2.pdf"]
    scans.tiff(scan, [scans.TELEGRAM])
    assert run("ingest", str(scan), "--out", str(out), "-q").returncode == 0
    # the documents' outputs go with their records
    assert sorted(p.name for p in out.glob("file.tif*")) == ["file.tif.alto.xml", "file.tif.json", "file.tif.pdf"]
    db = sqlite3.connect(out / "delo.sqlite3")
    [(record_id,)] = db.execute("SELECT id FROM documents").fetchall()
    assert record_id == json.loads((out / "file.tif.json").read_text(encoding="utf-8"))["id"]


def test_a_drop_of_one_image_per_sheet_is_read_as_one_file(tmp_path: Path, validate_record) -> None:
    """GIVEN a conversation's last page, then a telegram scanned on two sheets, one image
    each WHEN ingested with --sheets THEN two records: the telegram runs across its two
    images and its record names them; each image alone would have cut it in two."""
    sheets, out = tmp_path / "delo-347", tmp_path / "out"
    sheets.mkdir()
    head, tail = scans.TELEGRAM.split("Ваша телеграмма")  # its head on one sheet, the rest on the next
    scans.png(sheets / "0047.png", scans.PAGE_TWO)
    scans.png(sheets / "0048.png", head)
    scans.png(sheets / "0049.png", "Ваша телеграмма" + tail)
    proc = run("ingest", str(sheets), "--drop", "delo-347", "--sheets", "--out", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.glob("*.json")) == ["delo-347.1.json", "delo-347.2.json"]
    first, telegram = (json.loads((out / f"delo-347.{n}.json").read_text(encoding="utf-8")) for n in (1, 2))
    for record in (first, telegram):
        validate_record(record)
        assert record["source"]["images"] == ["0047.png", "0048.png", "0049.png"]
        assert record["source"]["page_count"] == 3 and record["source"]["uri"].endswith("/delo-347/")
    assert first["document"]["images"] == ["0047.png"]
    assert telegram["document"]["images"] == ["0048.png", "0049.png"] and telegram["document"]["pages"] == [2, 3]
    assert telegram["record"]["document_type"] == "telegram"
    assert [p["name"] for p in telegram["record"]["signatories"]] == ["Вышинский"]
    assert telegram["record"]["archival_references"][0]["sheets"] == "12-13"
    # the telegram's searchable PDF: its two sheets' images, with its text on them
    assert telegram["outputs"] == {"alto": "delo-347.2.alto.xml", "pdf": "delo-347.2.pdf"}
    text = subprocess.run(["pdftotext", "-layout", str(out / "delo-347.2.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "ВЫШИНСКИЙ" in text and text.count("\f") == 2


def test_ingest_writes_only_the_outputs_asked_for(tmp_path: Path) -> None:
    scan, out = scans.png(tmp_path / "t.png"), tmp_path / "out"
    assert run("ingest", str(scan), "--out", str(out), "-q", "--outputs", "alto").returncode == 0
    assert sorted(p.name for p in out.glob("t.png*")) == ["t.png.alto.xml", "t.png.json"]
    assert json.loads((out / "t.png.json").read_text(encoding="utf-8"))["outputs"] == {"alto": "t.png.alto.xml"}
    assert run("ingest", str(scan), "--out", str(out), "-q", "--outputs", "").returncode == 0
    assert "outputs" not in json.loads((out / "t.png.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in out.glob("t.png*")) == ["t.png.json"]  # none left that it does not name
    proc = run("ingest", str(scan), "--out", str(out), "-q", "--outputs", "hocr")
    assert proc.returncode == 2 and "no output hocr" in proc.stderr


def test_ocr_command_separates_pages_with_form_feed(drop: Path) -> None:
    proc = run("ocr", str(drop / "conversation.pdf"))
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.split("\f")
    assert "ТЕЛЕГРАММА" in first and "РОЩИН" in second


def test_ocr_command_on_bad_input(drop: Path) -> None:
    proc = run("ocr", str(drop / "locked.pdf"))
    assert proc.returncode == 3 and "PDF_ENCRYPTED" in proc.stderr  # an input error


def test_parse_command_from_stdin_and_file(tmp_path: Path, validate_record_object) -> None:
    from_stdin = run("parse", "-", stdin=scans.TELEGRAM)
    assert from_stdin.returncode == 0, from_stdin.stderr
    record = json.loads(from_stdin.stdout)
    validate_record_object(record)
    assert record["document_type"] == "telegram" and record["date"] == "1950-03-05"
    (tmp_path / "t.txt").write_text(scans.TELEGRAM, encoding="utf-8")
    assert json.loads(run("parse", str(tmp_path / "t.txt")).stdout) == record


def test_settings_from_environment(drop: Path, tmp_path: Path) -> None:
    proc = run("ingest", str(drop / "conversation.pdf"), "--out", str(tmp_path), "-q", env={"DELO_MAX_PAGES": "1"})
    assert proc.returncode == 4 and "TOO_MANY_PAGES" in proc.stderr  # a limit


def test_a_drop_with_its_manifest_ingests_as_in_the_stack(tmp_path: Path) -> None:
    """`--drop NAME --manifest FILE`: the record names its drop, and the manifest's reference
    fills the archival reference its text does not give."""
    (tmp_path / "in").mkdir()
    scans.png(tmp_path / "in" / "0001.png", "ТЕЛЕГРАММА\n\nТоварищу Штыкову\n\nСообщите о ходе переговоров.\n\nВышинский\n")
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"files": ["0001.png"], "archive": "РГАСПИ", "fond": "17", "opis": "162",
                                    "delo": "40"}, ensure_ascii=False), encoding="utf-8")
    proc = run("ingest", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--drop", "f17", "--manifest",
               str(manifest), "-q")
    assert proc.returncode == 0, proc.stderr
    record = json.loads((tmp_path / "out" / "0001.png.json").read_text())
    assert record["source"]["drop"] == "f17"
    [ref] = record["record"]["archival_references"]
    assert (ref["archive"], ref["fond"], ref["opis"], ref["delo"]) == ("РГАСПИ", "17", "162", "40")
    assert "archival_reference_from_manifest" in record["warnings"]
    alone = run("ingest", str(tmp_path / "in"), "--out", str(tmp_path / "out2"), "--manifest", str(manifest))
    assert alone.returncode == 2 and "--manifest goes with --drop" in alone.stderr


# --- output names: one record per input, whatever the inputs are called -------------------

NAMED = {  # input under the drop → its record's name in OUT (first come keeps its own name)
    "a/x/scan.png": "scan.png",
    "b/x/scan.png": "x__scan.png",        # same name, same folder name: one folder up is enough
    "c/x/scan.png": "c__x__scan.png",     # a third: two folders up
    "d/Scan.png": "d__Scan.png",          # differs only in case: OUT may be on a case-insensitive disk
    "e/report.png": "report.png",
    "f/report.png": "f__report.png",      # two of a name in different folders
}


def test_ingest_gives_each_input_its_own_record_file(tmp_path: Path) -> None:
    """GIVEN a drop where names repeat across folders (twice, three times, and in another
    case) WHEN ingested THEN OUT holds one record per input under the names above, and
    each record file is the record of its own input."""
    drop = tmp_path / "drop"
    for n, relative in enumerate(NAMED):
        (drop / relative).parent.mkdir(parents=True, exist_ok=True)
        scans.png(drop / relative, f"ТЕЛЕГРАММА\n\nТоварищу ПОПОВУ\n\nДонесение номер {n + 1} получено.\n")
    out = tmp_path / "out"
    proc = run("ingest", str(drop), "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.glob("*.json")) == sorted(f"{name}.json" for name in NAMED.values())
    for relative, name in NAMED.items():
        record = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        assert record["source"]["uri"] == (drop / relative).resolve().as_uri(), name
    db = sqlite3.connect(out / "delo.sqlite3")
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == len(NAMED)
