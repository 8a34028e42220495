"""The per-text stages: every text gets an Annotation, the same one however it is reached."""

import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textmine.pipeline import CommentAnnotator, LanguageOptions
from textmine.record import Annotation
from textmine.text.dedupe import DuplicateFinder
from textmine.text import mask
from textmine.text.invisible import visible_view
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


@pytest.mark.parametrize("text", [
    "寬頻斷線，電話13812345678",  # cleaning changes it: masked as written
    "电话１３８１２３４５６７８，网速慢",  # full-width digits, folded for the analysis only
    "网速慢。" * 6000 + "电话13812345678",  # past what is analysed: the cell is masked whole
    "电话13812345678\n网速慢",
])
def test_the_masked_text_is_the_text_as_written_masked(text):
    batch = annotator().analyse(["满意", text, "网速慢，打13912345678"])
    assert batch[1].masked_text == mask_personal_data(text) != text
    assert batch[2].masked_text == "网速慢，打<手机号>"


@pytest.mark.parametrize("text, shown", [
    # Markup, an entity or a full-width tag between the digits: masking the original sees no number,
    # the analysis (after cleaning) does. The cell shows the text as analysed.
    ("请回电<b>138</b>12345678", "请回电<手机号>"),
    ("请回电138<!-- 备注 -->12345678", "请回电<手机号>"),
    ("电话138&#49;2345678", "电话<手机号>"),
    ("１３８＜ｂ＞１２３４５６７８", "<手机号>"),
    ("邮箱zhangsan&#64;qq.com", "邮箱<邮箱>"),
    # Masked in part as written: the rest of the address, account or name goes too.
    ("家庭住址：广州市<b>天河区体育西路88号</b>501室", "家庭住址：<地址>"),
    ("姓名：王小<b>明</b>", "姓名：<姓名>"),
    # A lost character (U+FFFD) inside a labelled address does not end it.
    ("家庭住址：北京\ufffd市朝阳区建国路86号504室，网速太慢了", "家庭住址：<地址>，网速太慢了"),
])
def test_what_the_analysis_masks_after_cleaning_is_masked_in_the_cell(text, shown):
    annotation, = annotator().analyse([text])
    assert annotation.masked_text == shown


@pytest.mark.parametrize("text, hidden", [
    # Cleaning joins the numbers of two cells of a pasted table into a run no pattern takes: the
    # analysed text would show them, the original masked does not.
    ("请回电<b>138</b>12345678，备用13911112222<span>13933334444</span>", ["13911112222", "13933334444"]),
    # An entity that decodes to a digit next to a masked number.
    ("110101198807153427&#49;，另联系13800138000", ["110101198807153427", "1101011988", "13800138000"]),
    ("请回电&#49;138 1234 5678，邮箱a@qq.com", ["138 1234 5678", "a@qq.com"]),
    ("卡号&#x31;6222 0212 3456 7890，邮箱a@qq.com", ["6222 0212 3456 7890"]),
    # A line separator, which cleaning makes a line break, would end the address the original masked.
    ("家庭住址：广州市天河区\u2028体育西路88号", ["体育西路88号"]),
    # Once the tag goes, the first name's pattern takes in the second label.
    ("投诉人：黄杰<b>机主：王小明", ["黄杰", "王小明"]),
])
def test_the_text_as_analysed_is_not_shown_when_it_would_show_more(text, hidden):
    annotation, = annotator().analyse([text])
    assert annotation.masked_text and not any(number in annotation.masked_text for number in hidden)


def test_the_text_as_written_stays_where_both_maskings_agree():
    texts = ["电话13812345678<br>很急", "用户13800138000来电😡，寬頻斷線", "网速<b>很慢</b>"]
    shown = [annotation.masked_text for annotation in annotator().analyse(texts)]
    assert shown == ["电话<手机号><br>很急", "用户<手机号>来电😡，寬頻斷線", None]


def test_annotations_are_tuples_all_the_way_down():
    # Records are shared between rows and cached: nothing in them may be a list.
    for annotation in annotator().analyse(["宽带经常断，客服也没人管", "信号还行就是网速太慢", "满意"]):
        hash(annotation)
        assert all(type(pair) is tuple and type(pair[1]) is tuple for pair in annotation.categories)
        assert all(type(pair) is tuple for pair in annotation.aspects)


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


def test_tokens_come_from_the_masked_text():
    # A phone and an ID in the text: the tokens show the tags, never the digits.
    annotation, = annotator(LanguageOptions(tokens=True, content_words=True)).analyse(
        ["我的电话13812345678，身份证110101199003071234"])
    assert "<手机号>" in annotation.tokens and "<身份证号>" in annotation.tokens
    assert not any(char.isdigit() for token in annotation.tokens for char in token)
    assert annotation.masked_text == "我的电话<手机号>，身份证<身份证号>"


