"""delo's core: OCR stage, record parser, stores and the drivers that run them."""
