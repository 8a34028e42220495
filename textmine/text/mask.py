"""Mask personal data in feedback text before anything is written out.

Work orders and survey answers carry customers' mobile numbers, ID numbers,
bank cards and broadband accounts, and names and addresses after a label
(姓名：王小明, 家庭住址：…). Masking is on by default for every text the
CLI writes. It runs twice, with the same patterns: on the cleaned comment
before anything is derived from it (``textmine.pipeline.annotator``), and on
every original cell, column name and file name written out
(``textmine.pipeline.runner``). So the patterns accept full-width digits
(１３８...), the separators people type (spaces of any kind, tabs, dots,
dashes) and look through invisible characters (NUL, zero-width space).

>>> mask_personal_data("用户13800138000来电，身份证110101199003071234，请回电")
'用户<手机号>来电，身份证<身份证号>，请回电'
"""

import re
from itertools import chain, filterfalse

from textmine.memo import BoundedMemo
from textmine.text.clean import texts_matching
from textmine.text.invisible import INVISIBLE_CHARS, find_invisible, visible_view

__all__ = ["MASK_TAGS", "CellMasker", "hinted_values", "mask_personal_data", "personal_data_hint",
           "without_mask_tags"]

MASK_TAGS = {
    "mobile": "<手机号>",
    "landline": "<固话>",
    "id_number": "<身份证号>",
    "bank_card": "<银行卡号>",
    "email": "<邮箱>",
    "broadband": "<宽带账号>",
    "name": "<姓名>",
    "addressed_name": "<姓名>",  # 客户：吴先生
    "address": "<地址>",
}

_D = "[0-9０-９]"  # ASCII or full-width digit; not \d, which also takes Arabic-Indic digits
_NOT_AFTER_DIGIT = "(?<![0-9０-９])"  # a match never starts or ends inside a longer number
_NOT_BEFORE_DIGIT = "(?![0-9０-９])"
# What people put between the digits of one number: up to three spaces of any
# kind (NBSP, tab, ideographic), or one dot or dash with a space either side.
# Invisible characters (NUL, zero-width space) are looked through before these
# patterns run (``textmine.text.invisible``).
_SPACE = " \t\u00a0\u2000-\u200a\u202f\u205f\u3000"
# U+FFFD counts as a dash: reading puts it where a character was lost (a lone surrogate in JSON,
# a broken byte), and 138\ufffd12345678 is still a number (a space would end an address there).
_DASH_DOT = ".．\\-－‐‑‒–—―−\ufffd"
_GAP = f"(?:[{_SPACE}]{{1,3}}|[{_SPACE}]?[{_DASH_DOT}][{_SPACE}]?)"
_S = _GAP + "?"


def _spaced(*digits):
    """One number's digit patterns with a gap allowed between any two: 138 1234 5678, 13812 345678."""
    return _S.join(digits)


_DATE = (f"(?:{_spaced('[1１]', '[89８９]')}|{_spaced('[2２]', '[0０]')}){_S}{_spaced(_D, _D)}")  # year 18xx-20xx
_MONTH_DAY = (f"(?:{_spaced('[0０]', '[1-9１-９]')}|{_spaced('[1１]', '[0-2０-２]')}){_S}"
              f"(?:{_spaced('[0-2０-２]', _D)}|{_spaced('[3３]', '[01０１]')})")
_BIRTH = f"{_DATE}{_S}{_MONTH_DAY}"  # YYYYMMDD, 1800-2099
_BIRTH_YY = f"{_spaced(_D, _D)}{_S}{_MONTH_DAY}"  # YYMMDD
_REGION = _spaced("[1-9１-９]", *[_D] * 5)

# Alternatives are tried in this order at each position, so a more specific
# kind wins: an account after its keyword before an e-mail, an e-mail before
# the digits in it, an ID number (structure: region, birth date) before a bank
# card, a card before a phone.
_B, _E = _NOT_AFTER_DIGIT, _NOT_BEFORE_DIGIT
_AREA = (f"(?:{_spaced('[0０]', '[1１]', '[0０]')}|{_spaced('[0０]', '[2２]', _D)}"
         f"|{_spaced('[0０]', '[3-9３-９]', _D, _D)})")  # 010, 02x, 0xxx
