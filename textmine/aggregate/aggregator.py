"""Aggregate annotated comments into what an analyst asks for.

Pain points and their share, the short board of each customer segment, the
trend per month and ISO week, alerts on a rising issue, the pain points that
drag the score down most (drivers), keywords and the worst verbatims. Rows
stream through an Aggregator that keeps counts and sums, never the rows, so
memory does not grow with the input.

    >>> agg = Aggregator(segment_columns=["地区类型"]).add_many(rows)
    >>> summary = to_json_summary(agg.result(rows_read=2000))

This module holds the Aggregator, the AnalysisResult it builds and the JSON
summary; the statistical tests behind short boards, alerts and drivers (Fisher,
Poisson, score impact) are in ``analyze_stats``.
"""

import heapq
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from textmine.aggregate.stats import (
    _pvalue, _ratio, _round, rising_alerts, score_drivers, short_board)
from textmine.memo import BoundedMemo
from textmine.io.columns import number_or_none, parse_date, period_of
from textmine.painpoints.taxonomy import OTHER, Taxonomy

EMPTY_VALUE = "(空)"
OVERFLOW_VALUE = "(其他值)"
PERIODS = ("month", "week")


# ---------------------------------------------------------------- aggregation
@dataclass
class AnalysisResult:
    """Everything the reports need; plain data (dicts, lists, numbers, strings).

    ``category_names`` maps every code of the run's taxonomy (and ``other``) to
    its name, for the codes in trends, segments and verbatims.
    """

    rows: dict
    overview: dict
    sentiment: dict
    categories: list
    segments: dict
    trends: dict
    alerts: list
    drivers: list
    keywords: list = field(default_factory=list)
    word_pairs: list = field(default_factory=list)
    verbatims: dict = field(default_factory=dict)
    topics: list = field(default_factory=list)
    effects: list = field(default_factory=list)  # effect tracking (textmine.aggregate.effect), when asked for
    category_names: dict = field(default_factory=dict)

    def category_name(self, code):
        """The name a report shows for a category code; an unknown code is its own name."""
        if code in self.category_names:
            return self.category_names[code]
        return next((item["name"] for item in self.categories if item["code"] == code), code)


class _Stats:
    """Counts and score sums for one slice of the rows (a segment value or a period)."""

    __slots__ = ("rows", "neg", "score_n", "score_sum", "cat", "cat_neg")

    def __init__(self):
        self.rows = self.neg = self.score_n = 0
        self.score_sum = 0.0
        self.cat = Counter()
        self.cat_neg = Counter()

    def add(self, categories, negative, score):
        self.rows += 1
        self.neg += negative
        if score is not None:
            self.score_n += 1
            self.score_sum += score
        for code in categories:
            self.cat[code] += 1
            if negative:
                self.cat_neg[code] += 1


PERIOD_MEMO_SIZE = 100_000  # distinct date cells whose periods are remembered


