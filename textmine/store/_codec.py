"""Records to columns and back: what a row of ``texts`` and ``comments`` holds.

An ``Annotation`` goes in as the cells ``annotate`` writes (readable in any
SQL tool) plus its exact structure as JSON, and comes back equal to the one
the runner made, so the aggregator counts a stored comment as it counted the
comment in the file.
"""

import datetime as dt
import json
from hashlib import blake2b

from textmine.io.cells import annotation_cells
from textmine.record import Annotation

_KEY_BYTES = 8  # one band key of a duplicate signature (62 bits used)


def text_hash(text):
    """The key of a text in ``texts``: 128 bits of BLAKE2b, as hex."""
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _json_value(value):
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return str(value)


def cells_json(row):
    """The input cells as JSON: column order kept, dates as ISO text, other values as they are."""
    return json.dumps(row, ensure_ascii=False, default=_json_value)


def row_key(row, id_value=None):
    """What makes a row the same row in two exports: its id, else a hash of its cells.

    The cells are hashed in column-name order, so an export whose columns were
    reordered still matches; the value of every cell counts.
    """
    if id_value is not None and str(id_value).strip():
        return "id:" + blake2b(str(id_value).strip().encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    content = json.dumps(sorted(row.items(), key=lambda item: str(item[0])), ensure_ascii=False,
                         default=_json_value)
    return "row:" + blake2b(content.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def signature_blob(signature):
    """A duplicate signature ``(exact hash, sketch bytes, band keys)`` as bytes; None stays None."""
    if signature is None:
        return None
    exact, sketch, keys = signature
    return (exact.to_bytes(8, "big") + len(keys).to_bytes(1, "big")
            + b"".join(key.to_bytes(_KEY_BYTES, "big") for key in keys) + sketch)


def signature_of(blob):
    """``signature_blob`` reversed."""
    if blob is None:
        return None
    blob = bytes(blob)
    count = blob[8]
    end = 9 + count * _KEY_BYTES
    keys = tuple(int.from_bytes(blob[start:start + _KEY_BYTES], "big") for start in range(9, end, _KEY_BYTES))
    return int.from_bytes(blob[:8], "big"), blob[end:], keys


def annotation_columns(annotation):
    """The ``texts`` columns of an annotation (all but id, text, hash and version)."""
    cells = annotation_cells(annotation)
    structure = {"categories": [[code, list(words)] for code, words in annotation.categories],
                 "aspects": [list(pair) for pair in annotation.aspects]}
    return {
        "sentiment_score": annotation.sentiment_score, "sentiment": annotation.sentiment,
        "categories": cells["categories"], "evidence": cells["evidence"], "aspects": cells["aspects"],
        "flag": annotation.flag,
        "content_words": json.dumps(list(annotation.content_words or ()), ensure_ascii=False),
        "structure": json.dumps(structure, ensure_ascii=False),
        "signature": signature_blob(annotation.signature),
    }


def annotation_of(sentiment_score, sentiment, flag, content_words, structure, signature):
    """The ``Annotation`` of a stored text (its text is the stored one: ``masked_text`` None)."""
    parts = json.loads(structure)
    return Annotation(
        sentiment_score=sentiment_score, sentiment=sentiment,
        categories=tuple((code, tuple(words)) for code, words in parts["categories"]),
        aspects=tuple((code, aspect) for code, aspect in parts["aspects"]),
        flag=flag, masked_text=None, signature=signature_of(signature),
        tokens=None, content_words=tuple(json.loads(content_words)),
    )

