"""The runner: every row once, in input order, the same whatever the jobs, chunks and cache size."""

import pickle
from pathlib import Path

from textmine.pipeline import LanguageOptions, LocalExecutor, ReadOptions, comment_chunks, open_sources
from textmine.record import Annotation, Comment

SURVEY = Path(__file__).resolve().parent.parent / "samples" / "survey_export.csv"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _comments(jobs, chunk_size, paths=(SURVEY,), options=LanguageOptions()):
    sources = open_sources([str(path) for path in paths], ReadOptions())
    with LocalExecutor(options, jobs, workers_after_chars=0) as executor:  # workers from the first chunk
        return [comment for chunk in comment_chunks(sources, executor, mask=options.mask, chunk_size=chunk_size)
                for comment in chunk]


def test_comments_are_the_same_whatever_the_jobs_chunks_and_cache_size(monkeypatch):
    from textmine.pipeline import runner

    reference = _comments(jobs=1, chunk_size=1000)
    assert [comment.number for comment in reference] == list(range(1, 2001))
    assert any(comment.duplicate_of for comment in reference)
    assert all(isinstance(comment, Comment) and isinstance(comment.annotation, Annotation) for comment in reference)
    # A cache this small (a few chunks of texts) is emptied many times, with chunks still in flight.
    monkeypatch.setattr(runner, "CACHE_SIZE", 100)
    assert _comments(jobs=2, chunk_size=37) == reference
    assert _comments(jobs=1, chunk_size=37) == reference


def test_a_duplicate_points_at_an_earlier_comment_with_the_same_signature():
    comments = _comments(jobs=1, chunk_size=500)
    by_number = {comment.number: comment for comment in comments}
    duplicates = [comment for comment in comments if comment.duplicate_of is not None]
    assert duplicates
    for comment in duplicates:
        first = by_number[comment.duplicate_of]
        assert first.number < comment.number and first.duplicate_of is None
        assert not comment.annotation.flag and not first.annotation.flag


def test_several_inputs_are_numbered_through_and_name_their_source():
    comments = _comments(jobs=1, chunk_size=64, paths=(FIXTURES / "utf8.csv", FIXTURES / "gb18030.csv"))
    assert [comment.number for comment in comments] == list(range(1, len(comments) + 1))
    assert comments[0].source.endswith("utf8.csv") and comments[-1].source.endswith("gb18030.csv")
    assert len({comment.source for comment in comments}) == 2


def test_records_cross_processes_as_they_are():
    comments = _comments(jobs=1, chunk_size=500)[:50]
    assert pickle.loads(pickle.dumps(comments)) == comments


def test_the_garbage_collector_is_as_it_was_after_a_run():
    import gc

    thresholds = gc.get_threshold()
    assert len(_comments(jobs=1, chunk_size=500)) == 2000
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0


def test_workers_are_stopped_when_a_consumer_fails():
    import multiprocessing

    sources = open_sources([str(SURVEY)], ReadOptions())
    try:
        with LocalExecutor(LanguageOptions(), 2, workers_after_chars=0) as executor:
            for _ in comment_chunks(sources, executor, chunk_size=100):
                raise RuntimeError("the writer failed")
    except RuntimeError:
        pass
    assert multiprocessing.active_children() == []


def test_progress_is_told_the_rows_done_and_how_much_input_was_read(tmp_path):
    path = tmp_path / "big.csv"  # 0.9 MB: several of the reader's 256 KB blocks
    path.write_text("序号,意见\n" + "".join(f"{i},第{i % 50}条：家里信号太差了，打电话要跑到阳台上，希望尽快解决\n"
                                          for i in range(9000)), encoding="utf-8")
    calls = []
    sources = open_sources([str(path)], ReadOptions())
    with LocalExecutor(LanguageOptions(), 1) as executor:
        for _ in comment_chunks(sources, executor, chunk_size=1000,
                                progress=lambda rows, read: calls.append((rows, read))):
            pass
    assert sum(rows for rows, _ in calls) == 9000
    fractions = [read for _, read in calls]
    assert fractions == sorted(fractions) and 0 < fractions[0] < 0.5 and fractions[-1] == 1.0


