"""The per-text stages: every text is analysed, cached, packed and masked the same way."""

from hypothesis import given, settings
from hypothesis import strategies as st

from textmine.text.dedupe import DuplicateFinder
from textmine.text.mask import mask_personal_data
from textmine.pipeline.runner import ANNOTATION_COLUMNS, LanguageOptions
from textmine.pipeline.analysis import AnnotationCache, CommentAnnotator, TextAnalysis, annotation_keys

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


def test_analyses_cross_processes_packed_and_come_back_equal():
    texts = ["信号太差了，打13912345678也没人管", "满意", ""]
    for options in (LanguageOptions(), LanguageOptions(tokens=True, content_words=True),
                    LanguageOptions(mask=False, tokens=True)):
        fresh = CommentAnnotator(options)
        analyses = fresh.analyse(texts)
        assert all(tuple(a.annotation) == annotation_keys(options) for a in analyses)
        packed = fresh.analyse_packed(texts)
        assert packed[1][1] is None and (packed[0][1] is None) == (not options.mask)
        assert TextAnalysis.unpacked(texts, packed, annotation_keys(options)) == analyses


def test_every_cell_is_masked_however_often_its_value_comes():
    cache = AnnotationCache(LanguageOptions())
    texts = ["信号差", "网速慢"]
    cache.store(texts, annotator().analyse(texts))
    rows = [{"id": str(number), "city": "广州", "date": "2026-06-01", "phone": phone,
             "card_id": "110101199003074518", "note": "联系我 13800138000 " + "很急" * 20,
             "text": texts[number % 2]}
            for number, phone in enumerate(["13912345678", "13912345678", "020-62345678"])]
    annotated = cache.rows([(row["text"], dict(row)) for row in rows])
    for (row, _), original in zip(annotated, rows):
        assert row["id"] == original["id"] and row["city"] == "广州" and row["date"] == "2026-06-01"
        assert row["phone"] in ("<手机号>", "<固话>") and row["card_id"] == "<身份证号>"
        assert row["note"].startswith("联系我 <手机号> ") and row["text"] == original["text"]
    unmasked = AnnotationCache(LanguageOptions(mask=False))
    unmasked.store(texts, CommentAnnotator(LanguageOptions(mask=False)).analyse(texts))
    (row, _), = unmasked.rows([(rows[0]["text"], dict(rows[0]))])
    assert {column: row[column] for column in rows[0]} == rows[0]


def test_cells_are_masked_in_every_chunk_however_their_values_were_learned():
    cache = AnnotationCache(LanguageOptions())
    texts = ["信号差，回电13800138000", "网速慢"]
    cache.store(texts, annotator().analyse(texts))
    for chunk in range(3):  # values learned in one chunk are masked again in the next
        rows = [{"id": str(chunk * 10 + number), "phone": "13912345678", "date": "2026-06-01",
                 "note": texts[number % 2], "text": texts[number % 2]} for number in range(4)]
        annotated = cache.rows([(row["text"], row) for row in rows])
        for number, (row, _) in enumerate(annotated):
            assert row["phone"] == "<手机号>" and row["date"] == "2026-06-01"
            expected = "信号差，回电<手机号>" if number % 2 == 0 else "网速慢"
            assert row["text"] == row["note"] == expected
            assert row["id"] == str(chunk * 10 + number)


def test_annotating_loads_neither_scipy_nor_rjiebas_default_tokenizer():
    # Each is 0.1 to 0.25 s of start-up that every run would wait for.
    import subprocess
    import sys

    code = ("import sys, textmine.pipeline.runner, textmine.pipeline.analysis as t; "
            "t.CommentAnnotator(textmine.pipeline.runner.LanguageOptions()).analyse(['网速太慢了']); "
            "print('scipy' in sys.modules, 'rjieba' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_cells_are_masked_when_the_value_memory_overflows(monkeypatch):
    import textmine.pipeline.analysis as text_analysis

    monkeypatch.setattr(text_analysis, "MASKED_VALUE_CACHE", 2)
    monkeypatch.setattr(text_analysis, "CLEAN_VALUE_CACHE", 3)
    cache = AnnotationCache(LanguageOptions())
    texts = ["信号差", "网速慢"]
    cache.store(texts, annotator().analyse(texts))
    phones = [f"1391234{number:04d}" for number in range(6)]
    for chunk in range(3):
        rows = [{"phone": phone, "city": f"城市{number}", "text": texts[number % 2]}
                for number, phone in enumerate(phones)]
        for row, _ in cache.rows([(row["text"], row) for row in rows]):
            assert row["phone"] == "<手机号>" and row["city"].startswith("城市")
