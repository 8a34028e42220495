"""The per-text stages: every text gets an Annotation, the same one however it is reached."""

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from textmine.pipeline import CommentAnnotator, LanguageOptions
from textmine.record import Annotation
from textmine.text.dedupe import DuplicateFinder
from textmine.text.mask import mask_personal_data

_ANNOTATOR = {}


def annotator(options=LanguageOptions()):
    if options not in _ANNOTATOR:
        _ANNOTATOR[options] = CommentAnnotator(options)
    return _ANNOTATOR[options]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=["Cs"]), max_size=60), max_size=6))
def test_arbitrary_texts_are_all_annotated(texts):
    annotations = annotator().analyse(texts)
    assert len(annotations) == len(texts)
    for annotation in annotations:
        assert isinstance(annotation, Annotation)
        assert 0.0 <= annotation.sentiment_score <= 1.0
        assert annotation.sentiment in ("pos", "neu", "neg")
        assert annotation.flag in ("", "empty", "meaningless", "spam")
        assert annotation.signature is None or len(annotation.signature) == 3
        assert not annotation.flag or annotation.signature is None
        assert {code for code, _ in annotation.aspects} <= set(annotation.codes)


def test_a_text_gets_the_same_annotation_alone_or_in_a_batch():
    texts = ["信号太差了，家里经常没信号", "满意", "信号太差了，家里经常没信号", "客服态度好但是网速慢"]
    batch = annotator().analyse(texts)
    assert batch[0] == batch[2]
    fresh = CommentAnnotator(LanguageOptions())
    assert [fresh.analyse([text])[0] for text in texts] == batch


def test_categories_carry_their_evidence_in_taxonomy_order():
    annotation, = annotator().analyse(["网速太慢了，还乱扣费"])
    assert annotation.codes == ("speed", "billing")
    evidence = dict(annotation.categories)
    assert evidence["speed"] and evidence["billing"]
    assert all(isinstance(words, tuple) for words in evidence.values())


def test_tokens_and_content_words_only_when_asked():
    text = "您好，网速太慢了"
    plain, = annotator().analyse([text])
    assert plain.tokens is None and plain.content_words is None
    both, = annotator(LanguageOptions(tokens=True, content_words=True)).analyse([text])
    assert "网速" in both.tokens and "您好" in both.tokens
    assert "网速" in both.content_words and "您好" not in both.content_words
    assert both._replace(tokens=None, content_words=None) == plain


def test_masked_text_only_when_masking_changed_it():
    texts = ["信号太差了，打13912345678也没人管", "满意"]
    masked, clean = annotator().analyse(texts)
    assert masked.masked_text == "信号太差了，打<手机号>也没人管" and clean.masked_text is None
    unmasked, _ = annotator(LanguageOptions(mask=False)).analyse(texts)
    assert unmasked.masked_text is None


def test_duplicates_are_found_on_the_masked_text():
    # The same complaint with another ID number is a duplicate.
    annotation, = annotator().analyse(["我的身份证110101199003074518被冒用"])
    finder = DuplicateFinder()
    assert finder.check("1", mask_personal_data("我的身份证220101198507074512被冒用")) is None
    assert finder.check_signature("2", annotation.signature) == "1"


def test_annotating_loads_neither_scipy_nor_rjiebas_default_tokenizer():
    # Each is 0.1 to 0.25 s of start-up that every run would wait for.
    code = ("import sys; from textmine.pipeline import CommentAnnotator, LanguageOptions; "
            "CommentAnnotator(LanguageOptions()).analyse(['网速太慢了']); "
            "print('scipy' in sys.modules, 'rjieba' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
