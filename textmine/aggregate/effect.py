"""Effect tracking (整改效果): did a pain point fall after a measure was taken?

A measure is a category, optionally a segment value, and the day the measure
was taken: ``billing:2026-10-01`` or ``coverage:地区类型=农村:2026-09-15``.
Over the analysed comments (flagged ones and duplicates left out, as every
analysis does) that are dated and in the segment, the tracker counts, before
and from that day on, the comments, those with the category and the negative
ones among those. The change of each share is tested with a two-sided
two-proportion z-test (pooled); ``small_sample`` says when an expected count
is under 5, where the test is only a rough guide.

    >>> tracker = EffectTracker([parse_measure("billing:2026-10-01")], date_column="日期")
    >>> tracker.add(comment); tracker.results(taxonomy)[0]["verdict"]
    'fell'
"""

import datetime as dt
import math
from dataclasses import dataclass, replace

from textmine.errors import MissingColumnError, OptionError
from textmine.io.columns import parse_date
from textmine.record import OTHER

ALPHA = 0.05  # a change is reported as a rise or a fall below this p-value


@dataclass(frozen=True)
class Measure:
    """A category (in a segment value, when given) and the day a measure was taken."""

    spec: str
    category: str
    day: dt.date
    segment_column: str | None = None
    segment_value: str | None = None


def parse_measure(spec):
    """``CATEGORY[:SEGMENT=VALUE]:DATE`` -> Measure; a one-line error otherwise.

    >>> parse_measure("coverage:地区类型=农村:2026-09-15").segment_value
    '农村'
    """
    text = str(spec).strip()
    head, _, day_text = text.rpartition(":")
    day = parse_date(day_text.strip())
    if head and day is None and any(char.isdigit() for char in day_text):
        raise OptionError(f"--measure {spec!r}: {day_text.strip()!r} is not a day (YYYY-MM-DD, such as 2026-10-01)")
    if not head or day is None:
        raise OptionError(f"--measure must be CATEGORY[:SEGMENT=VALUE]:DATE, such as billing:2026-10-01, "
                          f"not {spec!r}")
    category, _, segment = head.partition(":")
    column = value = None
    if segment:
        column, equals, value = segment.partition("=")
        if not equals or not column.strip():
            raise OptionError(f"--measure: the segment must be COLUMN=VALUE, not {segment!r} (in {spec!r})")
        column, value = column.strip(), value.strip()
    return Measure(text, category.strip(), day, column, value)


class _Side:
    __slots__ = ("comments", "with_category", "negative", "first", "last")

    def __init__(self):
        self.comments = self.with_category = self.negative = 0
        self.first = self.last = None

    def add(self, day, has_category, negative):
        self.comments += 1
        if has_category:
            self.with_category += 1
            self.negative += negative
        self.first = day if self.first is None or day < self.first else self.first
        self.last = day if self.last is None or day > self.last else self.last

    def merge(self, other):
        self.comments += other.comments
        self.with_category += other.with_category
        self.negative += other.negative
        for day in (other.first, other.last):
            if day is not None:
                self.first = day if self.first is None or day < self.first else self.first
                self.last = day if self.last is None or day > self.last else self.last

    def as_dict(self):
        return {"comments": self.comments, "with_category": self.with_category,
                "share": _share(self.with_category, self.comments), "negative": self.negative,
                "negative_share": _share(self.negative, self.with_category),
                "first_date": self.first.isoformat() if self.first else None,
                "last_date": self.last.isoformat() if self.last else None}


def _share(part, whole):
    return round(part / whole, 4) if whole else None


def two_proportion_test(x1, n1, x2, n2):
    """Two-sided p-value of a pooled two-proportion z-test; None when a side is empty.

    >>> round(two_proportion_test(30, 100, 10, 100), 4)
    0.0004
    """
    if not n1 or not n2:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance == 0:
        return 1.0
    z = (x2 / n2 - x1 / n1) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2))


