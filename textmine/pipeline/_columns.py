"""The columns an analysis reads: given by the analyst or detected on the first input."""

from textmine.errors import MissingColumnError
from textmine.io.columns import detect_date_column, detect_score_column, detect_segment_columns


def resolve_columns(sources, options):
    """Detect (or check) the date, score and segment columns on the first source."""
    first = sources[0]
    header = first.columns
    sample = first.rows.peek(500)
    for wanted in [options.date_column, options.score_column, *options.segment_columns]:
        if wanted is not None and wanted not in header:
            raise MissingColumnError(wanted, header, first.name)
    date_column = options.date_column or detect_date_column(header, sample)
    score_column, scale = options.score_column, None
    detected_score = detect_score_column(header, sample)
    if score_column is None and detected_score:
        score_column, scale = detected_score
    elif detected_score and detected_score[0] == score_column:
        scale = detected_score[1]
    segments = list(options.segment_columns) or [
        column for column in detect_segment_columns(header, sample)
        if column not in (date_column, score_column, first.text_column)
    ]
    return {"text": first.text_column, "date": date_column, "score": score_column, "scale": scale,
            "segments": segments}