_CJK = "\u4e00-\u9fff"
# A Chinese name before the @ (张三@qq.com) is at most four characters, none of
# the words that introduce an address (我的邮箱是张三@...).
_CJK_NAME = f"(?:(?![是的邮箱])[{_CJK}]){{1,4}}"
_LATIN = "A-Za-z0-9Ａ-Ｚａ-ｚ０-９"  # ASCII or full-width
_EMAIL_LOCAL = f"(?:{_CJK_NAME}[{_LATIN}._%+\\-]*|[{_LATIN}._%+\\-]+)"
_DOMAIN_LABEL = f"[{_LATIN}\\-{_CJK}]+"
_CJK_TLD = "中国|中國|公司|网络|網絡|在线|网址|商城|集团|政务|公益|企业|网店|网站|信息|香港|台湾|台灣|新加坡"
# A name or an address is masked only where a label says what it is (姓名：王小明,
# 联系人：李先生, 家庭地址：…), as work orders write them: a name alone cannot be
# told from other words, and 地址 with no colon is talk about one (装机地址不对).
_NAME_LABEL = (f"(?:(?:客户|用户|机主|户主|联系人|聯繫人|聯系人)?姓名|联系人|聯繫人|聯系人)[{_SPACE}]*"
               f"(?:[:：]|是|为|為)[{_SPACE}]*"
               # the people of a work order, before a colon only (机主：刘建国, 投诉人：马云飞)
               f"|(?:机主|户主|投诉人|报障人|报修人|来电人|申请人|经办人|受理人|联络人|機主|投訴人|報障人)"
               f"[{_SPACE}]*[:：][{_SPACE}]*")
# A name: 2 to 4 Chinese characters (one space between them allowed, 张 三), a ·-joined
# second part (阿卜杜·热合曼), or Latin words (Zhang San). Where more Chinese follows with no
# break (姓名：王小明投诉网速慢), the name is taken as its first three characters, four after a
# two-character surname: a character of the complaint masked rather than a name left.
_COMPOUND_SURNAMES = "欧阳|司马|诸葛|上官|东方|皇甫|尉迟|公孙|慕容|令狐|夏侯|长孙|宇文|司徒|端木|独孤|南宫|西门"
_C = f"[{_CJK}]"
_NAME = (f"{_C}{{1,4}}[·•・][{_CJK}·•・]{{1,12}}"  # with middle dots
         f"|(?:{_COMPOUND_SURNAMES}){_C}{{1,3}}(?!{_C})|(?:{_COMPOUND_SURNAMES}){_C}{{1,2}}(?:先生|女士)?"
         f"|{_C}[{_SPACE}]?{_C}{{1,3}}(?:先生|女士)?(?!{_C})"  # a space after the surname only (张 三)
         f"|{_C}{{3}}"
         f"|[A-Za-zＡ-Ｚａ-ｚ]{{2,20}}(?: [A-Za-zＡ-Ｚａ-ｚ]{{2,20}}){{0,2}}")
# An address: parts each ending in a place (市, 区, 路, 小区 … after one to six characters) or
# a number (88号, 3栋, 2单元, 501室), then any trailing number (-501); the complaint after the
# address is not part of it, and a label followed by no place (地址：不对) masks nothing.
_PLACE = "省|市|区|县|镇|乡|村|街道|街|路|道|巷|弄|组|小区|花园|家园|公寓|苑|园|大厦|广场|中心|新村|社区"
_UNIT = "号|栋|幢|楼|层|室|房|单元|座|户"
_NUMBER = "[0-9０-９A-Za-z一二三四五六七八九十百千\\-－#＃]"
_NOT_ADDRESS = f"[^，,。；;！!？?\\n\\r<{_SPACE}]"
_ADDRESS = (f"(?:{_NOT_ADDRESS}{{1,6}}?(?:{_PLACE})|{_NOT_ADDRESS}{{0,8}}?{_NUMBER}+(?:{_UNIT}))+"
            f"{_NUMBER}*")
