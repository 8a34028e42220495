"""Aggregate annotated comments into what an analyst asks for.

Pain points and their share, the short board of each customer segment, the
trend per month and ISO week, alerts on a rising issue, the pain points that
drag the score down most (drivers), keywords and the worst verbatims. Rows
stream through an Aggregator that keeps counts and sums and a seeded sample of
at most 50,000 comments (word pairs and root causes are counted on it,
``sample``), never all the rows, so memory does not grow with the input.

    >>> agg = Aggregator(segment_columns=["地区类型"]).add_many(rows)
    >>> summary = to_json_summary(agg.result(rows_read=2000))

This module holds the Aggregator; the AnalysisResult it builds and the JSON
summary are in ``result``, the statistical tests behind short boards, alerts and
drivers (Fisher with Benjamini-Hochberg over the run, Poisson, score impact) in
``stats``.
"""

import functools
import heapq
import math
from collections import Counter, defaultdict

from textmine.aggregate.stats import (
    _pvalue, _ratio, _round, benjamini_hochberg, rising_alerts, score_drivers, segment_tests, short_board)
from textmine.aggregate.result import AnalysisResult
from textmine.aggregate.insights import GroupInsights, requested_reasons
from textmine.aggregate.root_causes import reason_examples
from textmine.aggregate.sample import SAMPLE_SIZE, CommentSample, word_pairs
from textmine.aggregate.units import SENTIMENT_UNITS, as_float, mean_of_units, score_units
from textmine.memo import BoundedMemo
from textmine.io.columns import auto_period, number_or_none, parse_date, period_bounds, period_end, period_of
from textmine.painpoints.taxonomy import OTHER, Taxonomy
from textmine.text.clean import to_simplified
from textmine.text.dedupe import comparison_key

EMPTY_VALUE = "(空)"
OVERFLOW_VALUE = "(其他值)"
PERIODS = ("month", "week")
PERIOD_CHOICES = ("auto", *PERIODS)  # auto: week for dates spanning up to half a year, else month


# ---------------------------------------------------------------- aggregation
class _Stats:
    """Counts and score sums for one slice of the rows (a segment value or a period)."""

    __slots__ = ("rows", "neg", "score_n", "score_units", "cat", "cat_neg")

    def __init__(self):
        self.rows = self.neg = self.score_n = self.score_units = 0
        self.cat = Counter()
        self.cat_neg = Counter()

    def add(self, categories, negative, units):
        """Count one row; ``units``: its score in ``SCORE_UNITS``, or None."""
        self.rows += 1
        self.neg += negative
        if units is not None:
            self.score_n += 1
            self.score_units += units
        for code in categories:
            self.cat[code] += 1
            if negative:
                self.cat_neg[code] += 1

    def merge(self, other):
        self.rows += other.rows
        self.neg += other.neg
        self.score_n += other.score_n
        self.score_units += other.score_units
        self.cat.update(other.cat)
        self.cat_neg.update(other.cat_neg)


PERIOD_MEMO_SIZE = 100_000  # distinct date cells whose periods are remembered
READING_CHARS = 2000  # of an example's text, the characters that tell it from another
READING_MEMO_SIZE = 4096  # distinct example texts whose reading is remembered (of READING_CHARS at most)


def reading_of(text):
    """What tells one reply from another: the duplicate check's comparison key of the simplified text.

    满意！！！, 满意!, 滿意 and 满意 read alike, and so do OK and ｏｋ. Light on
    purpose: it runs for every example offered, long comments included (cleaning
    it in full could take minutes on a pathological 1 MB cell).

        >>> reading_of("滿意！！ＯＫ")
        '满意ok'
    """
    return _reading_of_start(text[:READING_CHARS])


@functools.lru_cache(maxsize=READING_MEMO_SIZE)
def _reading_of_start(text):
    # Remembered: the examples offered are mostly the same few short replies (满意, 无) again and again.
    return comparison_key(to_simplified(text))


def _periods_of_cell(value):
    """(the day, then its period of each granularity) for a date cell, or None."""
    day = parse_date(value)
    return None if day is None else (day, *(period_of(day, by) for by in PERIODS))