def _periods_of_cell(value):
    day = parse_date(value)
    return None if day is None else tuple(period_of(day, by) for by in PERIODS)


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
                 baseline=None, max_segment_values=100, max_word_pairs=50_000,
                 include_duplicates=False):
        self.segment_columns = list(segment_columns)
        self.date_column, self.score_column = date_column, score_column
        self.score_scale = score_scale
        self.taxonomy = Taxonomy.load() if taxonomy is None else taxonomy
        self.verbatims_per_category = verbatims_per_category
        self.min_support, self.alpha = min_support, alpha
        self.alert_p, self.alert_min_count, self.alert_min_ratio = alert_p, alert_min_count, alert_min_ratio
        self.baseline = {"month": 6, "week": 8, **(baseline or {})}  # periods before the last one
        self.max_segment_values, self.max_word_pairs = max_segment_values, max_word_pairs
        self.include_duplicates = include_duplicates
        self.received = 0
        self.excluded = Counter()
        self.sentiment = Counter()
        self.all = _Stats()
        self.cat_score = defaultdict(lambda: [0, 0.0])  # code -> [scored rows, score sum]
        self.sent_sum = 0.0
        self.cat_sent = Counter()
        self.score_hist = Counter()
        self.undated = 0
        self.segments = {column: defaultdict(_Stats) for column in self.segment_columns}
        self.periods = {by: defaultdict(_Stats) for by in PERIODS}
        self.words, self.neg_words, self.pairs = Counter(), Counter(), Counter()
        self._verbatims = defaultdict(list)  # code -> heap of (-sentiment_score, -seq, item)
        self._periods = BoundedMemo(PERIOD_MEMO_SIZE, _periods_of_cell)  # date cell -> periods or None
        self._seq = 0

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
        sent = annotation.sentiment_score
        self.sentiment[label] += 1
        self.all.add(codes, negative, score)
        self.sent_sum += sent
        for code in codes:
            self.cat_sent[code] += sent
            if score is not None:
                self.cat_score[code][0] += 1
                self.cat_score[code][1] += score
        if score is not None:
            self.score_hist[score] += 1
        for column in self.segment_columns:
            value = row.get(column)
            value = EMPTY_VALUE if value is None or str(value).strip() == "" else str(value).strip()
            groups = self.segments[column]
            if value not in groups and len(groups) >= self.max_segment_values:
                value = OVERFLOW_VALUE
            groups[value].add(codes, negative, score)
        periods = self._periods_of(row.get(self.date_column)) if self.date_column else None
        if periods is None:
            self.undated += 1
        else:
            for by, period in zip(PERIODS, periods):
                self.periods[by][period].add(codes, negative, score)
        self._add_tokens(annotation.content_words, negative)
        self._add_verbatim(codes, comment, label, sent, score)

    def add_many(self, rows):
        """Count every row of an iterable; returns self so calls chain."""
        for row in rows:
            self.add(row)
        return self

    def _periods_of(self, value):
        """The period of each granularity for a date cell, or None."""
        try:
            return self._periods[value]
        except TypeError:  # an unhashable cell value: not a date anyway
            return None

    def _add_tokens(self, tokens, negative):
        if not tokens:
            return
        words = list(tokens)
        self.words.update(words)
        if negative:
            self.neg_words.update(words)
        unique = sorted(set(words))[:30]  # bounds the pairs a long comment adds
        self.pairs.update(combinations(unique, 2))
        if len(self.pairs) > self.max_word_pairs:
            # Keep at most the frequent half: pair counts become approximate, memory stays
            # bounded. A cut-off count, not a heap: this runs every few thousand rows.
            counts = sorted(self.pairs.values(), reverse=True)
            cut = counts[self.max_word_pairs // 2]
            self.pairs = Counter({pair: n for pair, n in self.pairs.items() if n > cut})

    def _add_verbatim(self, codes, comment, label, sent, score):
        text = str(comment.text or "").strip()
        if not text or self.verbatims_per_category <= 0:
            return
        self._seq += 1
        key = (-sent, -self._seq)  # heap top = least negative, latest: dropped first
        item = None  # built only if a heap takes it
        for code in codes:
            heap = self._verbatims[code]
            if len(heap) >= self.verbatims_per_category and key <= heap[0][:2]:
                continue
            if item is None:
                item = {"text": text, "sentiment": label, "sentiment_score": sent, "score": score,
                        **{column: comment.row.get(column) for column in self.segment_columns}}
            if len(heap) < self.verbatims_per_category:
                heapq.heappush(heap, key + (item,))
            else:
                heapq.heapreplace(heap, key + (item,))

    # ------------------------------------------------------------ result
    def result(self, *, rows_read=None, skipped_by_reason=None, topics=None):
        """Build the AnalysisResult; row accounting of the reader comes from the caller."""
        skipped = {str(k): int(v) for k, v in dict(skipped_by_reason or {}).items()}
        analysed = self.all.rows
        rows = {"read": self.received + sum(skipped.values()) if rows_read is None else int(rows_read),
                "analyzed": analysed, "skipped": sum(skipped.values()), "skipped_by_reason": skipped,
                "excluded": sum(self.excluded.values()), "excluded_by_reason": dict(self.excluded)}
        sentiment = {label: self.sentiment.get(label, 0) for label in ("pos", "neu", "neg")}
        return AnalysisResult(
            rows=rows, overview=self._overview(sentiment), sentiment=sentiment,
            categories=self._category_table(), segments=self._segment_tables(),
            trends=self._trends(), alerts=self._alerts(), drivers=self._drivers(),
            keywords=[{"word": w, "count": n, "negative": self.neg_words.get(w, 0)}
                      for w, n in self.words.most_common(50)],
            word_pairs=[{"words": list(pair), "count": n} for pair, n in self.pairs.most_common(30) if n > 1],
            verbatims={code: [item for _, _, item in sorted(heap, reverse=True)]
                       for code, heap in sorted(self._verbatims.items(), key=lambda kv: self._order(kv[0]))},
            topics=self._topics(topics), category_names=self.taxonomy.names,
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
            "average_score": _round(self.all.score_sum / scored) if scored else None,
            "nps": nps, "average_sentiment": _round(self.sent_sum / n) if n else None,
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
            with_n, with_sum = self.cat_score.get(code, (0, 0.0))
            rest_n, rest_sum = self.all.score_n - with_n, self.all.score_sum - with_sum
            table.append({
                "code": code, "name": self.taxonomy.name(code), "count": count,
                "share": _ratio(count, n), "negative": self.all.cat_neg.get(code, 0),
                "negative_share": _ratio(self.all.cat_neg.get(code, 0), count),
                "avg_score_with": _round(with_sum / with_n) if with_n else None,
                "avg_score_without": _round(rest_sum / rest_n) if rest_n else None,
            })
        table.sort(key=lambda r: (r["code"] == OTHER, -r["count"], self._order(r["code"])))
        return table

    def _segment_tables(self):
        tables = {}
        for column, groups in self.segments.items():
            entries = [self._segment_entry(value, stats) for value, stats in groups.items()]
            entries.sort(key=lambda e: (e["short_board"] is None, 1.0 if e["p_value"] is None else e["p_value"],
                                        -e["rows"], e["value"]))
            tables[column] = entries
        return tables

    def _segment_entry(self, value, group):
        pains = [(n, code) for code, n in group.cat_neg.items() if code != OTHER and n]
        top = max(pains, key=lambda item: (item[0], -self._order(item[1])[1]))[1] if pains else None
        best = short_board(group, self.all, self._codes(),
                           min_support=self.min_support, alpha=self.alpha)
        return {
            "value": value, "rows": group.rows, "negative": group.neg,
            "negative_share": _ratio(group.neg, group.rows),
            "avg_score": _round(group.score_sum / group.score_n) if group.score_n else None,
            "top_pain_point": top, "short_board": best[0] if best else None,
            "lift": (None if math.isinf(best[1]) else _round(best[1])) if best else None,
            "p_value": _pvalue(best[2]) if best else None,
            "share_in_group": _round(best[3]) if best else None,
            "share_elsewhere": _round(best[4]) if best else None,
        }

    def _trends(self):
        trends = {}
        for by, table in self.periods.items():
            periods = sorted(table)
            codes = [c for c in self._codes() + [OTHER] if any(table[p].cat.get(c) for p in periods)]
            totals = [table[p].rows for p in periods]
            counts = {c: [table[p].cat.get(c, 0) for p in periods] for c in codes}
            trends[by] = {"periods": periods, "totals": totals, "counts": counts,
                          "shares": {c: [_ratio(n, t) for n, t in zip(counts[c], totals)] for c in codes},
                          "negative": [table[p].neg for p in periods],
                          "avg_score": [_round(table[p].score_sum / table[p].score_n) if table[p].score_n else None
                                        for p in periods]}
        return trends

    def _alerts(self):
        return rising_alerts(self.periods, self._codes(), self.taxonomy.names,
                             baseline=self.baseline, alert_p=self.alert_p,
                             alert_min_count=self.alert_min_count,
                             alert_min_ratio=self.alert_min_ratio)

    def _drivers(self):
        basis, total_n, total_sum, per_cat = "score", self.all.score_n, self.all.score_sum, self.cat_score
        if total_n < self.min_support:
            # No score column: use P(positive) x 10 so drivers still rank the pain points.
            basis, total_n, total_sum = "sentiment", self.all.rows, self.sent_sum * 10
            per_cat = {code: (self.all.cat[code], self.cat_sent[code] * 10) for code in self.all.cat}
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


def to_json_summary(result):
    """The machine-readable summary: fixed keys, lists sorted most important first.

        >>> summary = to_json_summary(agg.result())
        >>> summary["categories"][0]["code"]
    """
    return {
        "rows": {k: result.rows[k] for k in ("read", "analyzed", "skipped", "skipped_by_reason",
                                             "excluded", "excluded_by_reason")},
        "sentiment": dict(result.sentiment),
        "categories": [{k: c[k] for k in ("code", "name", "count", "share", "negative_share",
                                          "avg_score_with", "avg_score_without")} for c in result.categories],
        "segments": {column: [{k: e[k] for k in ("value", "rows", "top_pain_point", "short_board",
                                                 "lift", "p_value", "negative_share", "avg_score")}
                              for e in entries] for column, entries in result.segments.items()},
        "alerts": [{k: a[k] for k in ("category", "period", "count", "expected", "ratio", "p_value")}
                   for a in result.alerts],
        "drivers": [{k: d[k] for k in ("category", "impact", "mean_with", "mean_without", "share", "basis")}
                    for d in result.drivers],
        "topics": [{"id": t.get("id"), "label": t.get("label"), "words": list(t.get("words", [])),
                    "size": t.get("size"), "negative_share": t.get("negative_share"),
                    "top_category": t.get("top_category"), "category_overlap": t.get("category_overlap"),
                    "examples": list(t.get("examples", []))} for t in result.topics],
        "overview": dict(result.overview),
        "trends": result.trends,
        "keywords": result.keywords[:20],
    }