_ADDRESS_LABEL = (f"(?:家庭|联系|装机|安装|通讯|通信|居住|收货|详细|聯繫|裝機|安裝)?(?:地址|住址)[{_SPACE}]*[:：]"
                  f"[{_SPACE}]*")


_PATTERNS = [
    ("name", f"(?P<nm_kw>{_NAME_LABEL})(?P<nm>{_NAME})"),
    # 客户：吴先生 — after 客户 / 用户 a name only with 先生 / 女士 / 小姐: 客户：反映网速慢 is the complaint.
    ("addressed_name", f"(?P<an_kw>(?:客户|用户|顾客|客戶|用戶)[{_SPACE}]*[:：][{_SPACE}]*)"
                       f"(?P<an>{_C}{{1,2}}(?:先生|女士|小姐))"),
    ("address", f"(?P<ad_kw>{_ADDRESS_LABEL})(?P<ad>{_ADDRESS})"),
    # The account after 宽带账号/宽带的帐号是: "ad12345678", "02012345678@163.gd".
    ("broadband",
     f"(?<=[宽寬][带帶])(?P<bb_kw>[{_SPACE}]*(?:的[{_SPACE}]*)?"
     f"(?:账号|帐号|帳號|账户|帐户|帳戶|用户名|用戶名|号码|號碼|号|號)[{_SPACE}]*(?:是|为|為)?[{_SPACE}]*[:：]?[{_SPACE}]*)"
     r"(?P<bb>(?=[A-Za-z_.@\-]*[0-9０-９])[A-Za-z0-9０-９_.@\-]{5,40})"),
    ("email",
     f"{_EMAIL_LOCAL}[@＠]{_DOMAIN_LABEL}(?:[.．]{_DOMAIN_LABEL})*[.．](?:[A-Za-zＡ-Ｚａ-ｚ]{{2,}}|{_CJK_TLD})"),
    # 18 digits (17 + check digit or X) or the old 15-digit form.
    ("id_number",
     f"{_B}{_REGION}{_S}{_BIRTH}{_S}{_spaced(_D, _D, _D)}{_S}[0-9０-９XxＸｘ]{_E}"
     f"|{_B}{_REGION}{_S}{_BIRTH_YY}{_S}{_spaced(_D, _D, _D)}{_E}"
     f"|{_B}{_spaced(*[_D] * 17, '[XxＸｘ]')}{_E}"),  # a trailing X is an ID even with a bad date
    # 16-19 digits, plain or in groups of four ("6222 0212 3456 7890").
    ("bank_card",
     f"{_B}(?:{_D}{{4}}{_GAP}){{3}}{_D}{{4}}(?:{_S}{_D}{{1,3}})?{_E}|{_B}{_D}{{16,19}}{_E}"),
    # 1[3-9] + 9 digits, with gaps anywhere (3-4-4, 5-6); +86 / 86 / 0086 prefix, or the 0 dialled
    # before a mobile of another city from a landline (0138 1234 5678: no area code starts 01 but 010).
    ("mobile",
     f"{_B}(?:(?:[+＋]|00|００)?(?:86|８６){_S}|[(（][+＋]?(?:86|８６)[)）][{_SPACE}]?|[0０]{_S})?"
     f"{_spaced('[1１]', '[3-9３-９]', *[_D] * 9)}{_E}"),
    # Area code + local number: 010-12345678, (0755)1234567, 02012345678, 020-8888 8888.
    # 400/800 hotlines and 10086/10010/10000 do not start with 0: kept. Not
    # after a digit and a dash or dot: 2024-02-03 is a date, not area 02.
    ("landline",
     f"{_B}(?<![0-9０-９][.．\\-－/])(?:[(（]{_AREA}[)）][{_SPACE}]{{0,2}}|{_AREA}{_S})"
     f"{_spaced('[1-9１-９]', *[_D] * 6)}(?:{_S}{_D})?{_E}"),
]
_PERSONAL = re.compile("|".join(f"(?P<{kind}>{p})" for kind, p in _PATTERNS))
# A cheap first test that every match passes: a run of digits long enough to be
# personal data with gaps (of the kinds above, or brackets) between them, ten
# from a 0 (the shortest landline) and eleven from another digit (a mobile; IDs
# and cards are longer), so dates and date-times fail it; an @; 宽带 followed by
# the start of an account keyword (宽带 alone is in every other complaint); an @
# with a domain label and a dot after it (an @mention such as @中国移动 has no dot
# and costs no more: it was nine in ten of the comments the full patterns ran on); or
# an invisible character, which masking must look through. Amounts and short
# row ids fail it and cost no more. Written to start with one character class,
# which the regex engine skips ahead to in C (an alternation is tried at every
# position, several times slower).
_HINT_GAP = f"[{_SPACE}{_DASH_DOT}()（）]{{0,3}}{_D}"
_HINT = re.compile(f"[0-9０-９@＠宽寬姓联聯地住人机機户戶客{INVISIBLE_CHARS}\u200d](?:(?<=[{INVISIBLE_CHARS}\u200d])"
                   f"|(?<=姓)名[{_SPACE}]*(?:[:：]|是|为|為)|(?<=[联聯])[系繫]人[{_SPACE}]*(?:是|为|為)|(?<=[地住])址[{_SPACE}]*[:：]"
                   f"|(?<=[人户戶客])[{_SPACE}]*[:：]|(?<=[机機户])主[{_SPACE}]*[:：]"
                   f"|(?<=[@＠])[{_LATIN}\\-{_CJK}]+[.．]"
                   f"|(?<=[宽寬])[带帶][{_SPACE}]*(?:的[{_SPACE}]*)?(?:[账帐帳号號]|用户名|用戶名)"
                   f"|(?<=[0０])(?:{_HINT_GAP}){{9}}|(?<=[1-9１-９])(?:{_HINT_GAP}){{10}})")
