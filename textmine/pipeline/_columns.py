"""The columns an analysis reads: given by the analyst or detected on the first input.

Shared by ``analyze`` and ``ingest`` (which records what it detected, so that
``analyze --store`` reads the same columns), and the value bands of numeric
group columns, cut on a sample of rows from either.
"""

from textmine.aggregate.bands import ValueBands, numeric_column
from textmine.errors import MissingColumnError, OptionError
from textmine.io.columns import (
    detect_date_column, detect_score_column, detect_segment_columns, names_categories, number_or_none)
from textmine.painpoints.taxonomy import OTHER

SAMPLE_ROWS = 500  # rows of the first input that columns are detected on


def resolve_columns(sources, options, taxonomy):
    """Detect (or check) the date, score and segment columns on the first source.

    ``options`` has ``date_column``, ``score_column`` and ``segment_columns``
    (empty: detected), and may have ``bins`` ((column, "0,50,100"), ...): a
    column given there is a segment column too.
    """
    first = sources[0]
    header = first.columns
    sample = first.rows.peek(SAMPLE_ROWS)
    given_bins = dict(getattr(options, "bins", ()))
    for wanted in [options.date_column, options.score_column, *options.segment_columns, *given_bins]:
        if wanted is not None and wanted not in header:
            raise MissingColumnError(wanted, header, first.name)
    names = {code: name for code, name in taxonomy.names.items() if code != OTHER}
    for column in options.segment_columns:
        values = [row.get(column) for row in sample]
        if names_categories(values, names):
            shown = "、".join(sorted({str(v).strip() for v in values if v and str(v).strip()})[:4])
            raise OptionError(f"--segment-column {column}: its values ({shown} …) name the pain-point "
                              "categories, so its short boards would only restate them; it is no customer "
                              "group: leave it out")
    date_column = options.date_column or detect_date_column(header, sample)
    score_column, scale = options.score_column, None
    detected_score = detect_score_column(header, sample)
    if score_column is None and detected_score:
        score_column, scale = detected_score
    elif detected_score and detected_score[0] == score_column:
        scale = detected_score[1]
    segments = list(options.segment_columns) or [
        column for column in detect_segment_columns(header, sample, category_names=names)
        if column not in (date_column, score_column, first.text_column)
    ]
    segments += [column for column in given_bins if column not in segments]
    return {"text": first.text_column, "date": date_column, "score": score_column, "scale": scale,
            "segments": segments}


def value_bands(segments, sample, bins=()):
    """{column: ValueBands} for the numeric segment columns of ``sample`` (row dicts) and those in ``bins``.

    Amounts, ages and months become a few bands, not one group per number.
    """
    given = dict(bins)
    bands = {}
    for column in segments:
        if column in given:
            bands[column] = ValueBands.parse(given[column])
            continue
        values = [row.get(column) for row in sample]
        if numeric_column(values):
            bands[column] = ValueBands.from_values([number for number in map(number_or_none, values)
                                                    if number is not None])
    return bands
