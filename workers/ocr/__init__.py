"""The OCR stage: the only code that runs tesseract or poppler.

    detect      what a file is, from its first bytes
    pages       a source file as pages, rasterised one at a time, within limits
    poppler     the PDF tools: version probe, page count and sizes, one page rendered, errors typed
    preprocess  what a page gets before tesseract, chosen from measurements of the page
    tesseract   the tesseract binary: version probe, one run per page, errors typed
    tools       both checked at once, before a worker takes its first task
    stage       a file in, an OcrResult out
"""

from workers.ocr.stage import OcrResult, PageResult, ocr_file

__all__ = ["OcrResult", "PageResult", "ocr_file"]
