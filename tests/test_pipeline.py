"""The stages in order: the same rows whatever the jobs, the chunks and the cache size."""

from pathlib import Path

from textmine.pipeline.runner import LanguageOptions, ReadOptions, annotate_stream, open_sources


def _annotated_rows(jobs, chunk_size):
    survey = Path(__file__).resolve().parent.parent / "samples" / "survey_export.csv"
    sources = open_sources([str(survey)], ReadOptions())
    return list(annotate_stream(sources, LanguageOptions(), jobs=jobs, chunk_size=chunk_size))


def test_rows_are_the_same_whatever_the_jobs_chunks_and_cache_size(monkeypatch):
    from textmine.pipeline import runner as pipeline

    reference = _annotated_rows(jobs=1, chunk_size=1000)
    assert len(reference) == 2000 and any(row["duplicate_of"] for row in reference)
    # A cache this small (a few chunks of texts) is emptied many times, with chunks still in flight.
    monkeypatch.setattr(pipeline, "CACHE_SIZE", 100)
    assert _annotated_rows(jobs=2, chunk_size=37) == reference
    assert _annotated_rows(jobs=1, chunk_size=37) == reference


def test_the_garbage_collector_is_as_it_was_after_a_run():
    import gc

    thresholds = gc.get_threshold()
    rows = _annotated_rows(jobs=1, chunk_size=500)
    assert len(rows) == 2000
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0
