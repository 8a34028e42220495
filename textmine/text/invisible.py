"""Characters that show nothing: the one definition of what is removed before masking and analysis.

Control characters (NUL, ESC, form feed, the C1 range), zero-width spaces and
joiners, bidirectional marks, soft hyphens and stray BOMs are invisible in a
spreadsheet, but they break a pattern: ``138\\x0012345678`` is no phone number
to a regex, and the xlsx writer, which must drop the NUL, would then show one.
So cleaning (``textmine.text.clean.remove_control_chars``) removes them first,
and masking (``textmine.text.mask``) looks through them. Tab, newline and
carriage return are not here: they are visible breaks.

A zero-width joiner is kept where it joins emoji (👨‍👩‍👧 is one family, which
the emoji stage names as one); after a letter, digit, space or the start of
the text it joins nothing and goes.

    >>> remove_invisible("138\\x001234\\u200b5678")
    '13812345678'
"""

import re

__all__ = ["INVISIBLE_CHARS", "find_invisible", "remove_invisible", "visible_view"]

# As a character class body, for other modules' patterns (the cheap masking hint).
INVISIBLE_CHARS = ("\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u180e\u200b\u200c\u200e\u200f"
                   "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff")
_INVISIBLE = re.compile(f"[{INVISIBLE_CHARS}]+|(?<![^\\w\\s])\u200d+")
find_invisible = _INVISIBLE.search


def remove_invisible(text):
    """``text`` without the characters that show nothing.

    >>> remove_invisible("信号\\u200d差\\x07")
    '信号差'
    """
    if text.isprintable():  # the common case, checked in C: none of them is printable
        return text
    return _INVISIBLE.sub("", text)


def visible_view(text):
    """``(view, where)``: ``text`` without invisible characters, and each kept character's index in ``text``.

    ``where`` has one more entry, ``len(text)``, so that a span ``[start, end)``
    of the view is ``[where[start], where[end - 1] + 1)`` in ``text``.

    >>> visible_view("1\\x002")
    ('12', [0, 2, 3])
    """
    where, last = [], 0
    for match in _INVISIBLE.finditer(text):
        where.extend(range(last, match.start()))
        last = match.end()
    where.extend(range(last, len(text)))
    view = "".join(text[index] for index in where)
    where.append(len(text))
    return view, where
