"""The OCR stage: the only code that runs tesseract or poppler.

    detect      what a file is, from its first bytes
    pages       a source file as pages, rasterised one at a time, within limits
    preprocess  what a page gets before tesseract, chosen from measurements of the page
    tesseract   the tesseract binary: version probe, one run per page, errors typed
    stage       a file in, an OcrResult out
"""

from workers.ocr.stage import OcrResult, PageResult, ocr_file

__all__ = ["OcrResult", "PageResult", "ocr_file"]
