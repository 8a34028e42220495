"""Tests for textmine.text.mask: each kind of personal data, what must be kept, idempotence."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textmine.text import mask
from textmine.text.mask import MASK_TAGS, CellMasker, mask_personal_data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # mobile numbers
        ("电话13800138000", "电话<手机号>"),
        ("电话 138 0013 8000 谢谢", "电话 <手机号> 谢谢"),
        ("138-0013-8000", "<手机号>"),
        ("+86 13800138000", "<手机号>"),
        ("+86-138-0013-8000", "<手机号>"),
        ("8613800138000", "<手机号>"),
        ("(+86)13912345678", "<手机号>"),
        ("１３８００１３８０００", "<手机号>"),  # full-width digits in the original text
        ("号码19912345678和15012345678", "号码<手机号>和<手机号>"),
        # the 0 dialled before another city's mobile from a landline: no area code but 010 starts 01
        ("打0138 1234 5678没人接", "打<手机号>没人接"),
        ("013812345678", "<手机号>"),
        ("０１３８－１２３４－５６７８", "<手机号>"),
        # landlines with an area code
        ("010-62345678", "<固话>"),
        ("(010)62345678", "<固话>"),
        ("（0755）82345678", "<固话>"),
        ("0755-8234567转801", "<固话>转801"),
        ("02087654321", "<固话>"),
        # ID numbers
        ("身份证110101199003071234", "身份证<身份证号>"),
        ("身份证号11010519491231002X", "身份证号<身份证号>"),
        ("id 11010519491231002x", "id <身份证号>"),
        ("旧证110105491231002", "旧证<身份证号>"),
        ("证件12345678901234567X", "证件<身份证号>"),
        # bank cards
        ("卡号6222021234567890123", "卡号<银行卡号>"),  # keyword, Luhn not needed
        ("6222 0212 3456 7890", "<银行卡号>"),  # grouped in fours
        ("退到6222021234567890128", "退到<银行卡号>"),  # passes Luhn
        ("4111111111111111", "<银行卡号>"),
        # e-mail and broadband accounts
        ("邮箱zhang.san@163.com", "邮箱<邮箱>"),
        ("13800138000@139.com", "<邮箱>"),
        ("宽带账号ad12345678", "宽带账号<宽带账号>"),
        ("宽带账号：02012345678@163.gd", "宽带账号：<宽带账号>"),
        ("宽带帐号是 GZ88886666", "宽带帐号是 <宽带账号>"),
    ],
)
def test_masks_each_kind(text, expected):
    assert mask._HINT.search(text), "the cheap first test must let every personal datum through"
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # numbers split by any kind of space, a tab, two spaces, dots or dashes, anywhere
        ("电话138\u00a01234\u00a05678", "电话<手机号>"),
        ("电话138\t1234\t5678", "电话<手机号>"),
        ("电话138  1234  5678", "电话<手机号>"),
        ("电话138.1234.5678", "电话<手机号>"),
        ("电话13812 345678", "电话<手机号>"),
        ("电话138 - 1234 - 5678", "电话<手机号>"),
        ("电话1 3 8 1 2 3 4 5 6 7 8", "电话<手机号>"),
        ("电话138\u30001234\u30005678", "电话<手机号>"),
        # landlines with a break in the local part
        ("座机020-8888 8888", "座机<固话>"),
        ("座机(010) 6234 5678", "座机<固话>"),
        ("座机0755.8234.5678", "座机<固话>"),
        # ID numbers with spaces or dashes, also ending in X
        ("身份证110101 19900307 1234", "身份证<身份证号>"),
        ("身份证110101-19900307-1234", "身份证<身份证号>"),
        ("身份证 110105 19491231 002X", "身份证 <身份证号>"),
        ("身份证1101 0519 4912 3100 2X", "身份证<身份证号>"),
        # e-mails with a Chinese name or domain
        ("邮箱张三@qq.com", "邮箱<邮箱>"),
        ("我的邮箱是张三@qq.com谢谢", "我的邮箱是<邮箱>谢谢"),
        ("发到 a@公司.中国 就行", "发到 <邮箱> 就行"),
        ("张三＠１６３．ｃｏｍ", "<邮箱>"),
        # broadband accounts after 宽带的账号是
        ("宽带的账号是ad12345678", "宽带的账号是<宽带账号>"),
        ("宽带 的 帐号为：GZ88886666", "宽带 的 帐号为：<宽带账号>"),
        ("寬帶帳號ad12345678", "寬帶帳號<宽带账号>"),
        # numbers broken by zero-width or control characters: the whole span goes
        ("电话138\u200b1234\u200b5678", "电话<手机号>"),
        ("电话138\x0012345678", "电话<手机号>"),
        ("电话1\u200d3\u20608\ufeff12345678", "电话<手机号>"),
        ("身份证1101011990\x1b03071234号", "身份证<身份证号>号"),
        ("信号\x00差，电话13812345678", "信号\x00差，电话<手机号>"),  # controls elsewhere stay
        ("宽带\u200b账号ad12345678", "宽带\u200b账号<宽带账号>"),
        # U+FFFD where reading lost a character (a lone surrogate in JSON, a broken byte)
        ("联系138\ufffd12345678", "联系<手机号>"),
        ("家庭住址：北京\ufffd市朝阳区建国路86号", "家庭住址：<地址>"),
    ],
)
def test_masks_numbers_whatever_separates_their_digits(text, expected):
    assert mask._HINT.search(text), "the cheap first test must let every personal datum through"
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "打10086没人接，10010和10000号也一样",
        "400-810-8888 和 4008108888、800-820-8820 是客服热线",
        "2024-11-23 报修，2024年11月23日上门，20241123",
        "每月38.5元，扣了128元，退费1000元",
        "100M宽带，1000M千兆，5G套餐，4G信号",
        "工单号2024112312345678901",  # 19 digits, fails Luhn, no card keyword
        "订单20241123123456",  # 14 digits
        "IMEI 861234567890123",  # 15 digits but not a birth date
        "信号只有1格，等了3天",
        "宽带账号是多少",
        "没有数字的投诉",
        # dates and times in the forms exports and customers write them
        "2026-09-03", "2026.09.03", "2026 09 03", "2026-09-03 14:30:00", "2026/9/3 14:30",
        "2024.11.23-2024.12.01", "2024-11-23 至 2024-12-01", "2024-02-03 1234567",
        "20241123 1430", "11月23日下午3点",
        # amounts, packages, speeds, hotlines, scores and short numbers
        "三十八块五", "38.5元", "每月 128.00 元，多扣了 38.50 元", "5G", "4G", "100M", "1000M宽带",
        "10086", "10010", "10000", "12345 热线", "95588", "打了 3 次 10086，等了 40 分钟",
        "满意度 8 分", "1 2 3 4 5 6 7 8 9",  "排队 1 个小时 20 分",
        "@中国移动 信号太差", "邮箱是多少", "第 138 期 1234 号", "2026.09.03 14:30", "电话88888888",
        "一三八一二三四五六七八",
    ],
)
def test_keeps_hotlines_dates_amounts_and_order_numbers(text):
    assert mask_personal_data(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a13800138000b", "a<手机号>b"),  # letters around: still a phone
        ("9913800138000123", "9913800138000123"),  # inside a longer number: not a phone
        ("1380013800", "1380013800"),  # 10 digits
        ("身份证1101011990030712345", "身份证1101011990030712345"),  # 19 digits, fails Luhn
    ],
)
def test_digits_never_partially_masked(text, expected):
    assert mask_personal_data(text) == expected


def test_mask_tags_constant():
    assert set(MASK_TAGS.values()) == {
        "<手机号>", "<固话>", "<身份证号>", "<银行卡号>", "<邮箱>", "<宽带账号>", "<姓名>", "<地址>",
    }


@pytest.mark.parametrize("text, expected", [
    ("姓名：王小明，地址：北京市朝阳区建国路88号", "姓名：<姓名>，地址：<地址>"),
    ("联系人：李先生，电话13800138000", "联系人：<姓名>，电话<手机号>"),
    ("客户姓名是张三丰。机主姓名: 欧阳娜娜娜", "客户姓名是<姓名>。机主姓名: <姓名>"),
    ("姓名：王小明投诉网速慢", "姓名：<姓名>投诉网速慢"),  # no break after the name: its first three
    ("姓名:张 三，网速慢；姓名：王\u3000小明", "姓名:<姓名>，网速慢；姓名：<姓名>"),
    ("聯繫人：陳大文，網速慢", "聯繫人：<姓名>，網速慢"),
    ("姓名：阿卜杜·热合曼，姓名：Zhang San", "姓名：<姓名>，姓名：<姓名>"),
    ("家庭住址：广州市天河区某某路1号3栋；装机地址: 佛山市禅城区", "家庭住址：<地址>；装机地址: <地址>"),
    ("用户来电反映地址：深圳市南山区科技园，信号差", "用户来电反映地址：<地址>，信号差"),
    # The complaint after an address stays, with or without a break.
    ("安装地址: 广州市天河区 预约了三次都没人来 客服态度恶劣", "安装地址: <地址> 预约了三次都没人来 客服态度恶劣"),
    ("家庭住址：广州市天河区体育西路100号网速太慢经常断网", "家庭住址：<地址>网速太慢经常断网"),
    ("地址：幸福花园3栋2单元501室网速慢", "地址：<地址>网速慢"),
    # No label, a label with no colon, or no place after it: kept.
    ("联系人李雷要求回电", "联系人李雷要求回电"),
    ("装机地址不对，师傅找不到", "装机地址不对，师傅找不到"),
    ("地址：不对 客服也不处理；装机地址：同上 师傅没来；地址：楼上楼下都没信号",
     "地址：不对 客服也不处理；装机地址：同上 师傅没来；地址：楼上楼下都没信号"),
    ("地址：<地址>，姓名：<姓名>", "地址：<地址>，姓名：<姓名>"),
    # The people of a work order, and 客户 / 用户 with 先生 / 女士 only.
    ("机主：刘建国，报障人：周杰 宽带断网，投诉人：马云飞", "机主：<姓名>，报障人：<姓名> 宽带断网，投诉人：<姓名>"),
    ("客户：吴先生；用户：网速太慢了；客户：反映乱扣费", "客户：<姓名>；用户：网速太慢了；客户：反映乱扣费"),
    ("姓名：黄丽 电话：17733334444", "姓名：<姓名> 电话：<手机号>"),
    ("地址：东莞市南城区某某路88号1202房网速慢", "地址：<地址>网速慢"),
])
def test_labelled_names_and_addresses(text, expected):
    assert mask_personal_data(text) == expected


def test_masked_text_is_unchanged_by_masking():
    text = "用户13800138000，身份证110101199003071234，卡号6222021234567890123，宽带账号ad12345678"
    once = mask_personal_data(text)
    assert mask_personal_data(once) == once
    assert not re.search(r"\d{6,}", once)


_DIGITISH = st.text(st.sampled_from(list("0123456789１３８ +-()（）@.宽带账号：Xx元ab\t\u00a0．－\x00\u200b张"
                                          "姓名联系人地址住：:是，<>先生")), max_size=60)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), _DIGITISH))
def test_masking_is_idempotent_and_never_crashes(text):
    once = mask_personal_data(text)
    assert mask_personal_data(once) == once


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.from_regex(
        r"[1-6][0-9]{5}(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}[0-9X]",
        fullmatch=True,
    ),
    st.sampled_from(["用户", "电话：", "号码 ", "，", "a"]),
)
def test_no_mobile_or_id_number_survives(mobile, id_number, before):
    masked = mask_personal_data(f"{before}{mobile}，身份证{id_number}。")
    assert mobile not in masked
    assert id_number not in masked


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list("0123456789０１２３ -－\u3000()（）+＋@＠.x宽带账号：卡\t\u00a0．\x00\u200b\u200d")
                               + ["宽带", "138", "0755", "账号", "帐户", "用户名", "号码", "是", "ad", "的",
                                  "张三", "公司", "中国", ".com", "  ", "qq", "163", "．cn", "@中国移动", "-", "a.b",
                                  "姓名", "联系人", "地址", "住址", "：", "王小明", "先生", "，", "<", "广州市",
                                  "机主", "户主", "客户", "投诉人", "88号", "房", "女士", "\ufffd"]),
                max_size=30).map("".join))
def test_cheap_first_test_never_skips_a_match(text):
    # mask_personal_data skips the full patterns when _HINT finds nothing; that must never change a result.
    assert mask_personal_data(text) == mask._mask_matches(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(list("0123456789０１ -－\u3000@宽带账号\n")
                                         + ["138", "2026-09-03", "广州", "姓名：", "地址：", "联系人"]),
                         max_size=12).map("".join),
                max_size=12))
def test_hinted_values_are_the_values_the_cheap_test_lets_through(values):
    assert mask.hinted_values(values) == [index for index, value in enumerate(values)
                                          if mask.personal_data_hint(value)]


def test_dates_and_short_numbers_skip_the_full_patterns():
    for value in ("2026-09-03", "2026/9/3 14:30", "10086", "4.5", "123456", "@中国移动 网速慢", "@客服 在吗。"):
        assert mask.personal_data_hint(value) is None


def test_every_cell_is_masked_however_often_its_value_comes():
    masker = CellMasker()
    texts = ["信号差", "网速慢"]
    masker.learn(texts, texts)
    rows = [{"id": str(number), "city": "广州", "date": "2026-06-01", "phone": phone,
             "card_id": "110101199003074518", "note": "联系我 13800138000 " + "很急" * 20,
             "text": texts[number % 2]}
            for number, phone in enumerate(["13912345678", "13912345678", "020-62345678"])]
    masked = masker.mask_rows([dict(row) for row in rows])
    for row, original in zip(masked, rows):
        assert row["id"] == original["id"] and row["city"] == "广州" and row["date"] == "2026-06-01"
        assert row["phone"] in ("<手机号>", "<固话>") and row["card_id"] == "<身份证号>"
        assert row["note"].startswith("联系我 <手机号> ") and row["text"] == original["text"]


def test_cells_are_masked_in_every_chunk_however_their_values_were_learned():
    masker = CellMasker()
    texts = ["信号差，回电13800138000", "网速慢"]
    masker.learn(texts, [mask_personal_data(text) for text in texts])
    for chunk in range(3):  # values learned in one chunk are masked again in the next
        rows = [{"id": str(chunk * 10 + number), "phone": "13912345678", "date": "2026-06-01",
                 "note": texts[number % 2], "text": texts[number % 2]} for number in range(4)]
        for number, row in enumerate(masker.mask_rows(rows)):
            assert row["phone"] == "<手机号>" and row["date"] == "2026-06-01"
            expected = "信号差，回电<手机号>" if number % 2 == 0 else "网速慢"
            assert row["text"] == row["note"] == expected
            assert row["id"] == str(chunk * 10 + number)


def test_cells_are_masked_when_the_value_memory_overflows():
    masker = CellMasker(memo_size=3)
    phones = [f"1391234{number:04d}" for number in range(6)]
    for chunk in range(3):
        rows = [{"phone": phone, "city": f"城市{number}"} for number, phone in enumerate(phones)]
        for row in masker.mask_rows(rows):
            assert row["phone"] == "<手机号>" and row["city"].startswith("城市")


def test_cells_that_are_no_strings_are_left_and_lists_do_not_stop_masking():
    rows = [{"n": 5, "phone": "13912345678"}, {"tags": ["a"], "phone": "13912345678"}]
    masked = CellMasker().mask_rows(rows)
    assert masked[0] == {"n": 5, "phone": "<手机号>"} and masked[1]["phone"] == "<手机号>"