class Aggregator:
    """Streaming summary of annotated rows; memory is bounded, whatever the row count.

    Duplicates (``duplicate_of`` set) and flagged rows (``flag`` set) are counted
    but not analysed, as the operators' workflow filters them first. Every table
    lists the categories of ``taxonomy`` (default: the packaged one) by their
    names, ``other`` last when some comment has none; a code outside the
    taxonomy still counts, after the taxonomy's own, named by its code.
        >>> agg = Aggregator(segment_columns=["年龄段"], taxonomy=Taxonomy.load("my_taxonomy.tsv"))
        >>> result = agg.add_many(rows).result(rows_read=len(rows))
    """

    def __init__(self, *, segment_columns=(), date_column=None, score_column=None, score_scale=None,
                 taxonomy=None, verbatims_per_category=20,
                 min_support=5, alpha=0.05, alert_p=0.01, alert_min_count=5, alert_min_ratio=1.5,
                 baseline=None, max_segment_values=100, sample_size=SAMPLE_SIZE,
                 include_duplicates=False, period="auto", bands=None, seed=0, reasons=()):
        self._settings = {name: value for name, value in locals().items() if name not in ("self", "__class__")}
        self.segment_columns = list(segment_columns)
        self.date_column, self.score_column = date_column, score_column
        self.score_scale = score_scale
        self.taxonomy = Taxonomy.load() if taxonomy is None else taxonomy
        self.verbatims_per_category = verbatims_per_category
        self.min_support, self.alpha = min_support, alpha
        self.alert_p, self.alert_min_count, self.alert_min_ratio = alert_p, alert_min_count, alert_min_ratio
        self.baseline = {"month": 6, "week": 8, **(baseline or {})}  # periods before the last one
        self.max_segment_values = max_segment_values
        self.include_duplicates = include_duplicates
        if period not in PERIOD_CHOICES:
            raise ValueError(f"period must be one of {', '.join(PERIOD_CHOICES)}, not {period!r}")
        self.period = period
        self.first_day = self.last_day = None
        self.received = 0
        self.excluded = Counter()
        self.sentiment = Counter()
        self.all = _Stats()
        self.cat_score = {}  # code -> [scored rows, score sum in SCORE_UNITS]
        self.sent_units = 0  # sentiment scores summed, in SENTIMENT_UNITS
        self.cat_sent = Counter()  # the same by category
        self.score_hist = Counter()
        self.undated = 0
        self.bands = dict(bands or {})  # segment column -> ValueBands: numbers read in bands
        self.reason_requests = list(reasons)  # insights.ReasonRequest: groups whose reasons were asked for
        self.insights = GroupInsights(self.segment_columns, [code for code in self.taxonomy.codes if code != OTHER])
        self.segments = {column: defaultdict(_Stats) for column in self.segment_columns}
        self.periods = {by: defaultdict(_Stats) for by in PERIODS}
        self.words, self.neg_words = Counter(), Counter()
        self.sample = CommentSample(sample_size, seed)  # word pairs and root causes are counted on it
        self._verbatims = defaultdict(list)  # code -> heap of (-sentiment_score, -number, -arrival, item, reading)
        self._periods = BoundedMemo(PERIOD_MEMO_SIZE, _periods_of_cell)  # date cell -> periods or None
        self._arrivals = 0

    def add(self, comment):
        """Count one ``textmine.record.Comment``."""
        self.received += 1
        annotation, row = comment.annotation, comment.row
        if annotation.flag:
            self.excluded[annotation.flag] += 1
            return
        if comment.duplicate_of is not None and not self.include_duplicates:
            self.excluded["duplicate"] += 1
            return
        codes = list(annotation.codes) or [OTHER]
        label = annotation.sentiment
        negative = label == "neg"
        score = number_or_none(row.get(self.score_column)) if self.score_column else None
        units = None if score is None else score_units(score)
        sent = annotation.sentiment_score
        sent_units = round(sent * SENTIMENT_UNITS)
        self.sentiment[label] += 1
        self.all.add(codes, negative, units)
        self.sent_units += sent_units
        for code in codes:
            self.cat_sent[code] += sent_units
            if units is not None:
                scored = self.cat_score.get(code)
                if scored is None:
                    scored = self.cat_score[code] = [0, 0]
                scored[0] += 1
                scored[1] += units
        if score is not None:
            self.score_hist[score] += 1
        groups_of = {}
        for column in self.segment_columns:
            value = row.get(column)
            if column in self.bands:
                value = self.bands[column].label(value)
            value = EMPTY_VALUE if value is None or str(value).strip() == "" else str(value).strip()
            groups = self.segments[column]
            if value not in groups and self.max_segment_values is not None \
                    and len(groups) >= self.max_segment_values:
                value = OVERFLOW_VALUE
            groups[value].add(codes, negative, units)
            groups_of[column] = value
        self.insights.add(annotation, score)
        self.sample.offer(comment.number, lambda: (annotation.content_words or (), label, codes,
                                                   [groups_of[column] for column in self.segment_columns],
                                                   comment.text))
        dated = self._periods_of(row.get(self.date_column)) if self.date_column else None
        if dated is None:
            self.undated += 1
        else:
            day = dated[0]
            if self.first_day is None or day < self.first_day:
                self.first_day = day
            if self.last_day is None or day > self.last_day:
                self.last_day = day
            for by, period in zip(PERIODS, dated[1:]):
                self.periods[by][period].add(codes, negative, units)
        self._add_tokens(annotation.content_words, negative)
        self._add_verbatim(codes, comment, label, sent, score)

    def add_many(self, rows):
        """Count every row of an iterable; returns self so calls chain."""
        for row in rows:
            self.add(row)
        return self

    def _periods_of(self, value):
        """(the day, its period of each granularity) for a date cell, or None."""
        try:
            return self._periods[value]
        except TypeError:  # an unhashable cell value: not a date anyway
            return None

    def _add_tokens(self, tokens, negative):
        if not tokens:
            return
        self.words.update(tokens)
        if negative:
            self.neg_words.update(tokens)

    def _add_verbatim(self, codes, comment, label, sent, score):
        text = str(comment.text or "").strip()
        if not text or self.verbatims_per_category <= 0:
            return
        self._arrivals += 1
        # Heap top = least negative, latest: dropped first. Row numbers rank the verbatims the same
        # however the rows were split (``merge``); arrival breaks a tie of rows given one number.
        key = (-sent, -comment.number, -self._arrivals)
        item = reading = None  # built only if a heap takes it
        for code in codes:
            if item is None:
                if not self._ranks_among_verbatims(code, key):
                    continue
                item = {"text": text, "sentiment": label, "sentiment_score": sent, "score": score,
                        **{column: comment.row.get(column) for column in self.segment_columns}}
                reading = (reading_of(text), sent)
            self._offer_verbatim(code, key, item, reading)

    def _ranks_among_verbatims(self, code, key):
        heap = self._verbatims[code]
        return len(heap) < self.verbatims_per_category or key > heap[0][:3]

    def _offer_verbatim(self, code, key, item, reading):
        """Keep ``item`` among ``code``'s verbatims if its key ranks it there and none kept reads the same.

        Short replies are not marked as duplicates (many customers write 信号差 in
        their own words, and some in the same), but the examples show each reply
        once. ``reading`` is ``reading_of`` the text (滿意 and 满意, 满意！！！ and
        满意!, OK and ok are one reply) with its sentiment score. The one kept is
        its first row: a later row of the same reading has the same score and
        ranks below it, so skipping it keeps what ranks, however the rows were
        split (``merge``). Without the score in it, a later row could rank above
        the first, and which one is kept would depend on the split.
        """
        heap = self._verbatims[code]
        if any(entry[4] == reading for entry in heap):
            return
        if len(heap) < self.verbatims_per_category:
            heapq.heappush(heap, (*key, item, reading))
        elif key > heap[0][:3]:
            heapq.heapreplace(heap, (*key, item, reading))

    # ------------------------------------------------------------ merge
    def partial(self):
        """An empty Aggregator with these settings, for a part of the rows to be ``merge``d into this one.

        It keeps every group value it meets: only the whole run knows which groups
        come first and which fold into ``(其他值)`` (``max_segment_values``).
        """
        part = Aggregator(**{**self._settings, "max_segment_values": None})
        part.sample.ceiling = self.sample.bound  # what cannot enter the sample is not sent back
        return part

    def merge(self, other):
        """Add the counts of ``other`` (a ``partial()`` of the rows that come after this one's).

        The result is the one of adding every row to this Aggregator in turn:
        counters keep their first-seen order, score sums are integers, the
        verbatims and the sample are ranked by row number, and the groups past
        ``max_segment_values`` fold into ``(其他值)`` as they would have.
        """
        self.received += other.received
        self.excluded.update(other.excluded)
        self.sentiment.update(other.sentiment)
        self.all.merge(other.all)
        for code, (n, units) in other.cat_score.items():
            scored = self.cat_score.setdefault(code, [0, 0])
            scored[0] += n
            scored[1] += units
        self.sent_units += other.sent_units
        self.cat_sent.update(other.cat_sent)
        self.score_hist.update(other.score_hist)
        self.undated += other.undated
        for day in (other.first_day, other.last_day):
            if day is not None:
                self.first_day = day if self.first_day is None or day < self.first_day else self.first_day
                self.last_day = day if self.last_day is None or day > self.last_day else self.last_day
        renamed = {}  # column -> {group value of other: its group here}
        for column in self.segment_columns:
            groups, names = self.segments[column], renamed.setdefault(column, {})
            for value, stats in other.segments[column].items():
                if value not in groups and self.max_segment_values is not None \
                        and len(groups) >= self.max_segment_values:
                    names[value] = OVERFLOW_VALUE
                    value = OVERFLOW_VALUE
                groups[value].merge(stats)
        self.insights.merge(other.insights)
        columns = self.segment_columns
        if any(renamed.values()):
            self.sample.merge(other.sample, lambda index, value: renamed[columns[index]].get(value, value))
        else:
            self.sample.merge(other.sample)
        for by in PERIODS:
            for period, stats in other.periods[by].items():
                self.periods[by][period].merge(stats)
        self.words.update(other.words)
        self.neg_words.update(other.neg_words)
        for code, heap in other._verbatims.items():
            for entry in heap:
                self._arrivals += 1
                self._offer_verbatim(code, (*entry[:2], -self._arrivals), entry[3], entry[4])
        return self

    # ------------------------------------------------------------ result
    def result(self, *, rows_read=None, skipped_by_reason=None, topics=None):
        """Build the AnalysisResult; row accounting of the reader comes from the caller."""
        skipped = {str(k): int(v) for k, v in dict(skipped_by_reason or {}).items()}
        analysed = self.all.rows
        rows = {"read": self.received + sum(skipped.values()) if rows_read is None else int(rows_read),
                "analyzed": analysed, "skipped": sum(skipped.values()), "skipped_by_reason": skipped,
                "excluded": sum(self.excluded.values()), "excluded_by_reason": dict(self.excluded)}
        sentiment = {label: self.sentiment.get(label, 0) for label in ("pos", "neu", "neg")}
        self.insights.count_terms(self.sample)
        segments, fdr = self._segment_tables()
        granularity = auto_period(self.first_day, self.last_day) if self.period == "auto" else self.period
        period = {"granularity": granularity, "requested": self.period,
                  "first_date": self.first_day and self.first_day.isoformat(),
                  "last_date": self.last_day and self.last_day.isoformat()}
        return AnalysisResult(period=period,
            rows=rows, overview=self._overview(sentiment), sentiment=sentiment,
            categories=self._category_table(), segments=segments, fdr=fdr,
            trends=self._trends(), alerts=self._alerts(), drivers=self._drivers(),
            keywords=[{"word": w, "count": n, "negative": self.neg_words.get(w, 0)}
                      for w, n in self.words.most_common(50)],
            word_pairs=[{"words": list(pair), "count": n} for pair, n in word_pairs(self.sample)],
            verbatims={code: [entry[3] for entry in sorted(heap, key=lambda entry: entry[:3], reverse=True)]
                       for code, heap in sorted(self._verbatims.items(), key=lambda kv: self._order(kv[0]))},
            topics=self._topics(topics), category_names=self.taxonomy.names,
            kano=self.insights.kano(self.taxonomy.names),
            reasons=requested_reasons(self.reason_requests, self.insights, self.segments, segments,
                                      self.taxonomy.names),
        )

    def _order(self, code):
        """(is other, position in the taxonomy, code): ``other`` last even after unknown codes."""
        return (code == OTHER, *self.taxonomy.order(code))

    def _scale(self):
        if self.score_scale:
            return self.score_scale
        if not self.score_hist:
            return None
        return "0-10" if max(self.score_hist) > 5 or min(self.score_hist) < 1 else "1-5"

    def _overview(self, sentiment):
        n, scored = self.all.rows, self.all.score_n
        scale = self._scale()
        nps = None
        if scale == "0-10" and scored:
            promoters = sum(c for s, c in self.score_hist.items() if s >= 9)
            detractors = sum(c for s, c in self.score_hist.items() if s <= 6)
            nps = round(100 * (promoters - detractors) / scored, 1)
        return {
            "rows_received": self.received, "rows_analyzed": n,
            "duplicates": self.excluded.get("duplicate", 0),
            "flagged": sum(c for k, c in self.excluded.items() if k != "duplicate"),
            "sentiment_share": {k: _ratio(v, n) for k, v in sentiment.items()},
            "scored_rows": scored, "score_scale": scale,
            "average_score": _round(mean_of_units(self.all.score_units, scored)) if scored else None,
            "nps": nps, "average_sentiment": _round(mean_of_units(self.sent_units, n, SENTIMENT_UNITS)) if n else None,
            "undated_rows": self.undated,
            "with_pain_point": n - self.all.cat.get(OTHER, 0),
        }

    def _codes(self):
        seen = set(self.all.cat) | set(self.taxonomy.codes)
        return sorted(seen - {OTHER}, key=self._order)

    def _category_table(self):
        n = self.all.rows
        table = []
        for code in self._codes() + [OTHER]:
            count = self.all.cat.get(code, 0)
            if code == OTHER and not count:
                continue
            with_n, with_sum = self.cat_score.get(code, (0, 0))
            rest_n, rest_sum = self.all.score_n - with_n, self.all.score_units - with_sum
            table.append({
                "code": code, "name": self.taxonomy.name(code), "count": count,
                "share": _ratio(count, n), "negative": self.all.cat_neg.get(code, 0),
                "negative_share": _ratio(self.all.cat_neg.get(code, 0), count),
                "avg_score_with": _round(mean_of_units(with_sum, with_n)) if with_n else None,
                "avg_score_without": _round(mean_of_units(rest_sum, rest_n)) if rest_n else None,
            })
        table.sort(key=lambda r: (r["code"] == OTHER, -r["count"], self._order(r["code"])))
        return table

    def _segment_tables(self):
        """The segment tables and the ``fdr`` block: every test of the run is corrected together."""
        codes = self._codes()
        tests = {(column, value): segment_tests(stats, self.all, codes, min_support=self.min_support)
                 for column, groups in self.segments.items() for value, stats in groups.items()}
        adjusted = iter(benjamini_hochberg([test[2] for group in tests.values() for test in group]))
        tables = {}
        for column, groups in self.segments.items():
            entries = []
            for value, stats in groups.items():
                group_tests = tests[column, value]
                best = short_board(group_tests, [next(adjusted) for _ in group_tests], alpha=self.alpha)
                entry = self._segment_entry(value, stats, best)
                entry["short_board_reasons"] = self.insights.reasons(column, value, entry["short_board"]) \
                    if entry["short_board"] else []
                entry["short_board_examples"] = reason_examples(entry["short_board_reasons"])
                entries.append(entry)
            if column in self.bands:  # bands low to high, as a reader expects
                entries.sort(key=lambda e: self.bands[column].order(e["value"]))
            else:
                entries.sort(key=lambda e: (e["short_board"] is None, 1.0 if e["p_adjusted"] is None else e["p_adjusted"],
                                            1.0 if e["p_value"] is None else e["p_value"], -e["rows"], e["value"]))
            tables[column] = entries
        fdr = {"method": "benjamini-hochberg", "level": self.alpha,
               "tests": sum(map(len, tests.values())),
               "short_boards": sum(entry["short_board"] is not None for entries in tables.values()
                                   for entry in entries)}
        return tables, fdr

    def _segment_entry(self, value, group, best):
        pains = [(n, code) for code, n in group.cat_neg.items() if code != OTHER and n]
        top = max(pains, key=lambda item: (item[0], -self._order(item[1])[1]))[1] if pains else None
        return {
            "value": value, "rows": group.rows, "negative": group.neg,
            "negative_share": _ratio(group.neg, group.rows),
            "avg_score": _round(mean_of_units(group.score_units, group.score_n)) if group.score_n else None,
            "top_pain_point": top, "short_board": best[0] if best else None,
            "lift": (None if math.isinf(best[1]) else _round(best[1])) if best else None,
            "p_value": _pvalue(best[2]) if best else None,
            "p_adjusted": _pvalue(best[3]) if best else None,
            "share_in_group": _round(best[4]) if best else None,
            "share_elsewhere": _round(best[5]) if best else None,
        }

    def _trends(self):
        trends = {}
        for by, table in self.periods.items():
            periods = sorted(table)
            codes = [c for c in self._codes() + [OTHER] if any(table[p].cat.get(c) for p in periods)]
            totals = [table[p].rows for p in periods]
            counts = {c: [table[p].cat.get(c, 0) for p in periods] for c in codes}
            days = [self._days(p) for p in periods]
            trends[by] = {"periods": periods, "totals": totals, "counts": counts,
                          "shares": {c: [_ratio(n, t) for n, t in zip(counts[c], totals)] for c in codes},
                          "negative": [table[p].neg for p in periods],
                          "avg_score": [_round(mean_of_units(table[p].score_units, table[p].score_n))
                                        if table[p].score_n else None for p in periods],
                          "days_covered": [covered for covered, _ in days],
                          "partial": [covered < length for covered, length in days],
                          # Partial when the data ends before the period does: its counts are not comparable.
                          "last_date": self.last_day.isoformat() if periods else None,
                          "partial_last": bool(periods) and self.last_day < period_end(periods[-1], by)}
        return trends

    def _days(self, period):
        """(days of ``period`` within the dates seen, days of the period): a period the data starts
        or stops inside is partial, and its counts are not comparable with those of a whole one."""
        start, end = period_bounds(period)
        covered = (min(end, self.last_day) - max(start, self.first_day)).days + 1
        return covered, (end - start).days + 1

    def _alerts(self):
        """The alerts of every granularity; a partial last period is marked (its expected count
        already comes from its own rows, so it is compared fairly)."""
        alerts = rising_alerts(self.periods, self._codes(), self.taxonomy.names,
                               baseline=self.baseline, alert_p=self.alert_p,
                               alert_min_count=self.alert_min_count,
                               alert_min_ratio=self.alert_min_ratio)
        for alert in alerts:
            covered, length = self._days(alert["period"])
            alert.update(partial=covered < length, days_covered=covered, days_in_period=length)
        return alerts

    def _drivers(self):
        basis, total_n, total_sum = "score", self.all.score_n, as_float(self.all.score_units)
        per_cat = {code: (n, as_float(units)) for code, (n, units) in self.cat_score.items()}
        if total_n < self.min_support:
            # No score column: use P(positive) x 10 so drivers still rank the pain points.
            to_tens = SENTIMENT_UNITS // 10
            basis, total_n, total_sum = "sentiment", self.all.rows, self.sent_units / to_tens
            per_cat = {code: (self.all.cat[code], self.cat_sent[code] / to_tens) for code in self.all.cat}
        return score_drivers(per_cat, total_n, total_sum, self._codes(), self.taxonomy.names,
                             self._order, basis=basis, min_support=self.min_support)

    def _topics(self, topics):
        out = []
        for topic in topics or []:
            item = dict(topic)
            item.setdefault("words", [])
            item.setdefault("label", " ".join(map(str, item["words"][:3])))
            if item.get("size") is None:
                item["size"] = 0
            if "top_category" in item:
                code = item["top_category"]
                item["top_category_name"] = None if code is None else self.taxonomy.name(code)
            out.append(item)
        out.sort(key=lambda t: -(t.get("size") or 0))
        return out