# The cheap test itself, for loops over many cells: None means mask_personal_data(cell) == cell.
personal_data_hint = _HINT.search


def hinted_values(values):
    """The positions in ``values`` (strings) of those that ``personal_data_hint`` lets through.

    One scan over all of them joined by newlines, which no hint can span: for
    thousands of short cells that is several times faster than one test each.

    >>> hinted_values(["广州", "13800138000", "2026-09-03", "a@b.cn"])
    [1, 3]
    """
    return texts_matching(_HINT, values)
_CARD_KEYWORD = re.compile("卡号|银行卡|储蓄卡|信用卡|借记卡|账号|帐号|账户|帐户|户号")
_FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _luhn_ok(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# The kinds matched with the label before them (宽带账号：, 姓名：): the label stays, the rest is masked.
_LABEL_GROUP = {"broadband": "bb_kw", "name": "nm_kw", "addressed_name": "an_kw", "address": "ad_kw"}


def _replace(match):
    kind = match.lastgroup
    if kind in _LABEL_GROUP:
        return match.group(_LABEL_GROUP[kind]) + MASK_TAGS[kind]
    if kind == "bank_card":
        found = match.group()
        digits = "".join(ch for ch in found if ch.isdigit()).translate(_FULL_DIGITS)
        grouped = not found.isdigit()
        before = match.string[max(0, match.start() - 12) : match.start()]
        # A contiguous run that fails the Luhn check and has no card keyword
        # before it is most likely an order or work-order number: kept.
        if not (grouped or _luhn_ok(digits) or _CARD_KEYWORD.search(before)):
            return found
    return MASK_TAGS[kind]


_MASK_TAG = re.compile("|".join(map(re.escape, sorted(set(MASK_TAGS.values())))))


def without_mask_tags(text):
    """``text`` with its tags such as <手机号> taken out: what a masked text still shows.

    >>> without_mask_tags("请回电<手机号>，<姓名>")
    '请回电，'
    """
    return _MASK_TAG.sub("", text)


def mask_personal_data(text):
    """Replace personal data by tags such as <手机号>; idempotent.

    Masks mobile numbers (also +86, and with spaces, tabs, NBSP, dots or
    dashes anywhere between the digits), landlines with an area code, ID
    numbers (18 and 15 digits, also with gaps), bank cards (16-19 digits:
    grouped in fours, passing the Luhn check, or after a card keyword), e-mail
    addresses (a Chinese name or domain included), broadband accounts
    after 宽带账号 / 宽带的账号是, and names and addresses after a label and a
    colon (姓名：, 联系人：, 家庭住址：). Invisible characters inside any of them
    (NUL, zero-width space) are looked through and masked with them. Operator
    and company hotlines (10086, 10010, 10000, 400/800 numbers), dates,
    amounts and speeds are kept.

    >>> mask_personal_data("宽带账号：ad12345678，联系 138-0013-8000 或 (010)62345678")
    '宽带账号：<宽带账号>，联系 <手机号> 或 <固话>'
    """
    if not _HINT.search(text):
        return text
    return _mask_matches(text)


def _mask_matches(text):
    """Every match of the full patterns masked, with no cheap first test (``_HINT``)."""
    if find_invisible(text) is None:
        return _PERSONAL.sub(_replace, text)
    # Match on the text as it shows, then replace the matched spans of the
    # original, the invisible characters inside them included.
    view, where = visible_view(text)
    parts, done = [], 0
    for match in _PERSONAL.finditer(view):
        replacement = _replace(match)
        if replacement == match.group():
            continue
        start, end = where[match.start()], where[match.end() - 1] + 1
        parts += [text[done:start], replacement]
        done = end
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)


