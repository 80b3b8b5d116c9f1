"""The record parser: PURE text → `record` (delo.record/1). No I/O, no db, no celery.

    text        OCR and transcription noise cleaned once, before anything is read
    dates       dates in every written form; the document's own date chosen in record
    doctype     type and title from the heading
    markings    classification, declassification, registration number
    persons     addressees and signatories, nominative surnames (pymorphy3)
    archival    fond / opis / delo / sheets in Russian and Latin forms; the citation
    references  other documents cited
    entities    persons, places, organisations (natasha)
"""

from workers.records.record import parse_record

__all__ = ["parse_record"]
