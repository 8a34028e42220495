"""Mask personal data in feedback text before anything is written out.

Work orders and survey answers carry customers' mobile numbers, ID numbers,
bank cards and broadband accounts. Masking is on by default for every text the
CLI writes, and it runs on the ORIGINAL text (not the cleaned one), so the
patterns accept full-width digits (１３８...) and the separators people type.

>>> mask_personal_data("用户13800138000来电，身份证110101199003071234，请回电")
'用户<手机号>来电，身份证<身份证号>，请回电'
"""

import re
from bisect import bisect_right
from itertools import accumulate, chain, count, filterfalse
from operator import add

from textmine.memo import BoundedMemo

__all__ = ["MASK_TAGS", "CellMasker", "hinted_values", "mask_personal_data", "personal_data_hint"]

MASK_TAGS = {
    "mobile": "<手机号>",
    "landline": "<固话>",
    "id_number": "<身份证号>",
    "bank_card": "<银行卡号>",
    "email": "<邮箱>",
    "broadband": "<宽带账号>",
}

_D = "[0-9０-９]"  # ASCII or full-width digit; not \d, which also takes Arabic-Indic digits
_NOT_AFTER_DIGIT = "(?<![0-9０-９])"  # a match never starts or ends inside a longer number
_NOT_BEFORE_DIGIT = "(?![0-9０-９])"
_SEP = "[ \\-－\u3000]?"
_MONTH_DAY = f"(?:[0０][1-9１-９]|[1１][0-2０-２])(?:[0-2０-２]{_D}|[3３][01０１])"
_DATE = f"(?:[1１][89８９]|[2２][0０]){_D}{_D}{_MONTH_DAY}"  # YYYYMMDD, 1800-2099
_DATE_YY = f"{_D}{_D}{_MONTH_DAY}"  # YYMMDD

# Alternatives are tried in this order at each position, so a more specific
# kind wins: an account after its keyword before an e-mail, an e-mail before
# the digits in it, an ID number (structure: region, birth date) before a bank
# card, a card before a phone.
_B, _E = _NOT_AFTER_DIGIT, _NOT_BEFORE_DIGIT
_AREA = f"(?:[0０][1１][0０]|[0０][2２]{_D}|[0０][3-9３-９]{_D}{{2}})"  # 010, 02x, 0xxx
_PATTERNS = [
    # The account after 宽带账号/宽带帐号: "ad12345678", "02012345678@163.gd".
    ("broadband",
     r"(?<=宽带)(?P<bb_kw>(?:账号|帐号|账户|帐户|用户名|号码|号)\s*(?:是|为)?\s*[:：]?\s*)"
     r"(?P<bb>(?=[A-Za-z_.@\-]*[0-9０-９])[A-Za-z0-9０-９_.@\-]{5,40})"),
    ("email", r"[A-Za-z0-9._%+\-]+[@＠][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"),
    # 18 digits (17 + check digit or X) or the old 15-digit form.
    ("id_number",
     f"{_B}[1-9１-９]{_D}{{5}}{_DATE}{_D}{{3}}[0-9０-９XxＸｘ]{_E}"
     f"|{_B}[1-9１-９]{_D}{{5}}{_DATE_YY}{_D}{{3}}{_E}"
     f"|{_B}{_D}{{17}}[XxＸｘ]{_E}"),  # a trailing X is an ID even with a bad date
    # 16-19 digits, plain or in groups of four ("6222 0212 3456 7890").
    ("bank_card",
     f"{_B}(?:{_D}{{4}}[ \\-]){{3}}{_D}{{4}}(?:[ \\-]?{_D}{{1,3}})?{_E}|{_B}{_D}{{16,19}}{_E}"),
    # 1[3-9] + 9 digits, as 3-4-4 with optional spaces or dashes; +86 / 86 / 0086 prefix.
    ("mobile",
     f"{_B}(?:(?:[+＋]|00|００)?(?:86|８６)[ \\-－]?|[(（][+＋]?(?:86|８６)[)）]\\s?)?"
     f"[1１][3-9３-９]{_D}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}{_E}"),
    # Area code + local number: 010-12345678, (0755)1234567, 02012345678.
    # 400/800 hotlines and 10086/10010/10000 do not start with 0: kept.
    ("landline",
     f"{_B}(?:[(（]{_AREA}[)）]\\s?|{_AREA}[ \\-－]?)[1-9１-９]{_D}{{6,7}}{_E}"),
]
_PERSONAL = re.compile("|".join(f"(?P<{kind}>{p})" for kind, p in _PATTERNS))
# A cheap first test that every match passes: seven digits in a row (an ID,
# a card, a landline's local part, an unbroken mobile), three digits, one
# separator and four digits (a mobile or a card in groups), an @, or 宽带
# followed by the start of an account keyword (宽带 alone is in every other
# complaint). Dates (2026-09-03), amounts and short row ids fail it and cost no more.
# Written to start with one character class, which the regex engine skips
# ahead to in C (an alternation of the four is tried at every position, four
# times slower).
_HINT = re.compile(f"[0-9０-９@＠宽](?:(?<=[@＠])|(?<=宽)带(?:[账帐号]|用户名)"
                   f"|(?<=[0-9０-９])(?:{_D}{{6}}|{_D}{{2}}[ \\-－\u3000]{_D}{{4}}))")
# The cheap test itself, for loops over many cells: None means mask_personal_data(cell) == cell.
personal_data_hint = _HINT.search


def hinted_values(values):
    """The positions in ``values`` (strings) of those that ``personal_data_hint`` lets through.

    One scan over all of them joined by newlines, which no hint can span: for
    thousands of short cells that is several times faster than one test each.

    >>> hinted_values(["广州", "13800138000", "2026-09-03", "a@b.cn"])
    [1, 3]
    """
    ends = list(map(add, accumulate(map(len, values)), count()))  # end of each value, joined
    found = []
    for match in _HINT.finditer("\n".join(values)):
        index = bisect_right(ends, match.start())
        if not found or found[-1] != index:
            found.append(index)
    return found
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


def _replace(match):
    kind = match.lastgroup
    if kind == "broadband":
        return match.group("bb_kw") + MASK_TAGS["broadband"]
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


def mask_personal_data(text):
    """Replace personal data by tags such as <手机号>; idempotent.

    Masks mobile numbers (also +86 and with spaces or dashes), landlines with
    an area code, ID numbers (18 and 15 digits), bank cards (16-19 digits:
    grouped in fours, passing the Luhn check, or after a card keyword), e-mail
    addresses and broadband accounts after 宽带账号. Operator and company
    hotlines (10086, 10010, 10000, 400/800 numbers), dates, amounts and
    speeds are kept.

    >>> mask_personal_data("宽带账号：ad12345678，联系 138-0013-8000 或 (010)62345678")
    '宽带账号：<宽带账号>，联系 <手机号> 或 <固话>'
    """
    if not _HINT.search(text):
        return text
    return _PERSONAL.sub(_replace, text)


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