def test_control_characters_cannot_hide_a_number_from_the_masker():
    annotation, = annotator(LanguageOptions(tokens=True)).analyse(["电话138\x0012345678"])
    assert annotation.masked_text == "电话<手机号>" and "<手机号>" in annotation.tokens


def test_no_masking_keeps_the_digits_in_the_tokens():
    annotation, = annotator(LanguageOptions(tokens=True, mask=False)).analyse(["电话13812345678"])
    assert "13812345678" in "".join(annotation.tokens)


# Personal data as people type it: the number itself, then how it is written.
_MOBILES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
_IDS = st.from_regex(r"[1-6][0-9]{5}(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}[0-9X]",
                     fullmatch=True)
_SEPARATORS = st.sampled_from(["", " ", "  ", "\u00a0", "\t", ".", "-", " - ", "\u3000", "\u200b", "\x00", "\u2060"])
_FILLER = st.sampled_from(["网速太慢了", "信号很差，", "客服态度不好", "乱扣费，请退款", "宽带经常掉线", "打了10086",
                           "每月38.5元", "5G套餐", "2026-09-03", "满意", "，", "。", " ", "联系"])


@st.composite
def _personal_datum(draw):
    """(how it is written, its digits or letters that must not come out)."""
    kind = draw(st.sampled_from(["mobile", "id", "email", "broadband"]))
    if kind in ("mobile", "id"):
        digits = draw(_MOBILES if kind == "mobile" else _IDS)
        cuts = (3, 7) if kind == "mobile" else (6, 14)
        if draw(st.booleans()):
            cuts = tuple(sorted(draw(st.lists(st.integers(2, len(digits) - 2), min_size=1, max_size=3, unique=True))))
        pieces, last = [], 0
        for cut in cuts:
            pieces.append(digits[last:cut])
            last = cut
        pieces.append(digits[last:])
        separator = draw(_SEPARATORS)
        written = separator.join(pieces)
        return ("电话" if kind == "mobile" else "身份证") + written, digits
    name = draw(st.from_regex(r"[a-z]{3,8}[0-9]{0,4}", fullmatch=True))
    if kind == "email":
        return f"邮箱{name}@{draw(st.sampled_from(['qq.com', '163.com', '公司.中国']))}，", name
    account = "ad" + draw(st.from_regex(r"[0-9]{8}", fullmatch=True))
    return f"宽带{draw(st.sampled_from(['账号', '的账号是', '帐号：']))}{account}，", account


def _hidden_pieces(text):
    """What the masker hides in ``text``: runs of 7 digits of each masked number, and its names (4+ letters)."""
    view, _ = visible_view(text)
    pieces = []
    for match in mask._PERSONAL.finditer(view):
        if mask._replace(match) == match.group():
            continue  # an order number the masker keeps
        hidden = match.group("bb") if match.lastgroup == "broadband" else match.group()
        digits = "".join(char for char in hidden if char.isdigit())
        pieces += [digits[start:start + 7] for start in range(len(digits) - 6)]
        pieces += [word for word in re.findall(r"[A-Za-z]{4,}", hidden.split("@")[0])]
    return pieces


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_FILLER.map(lambda text: (text, None)), _personal_datum()), min_size=1, max_size=6))
def test_nothing_derived_from_a_comment_holds_what_the_masker_hides(parts):
    text = "".join(written for written, _ in parts)
    annotation, = annotator(LanguageOptions(tokens=True, content_words=True)).analyse([text])
    evidence = [word for _, words in annotation.categories for word in words]
    derived = {
        "masked text": annotation.masked_text or text,
        # Digits of consecutive tokens are joined: a number cut into tokens (138 12345 678) is still a leak.
        "tokens": "".join(annotation.tokens),
        "content words": "".join(annotation.content_words),
        "evidence": "".join(evidence),
    }
    # A piece is hidden unless it also shows in what the masker keeps (the same
    # number written again inside a longer one, which is no phone number).
    kept = mask_personal_data(text)
    kept_digits = "".join(char for char in kept if char.isdigit())
    for piece in _hidden_pieces(text):
        if piece in (kept_digits if piece.isdigit() else kept):
            continue
        for name, value in derived.items():
            shown = value if not piece.isdigit() else "".join(char for char in value if char.isdigit())
            assert piece not in shown, (name, piece, text, value)


def test_the_generated_personal_data_is_masked_when_nothing_touches_it():
    # The property above is only as good as the masker: check it hides what the generator writes.
    for written, secret in [("电话138 1234 5678", "1381234"), ("身份证110101\x0019900307123X", "1101011"),
                            ("邮箱abcd@公司.中国，", "abcd"), ("宽带的账号是ad12345678，", "1234567")]:
        assert secret in _hidden_pieces(written)