def _small(x1, n1, x2, n2):
    """True when an expected count of the 2x2 table is under 5."""
    if not n1 or not n2:
        return True
    pooled = (x1 + x2) / (n1 + n2)
    return min(n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)) < 5


class EffectTracker:
    """Counts before and after each measure's day; fed the comments the analyses count."""

    def __init__(self, measures, *, date_column):
        self.measures = list(measures)
        self.date_column = date_column
        self.sides = [(_Side(), _Side()) for _ in self.measures]
        self.undated = 0

    def check(self, taxonomy, columns):
        """Refuse a category the taxonomy does not have, or a segment column the input does not have.

        A category may be given by its code or by its name (计费扣费); it is kept as its code.
        """
        for index, measure in enumerate(self.measures):
            code = taxonomy.code_of(measure.category)
            if code is None:
                raise OptionError(f"--measure {measure.spec}: unknown category {measure.category!r}; categories "
                                  f"are: {', '.join(f'{c} ({taxonomy.name(c)})' for c in taxonomy.codes)}")
            self.measures[index] = replace(measure, category=code)
            if measure.segment_column is not None and measure.segment_column not in columns:
                raise MissingColumnError(measure.segment_column, columns, f"--measure {measure.spec}")
        if self.measures and not self.date_column:
            raise OptionError("--measure needs dated comments: no date column was found (give --date-column)")

    def partial(self):
        """An empty tracker of the same (checked) measures, for a part of the rows to be merged into this one."""
        return EffectTracker(self.measures, date_column=self.date_column)

    def merge(self, other):
        """Add the counts of ``other`` (a ``partial()`` over other rows)."""
        for (before, after), (other_before, other_after) in zip(self.sides, other.sides):
            before.merge(other_before)
            after.merge(other_after)
        self.undated += other.undated

    def add(self, comment):
        day = parse_date(comment.row.get(self.date_column)) if self.date_column else None
        if day is None:
            self.undated += 1
            return
        annotation = comment.annotation
        codes = annotation.codes or (OTHER,)
        negative = annotation.sentiment == "neg"
        for measure, (before, after) in zip(self.measures, self.sides):
            if measure.segment_column is not None and \
                    str(comment.row.get(measure.segment_column) or "").strip() != measure.segment_value:
                continue
            (before if day < measure.day else after).add(day, measure.category in codes, negative)

    def results(self, taxonomy):
        """One entry per measure, for the JSON summary and the workbook's 整改效果 sheet."""
        out = []
        for measure, (before, after) in zip(self.measures, self.sides):
            share_p = two_proportion_test(before.with_category, before.comments, after.with_category, after.comments)
            negative_p = two_proportion_test(before.negative, before.with_category, after.negative,
                                             after.with_category)
            old, new = before.as_dict(), after.as_dict()
            change = None if old["share"] is None or new["share"] is None else round(new["share"] - old["share"], 4)
            verdict = "not enough data" if share_p is None else (
                "no significant change" if share_p >= ALPHA else ("fell" if change < 0 else "rose"))
            out.append({
                "measure": measure.spec, "category": measure.category, "name": taxonomy.name(measure.category),
                "segment": ({"column": measure.segment_column, "value": measure.segment_value}
                            if measure.segment_column is not None else None),
                "date": measure.day.isoformat(), "before": old, "after": new,
                "share_change": change, "share_p_value": _round_p(share_p),
                "negative_share_change": (None if old["negative_share"] is None or new["negative_share"] is None
                                          else round(new["negative_share"] - old["negative_share"], 4)),
                "negative_share_p_value": _round_p(negative_p),
                "test": "two-proportion z-test, two-sided",
                "small_sample": _small(before.with_category, before.comments, after.with_category, after.comments),
                "verdict": verdict,
            })
        return out


def _round_p(p):
    return None if p is None else float(f"{p:.3g}")
