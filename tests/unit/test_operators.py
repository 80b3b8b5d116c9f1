"""Issue 8, the operators' points and the three code defects, where no stack is needed:
output names of `delo ingest`, page N of a TIFF alone, failures that name the upload,
the cache sweep, filters that refuse what cannot match, a store that is down."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

from tests import scans
from workers.cli import _out_names
from workers.config import get_settings
from workers.errors import DeloError, FailureCode
from workers.ledger.queries import JobFilter
from workers.ocr import pages, stage

DELO = Path(sys.executable).parent / "delo"


# --- delo ingest: one record per input, whatever the names --------------------------

def test_three_inputs_with_one_name_in_folders_of_one_name_get_three_records(tmp_path) -> None:
    """GIVEN a/x/scan.png, b/x/scan.png, c/x/scan.png (the third overwrote the second's
    record before) WHEN output names are chosen THEN they are three, the first keeps its name."""
    files = [tmp_path / d / "x" / "scan.png" for d in "abc"]
    names = _out_names(files)
    assert names[files[0]] == "scan.png"
    assert names[files[1]] == "x__scan.png"
    assert names[files[2]] == "c__x__scan.png"
    assert len(set(names.values())) == 3


def test_output_names_are_unique_for_any_number_of_collisions_and_deterministic(tmp_path) -> None:
    files = [tmp_path / f"d{i}" / "x" / "y" / "scan.png" for i in range(40)]
    files += [tmp_path / "SCAN.PNG", tmp_path / "x__scan.png"]  # case-folding and a literal `__` name
    names = _out_names(files)
    assert len({n.casefold() for n in names.values()}) == len(files)
    assert _out_names(files) == names  # the same inputs, the same names


# --- a page of a multi-frame TIFF is decoded alone ----------------------------------------

def _tiff(path: Path, frames: int) -> Path:
    """A TIFF whose frame n is filled with the grey value n (so a page shows which frame it came from)."""
    images = [Image.new("L", (64, 48), color=n) for n in range(1, frames + 1)]
    images[0].save(path, format="TIFF", save_all=True, append_images=images[1:], dpi=(300, 300))
    return path


def test_page_n_of_a_many_frame_tiff_decodes_only_frame_n(tmp_path, monkeypatch) -> None:
    """GIVEN a 60-frame TIFF WHEN a page task asks for page 45 THEN one frame is decoded
    (it was 45: every frame before its own), and it is frame 45."""
    path = _tiff(tmp_path / "many.tif", 60)
    decoded: list[int] = []
    real = pages._decode

    def counting(path, frame, number, *rest):
        decoded.append(number)
        return real(path, frame, number, *rest)

    monkeypatch.setattr(pages, "_decode", counting)
    page = pages.one_page(path, "tiff", 45, tmp_path, get_settings())
    assert decoded == [45]
    assert page.number == 45 and page.gray.shape == (48, 64) and np.all(page.gray == 45)


def test_pages_of_a_tiff_come_out_the_same_one_by_one_as_all_together(tmp_path) -> None:
    path = _tiff(tmp_path / "five.tif", 5)
    together = list(pages.iter_pages(path, "tiff", get_settings()))
    for n in (1, 3, 5):
        alone = pages.one_page(path, "tiff", n, tmp_path, get_settings())
        assert alone.dpi == together[n - 1].dpi == 300
        assert np.array_equal(alone.gray, together[n - 1].gray) and np.all(alone.gray == n)
    with pytest.raises(DeloError) as caught:
        pages.one_page(path, "tiff", 6, tmp_path, get_settings(), name="drops/d/five.tif")
    assert caught.value.code is FailureCode.CORRUPT_FILE and "drops/d/five.tif has no page 6" in caught.value.message


# --- failures name the object, not the cache file ----------------------------------------

CACHE_NAME = "ef6fb94c0123456789abcdef"  # what resources.fetch names a downloaded source


@pytest.mark.parametrize("make, code", [
    (scans.corrupt_pdf, FailureCode.CORRUPT_FILE),
    (scans.empty, FailureCode.EMPTY_FILE),
    (scans.text_named_pdf, FailureCode.UNSUPPORTED_FORMAT),
    (scans.encrypted_pdf, FailureCode.PDF_ENCRYPTED),
])
def test_a_failure_names_the_uploads_key(tmp_path, make, code) -> None:
    """GIVEN a bad upload downloaded to a cache file named by a hash WHEN the worker opens
    it with the upload's key THEN the message names the key and never the cache file."""
    path = make(tmp_path / CACHE_NAME)
    with pytest.raises(DeloError) as caught:
        stage.open_source(path, get_settings(), name="drops/fond45/bad scan.pdf")
    assert caught.value.code is code
    assert "drops/fond45/bad scan.pdf" in caught.value.message
    assert CACHE_NAME not in caught.value.message and str(tmp_path) not in caught.value.message


