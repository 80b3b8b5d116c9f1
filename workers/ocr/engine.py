"""One tesseract engine kept loaded for every page a process reads.

The `tesseract` program loads its model anew for each page: for the Cyrillic script
model that is 90 ms of a page's 0.8 s, mostly its 29 MB word list. Here the model is
loaded once, through Debian's libtesseract (the C API of the library the program is
built on, so the text is the same), in a child process of its own: a crash inside the
library, or a page that never ends, kills that child and fails that page, never the
worker; the next page starts a fresh child.

    python -m workers.ocr.engine LANGUAGES    the child: one JSON request a line on stdin
                                              ({"image": path, "dpi": n}), one reply a
                                              line on stdout ({"tsv": …} or {"error": …})
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import subprocess
import sys
from pathlib import Path

import cv2

from workers.errors import FailureCode, OcrError

_PSM_AUTO = 3  # page segmentation as the program's default: the same text as `tesseract IMG out`
TSV_COLUMNS = ["level", "page_num", "block_num", "par_num", "line_num", "word_num",
               "left", "top", "width", "height", "conf", "text"]


class Engine:
    """The parent's end: starts the child on first use (in the process that uses it, so a
    forked worker never shares its parent's child) and restarts it after it dies."""

    def __init__(self, languages: str) -> None:
        self.languages = languages
        self._proc: subprocess.Popen[str] | None = None
        self._pid = 0

    def tsv(self, image: Path, dpi: int, timeout: float) -> str:
        request = json.dumps({"image": str(image), "dpi": dpi}) + "\n"
        proc = self._child()
        try:
            _send(proc, request)
        except BrokenPipeError:  # it died between pages: a fresh one takes the page
            self.stop()
            proc = self._child()
            _send(proc, request)
        assert proc.stdout is not None  # started with stdout=PIPE
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        if not ready:
            self.stop()
            raise OcrError(FailureCode.OCR_TIMEOUT, f"tesseract took longer than {timeout:.0f} s on a page")
        line = proc.stdout.readline()
        if not line:
            code = proc.wait()
            self._proc = None
            raise OcrError(FailureCode.OCR_FAILED, f"the tesseract engine stopped on this page (exit {code})")
        reply = json.loads(line)
        if "error" in reply:
            raise OcrError(FailureCode.OCR_FAILED, f"tesseract failed: {reply['error'][:300]}")
        tsv: str = reply["tsv"]
        return tsv

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None

    def _child(self) -> subprocess.Popen[str]:
        if self._proc is None or self._pid != os.getpid() or self._proc.poll() is not None:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "workers.ocr.engine", self.languages],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            )
            self._pid = os.getpid()
        return self._proc


def _send(proc: subprocess.Popen[str], request: str) -> None:
    assert proc.stdin is not None  # started with stdin=PIPE
    proc.stdin.write(request)
    proc.stdin.flush()


_engines: dict[str, Engine] = {}


def engine(languages: str) -> Engine:
    if languages not in _engines:
        _engines[languages] = Engine(languages)
    return _engines[languages]


# ---- the child ----

def _library(languages: str) -> tuple[ctypes.CDLL, int]:
    lib = ctypes.CDLL("libtesseract.so.5")
    lib.TessBaseAPICreate.restype = ctypes.c_void_p
    lib.TessBaseAPIInit3.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    lib.TessBaseAPISetPageSegMode.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.TessBaseAPISetImage.argtypes = [ctypes.c_void_p, ctypes.c_void_p] + [ctypes.c_int] * 4
    lib.TessBaseAPISetSourceResolution.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.TessBaseAPIRecognize.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.TessBaseAPIGetTsvText.restype = ctypes.c_void_p
    lib.TessBaseAPIGetTsvText.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.TessDeleteText.argtypes = [ctypes.c_void_p]
    lib.TessBaseAPIClear.argtypes = [ctypes.c_void_p]
    api = lib.TessBaseAPICreate()
    if lib.TessBaseAPIInit3(api, None, languages.encode()) != 0:
        raise RuntimeError(f"tesseract could not load the language data {languages}")
    lib.TessBaseAPISetPageSegMode(api, _PSM_AUTO)
    return lib, api


def _recognise(lib: ctypes.CDLL, api: int, image: str, dpi: int) -> str:
    gray = cv2.imread(image, cv2.IMREAD_GRAYSCALE)
    if gray is None:
        raise RuntimeError(f"cannot read {image}")
    lib.TessBaseAPISetImage(api, gray.ctypes.data, gray.shape[1], gray.shape[0], 1, gray.strides[0])
    lib.TessBaseAPISetSourceResolution(api, dpi)
    if lib.TessBaseAPIRecognize(api, None) != 0:
        raise RuntimeError("recognition failed")
    pointer = lib.TessBaseAPIGetTsvText(api, 0)
    try:
        return ctypes.string_at(pointer).decode("utf-8", errors="replace")
    finally:
        lib.TessDeleteText(pointer)
        lib.TessBaseAPIClear(api)


def serve(languages: str) -> None:
    lib, api = _library(languages)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            reply = {"tsv": _recognise(lib, api, request["image"], request["dpi"])}
        except Exception as exc:  # one page's trouble is its reply, not the engine's end
            reply = {"error": str(exc)}
        sys.stdout.write(json.dumps(reply, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve(sys.argv[1])