VALUE_MEMO_SIZE = 200_000  # cell values whose masked form a CellMasker remembers


class CellMasker:
    """Masks every cell of many rows, remembering what masking makes of each distinct value.

    Masking changes few cells, so the work is done on a chunk's distinct values:
    values seen before drop out at once (C-level lookups in two memos: values
    that masking changes, with their masked form, and values it leaves alone),
    the new ones are tested together (``hinted_values``), and only rows holding
    a value that masking changes are visited cell by cell. The comment texts
    need no test of their own: the runner tells the masker their masked form
    (``learn``).

        >>> CellMasker().mask_rows([{"电话": "13800138000", "地市": "广州"}])
        [{'电话': '<手机号>', '地市': '广州'}]
    """

    def __init__(self, memo_size=VALUE_MEMO_SIZE):
        self._masked = BoundedMemo(memo_size)  # value -> its masked form, for values masking changes
        self._unchanged = BoundedMemo(memo_size)  # value -> True, for values masking leaves as they are

    def learn(self, values, masked_values):
        """Remember the masked form of values already masked elsewhere."""
        changed = [(value, masked) for value, masked in zip(values, masked_values) if masked != value]
        self._masked.remember_many(changed)
        if len(changed) < len(values):
            self._unchanged.remember_many([(value, True) for value, masked in zip(values, masked_values)
                                           if masked == value])

    def mask_rows(self, rows):
        """Mask the cells of ``rows`` (dicts) in place; returns the rows."""
        try:
            values = set(chain.from_iterable(map(dict.values, rows)))
        except TypeError:  # a value that cannot be a dict key (a JSON list): one cell at a time
            for row in rows:
                for column, value in row.items():
                    if value.__class__ is str:
                        row[column] = mask_personal_data(value)
            return rows
        masked_of, unchanged = self._masked, self._unchanged
        # This chunk's changes, taken before learning: learning may empty the memos.
        changed = {value: masked_of[value] for value in filter(masked_of.__contains__, values)}
        new = [value for value in filterfalse(unchanged.__contains__, filterfalse(masked_of.__contains__, values))
               if value.__class__ is str]
        hinted = [new[index] for index in hinted_values(new)]
        masked_values = [mask_personal_data(value) for value in hinted]
        changed.update((value, masked) for value, masked in zip(hinted, masked_values) if masked != value)
        self.learn(hinted, masked_values)
        if len(new) > len(hinted):
            self._unchanged.remember_many([(value, True) for value in set(new).difference(hinted)])
        if changed:
            for row in rows:
                if not changed.keys().isdisjoint(row.values()):
                    for column, value in row.items():
                        if value in changed:
                            row[column] = changed[value]
        return rows