def test_a_page_failure_names_the_uploads_key(tmp_path, monkeypatch) -> None:
    path = _tiff(tmp_path / CACHE_NAME, 3)
    monkeypatch.setattr(get_settings(), "max_page_pixels", 100)
    with pytest.raises(DeloError) as caught:
        pages.one_page(path, "tiff", 2, tmp_path, get_settings(), name="single/big.tif")
    assert caught.value.code is FailureCode.IMAGE_TOO_LARGE
    assert caught.value.message.startswith("page 2 of single/big.tif is ") and CACHE_NAME not in caught.value.message


def test_a_local_file_is_still_named_by_its_own_name(tmp_path) -> None:
    with pytest.raises(DeloError) as caught:
        stage.open_source(scans.empty(tmp_path / "zero.png"), get_settings())
    assert caught.value.message == "zero.png is empty (0 bytes)"


# --- the cache sweep leaves a source that is in use ----------------------------------------

@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, list[str]]:
    from workers.stores import objectstore
    from workers.tasks import resources

    monkeypatch.setattr(get_settings(), "cache_dir", tmp_path / "cache")
    downloads: list[str] = []

    def download(_s3, bucket, key, version_id, dest: Path):
        downloads.append(key)
        dest.write_bytes(b"%PDF-1.4 a long document")
        return dest

    monkeypatch.setattr(objectstore, "download", download)
    monkeypatch.setattr(resources, "s3", lambda: None)
    return resources, downloads


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_source_still_being_read_is_not_swept(cache) -> None:
    """GIVEN a long document downloaded two hours ago whose pages are still being read
    (each page task fetches it) WHEN the start task of another job sweeps the cache THEN
    the source stays (it was deleted: its age counted from the download), and a source
    nobody used for two hours goes."""
    resources, downloads = cache
    job = {"bucket": "scans", "key": "drops/d/long.pdf", "version": "v1", "version_id": None}
    source = resources.fetch(job)
    _age(source, 2 * 3600)
    assert resources.fetch(job) == source  # a page task: no second download, but "used now"
    idle = resources.fetch({**job, "key": "single/old.pdf"})
    _age(idle, 2 * 3600)
    resources.sweep_cache()
    assert source.exists() and not idle.exists()
    assert downloads == ["drops/d/long.pdf", "single/old.pdf"]
    resources.fetch({**job, "key": "single/old.pdf"})  # swept, then wanted again: downloaded again
    assert downloads[-1] == "single/old.pdf"


def test_the_sweep_never_deletes_what_a_running_task_may_hold(cache) -> None:
    """A max age below the broker's visibility timeout (the longest a task can run) is raised to it."""
    resources, _ = cache
    source = resources.fetch({"bucket": "scans", "key": "a.pdf", "version": "v1", "version_id": None})
    _age(source, get_settings().visibility_timeout_seconds - 60)
    resources.sweep_cache(max_age_seconds=0)
    assert source.exists()
    _age(source, get_settings().visibility_timeout_seconds + 60)
    resources.sweep_cache(max_age_seconds=0)
    assert not source.exists()


# --- filters refuse what cannot match ------------------------------------------------------

def test_a_filter_normalises_a_code_and_refuses_unknown_states_and_codes() -> None:
    assert JobFilter(code="corrupt_file").code == "CORRUPT_FILE"  # unambiguous: taken as meant
    with pytest.raises(ValueError, match="no state 'faild'; the states are received, queued"):
        JobFilter(state="faild")
    with pytest.raises(ValueError, match="no failure code 'CORUPT_FILE'; the codes are EMPTY_FILE"):
        JobFilter(code="CORUPT_FILE")


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(DELO), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})


@pytest.mark.parametrize("args, says", [
    (["jobs", "list", "--state", "faild"], "no state 'faild'"),
    (["jobs", "list", "--code", "NOPE"], "no failure code 'NOPE'"),
    (["replay", "--failed", "--code", "nope"], "no failure code 'nope'"),
    (["replay", "--failed", "--since", "yesterday"], "--since takes"),
])
def test_the_cli_refuses_a_filter_that_cannot_match_with_exit_2(args, says) -> None:
    # the ledger is unreachable: the filter is refused before it is even asked
    proc = run(*args, DELO_DATABASE_URL="postgresql://nobody@127.0.0.1:9/none")
    assert proc.returncode == 2, proc.stderr
    assert says in " ".join(proc.stderr.replace("│", " ").split())  # the error box's wrapping undone


def test_replay_with_the_ledger_down_says_so_in_one_line() -> None:
    proc = run("replay", "1", DELO_DATABASE_URL="postgresql://delo:s3cret@127.0.0.1:9/delo")
    assert proc.returncode == 7  # a store unavailable
    assert proc.stderr.splitlines() == [
        "delo replay: the ledger at postgresql://delo:***@127.0.0.1:9/delo does not answer; nothing was changed"]
    assert proc.stdout == ""