def test_read_fraction_weighs_inputs_by_size():
    from types import SimpleNamespace

    from textmine.pipeline.runner import read_fraction

    def source(size, read):
        return SimpleNamespace(size=size, read_fraction=lambda: read)

    assert read_fraction([source(300, 1.0), source(100, 0.5)]) == 350 / 400
    assert read_fraction([source(300, 1.0), source(None, None)]) is None  # stdin: no size
    assert read_fraction([]) is None


def _raise_in_a_stage(monkeypatch):
    from textmine.pipeline import annotator

    def broken(text):
        raise RuntimeError("stage broke")

    monkeypatch.setattr(annotator, "junk_reason", broken)


def test_an_unexpected_error_in_a_stage_keeps_its_type_and_names_the_file(monkeypatch):
    import pytest

    from textmine.errors import where_of

    _raise_in_a_stage(monkeypatch)
    for jobs in (1, 2):
        with pytest.raises(RuntimeError, match="stage broke") as caught:
            _comments(jobs=jobs, chunk_size=100, paths=(FIXTURES / "utf8.csv",))
        assert where_of(caught.value) == f"processing {FIXTURES / 'utf8.csv'}"


def test_an_unexpected_error_opening_an_input_names_it(monkeypatch):
    import pytest

    from textmine.errors import where_of
    from textmine.pipeline import runner

    def broken(*args, **kwargs):
        raise ValueError("reader broke")

    monkeypatch.setattr(runner, "open_feedback", broken)
    with pytest.raises(ValueError) as caught:
        open_sources([str(SURVEY)], ReadOptions())
    assert where_of(caught.value) == f"reading {SURVEY}"


def _analysed_texts(monkeypatch, path, cache_size, chunk_size=7):
    """The comments of ``path`` and every text the executor was given, with the runner's cache this small."""
    from textmine.pipeline import runner

    monkeypatch.setattr(runner, "CACHE_SIZE", cache_size)
    analysed = []
    analyse = LocalExecutor.analyse

    def counted(executor, texts):
        analysed.extend(texts)
        return analyse(executor, texts)

    monkeypatch.setattr(LocalExecutor, "analyse", counted)
    sources = open_sources([str(path)], ReadOptions())
    with LocalExecutor(LanguageOptions(), 1) as executor:
        comments = [comment for chunk in comment_chunks(sources, executor, chunk_size=chunk_size)
                    for comment in chunk]
    return comments, analysed


def test_a_text_that_came_back_stays_when_the_cache_makes_room(tmp_path, monkeypatch):
    path = tmp_path / "repeats.csv"
    lines = ["意见建议"] + ["满意" if number % 5 == 0 else f"第{number}条：网速太慢，经常断网"
                          for number in range(300)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reference, _ = _analysed_texts(monkeypatch, path, cache_size=10_000)
    comments, analysed = _analysed_texts(monkeypatch, path, cache_size=20)  # room made about 12 times
    assert comments == reference
    assert analysed.count("满意") == 1
    assert len(analysed) == len(set(analysed)) == 241


def test_the_cache_forgets_everything_when_the_texts_seen_again_fill_half_of_it(monkeypatch):
    from textmine.pipeline import runner

    monkeypatch.setattr(runner, "CACHE_SIZE", 10)
    cache = runner._AnnotationCache(masker=None)
    texts = [f"第{number}条" for number in range(6)]
    for _ in range(2):
        missing = cache.claim_missing(texts)
        cache.annotations.update(zip(missing, missing))
    cache.make_room()  # six texts seen again: more than half of ten
    assert len(cache.annotations) == 0 and not cache.repeated
    cache.claim_missing(texts[:3] * 2)
    cache.make_room()  # three seen again: they stay
    assert set(cache.annotations) == set(texts[:3])
