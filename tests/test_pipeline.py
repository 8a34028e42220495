"""The per-comment stages composed: every row comes back, whatever its text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from textmine.dedupe import DuplicateFinder
from textmine.mask import mask_personal_data
from textmine.pipeline import ANNOTATION_COLUMNS, CommentAnnotator, LanguageOptions

_ANNOTATOR = {}


def annotator():
    if "default" not in _ANNOTATOR:
        _ANNOTATOR["default"] = CommentAnnotator(LanguageOptions())
    return _ANNOTATOR["default"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=["Cs"]), max_size=60), max_size=6))
def test_arbitrary_texts_are_all_annotated(texts):
    items = [(text, {"id": str(index), "text": text}) for index, text in enumerate(texts)]
    results = annotator().annotate(items)
    assert len(results) == len(texts)
    for (row, signature), text in zip(results, texts):
        assert set(ANNOTATION_COLUMNS) - {"duplicate_of"} <= set(row)
        assert 0.0 <= row["sentiment_score"] <= 1.0
        assert row["sentiment"] in ("pos", "neu", "neg")
        assert row["categories"]
        assert signature is None or len(signature) == 3


def test_cache_gives_the_same_annotation_as_a_fresh_run():
    texts = ["信号太差了，家里经常没信号", "满意", "信号太差了，家里经常没信号"]
    first = annotator().annotate([(text, {"text": text}) for text in texts])
    fresh = CommentAnnotator(LanguageOptions()).annotate([(texts[0], {"text": texts[0]})])
    assert first[0] == first[2] == fresh[0]


def test_personal_data_is_masked_in_every_column():
    row = {"电话": "13912345678", "text": "我的身份证110101199003074518被冒用"}
    (annotated, signature), = annotator().annotate([(row["text"], row)])
    assert annotated["电话"] == "<手机号>"
    assert "110101199003074518" not in annotated["text"]
    # Duplicates are found on the masked text: the same complaint with another ID number matches.
    finder = DuplicateFinder()
    other = "我的身份证220101198507074512被冒用"
    assert finder.check("1", mask_personal_data(other)) is None
    assert finder.check_signature("2", signature) == "1"


def _annotated_rows(jobs, chunk_size):
    from pathlib import Path

    from textmine.pipeline import ReadOptions, annotate_stream, open_sources

    survey = Path(__file__).resolve().parent.parent / "samples" / "survey_export.csv"
    sources = open_sources([str(survey)], ReadOptions())
    return list(annotate_stream(sources, LanguageOptions(), jobs=jobs, chunk_size=chunk_size))


def test_rows_are_the_same_whatever_the_jobs_chunks_and_cache_size(monkeypatch):
    from textmine import pipeline

    reference = _annotated_rows(jobs=1, chunk_size=1000)
    assert len(reference) == 2000 and any(row["duplicate_of"] for row in reference)
    # A cache this small (a few chunks of texts) is emptied many times, with chunks still in flight.
    monkeypatch.setattr(pipeline, "CACHE_SIZE", 100)
    assert _annotated_rows(jobs=2, chunk_size=37) == reference
    assert _annotated_rows(jobs=1, chunk_size=37) == reference
