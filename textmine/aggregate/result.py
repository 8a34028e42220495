"""What an analysis found, as plain data, and its JSON summary for scripts.

The ``Aggregator`` (``textmine.aggregate.aggregator``) builds an ``AnalysisResult``;
the reports read it, and ``to_json_summary`` gives the fixed-key summary that
``--json`` writes.

    >>> summary = to_json_summary(aggregator.result())
    >>> summary["fdr"]["tests"], summary["period"]["granularity"]
"""

from dataclasses import dataclass, field


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
    category_names: dict = field(default_factory=dict)
    fdr: dict = field(default_factory=dict)  # how the short boards' tests were corrected, and how many
    period: dict = field(default_factory=dict)  # the granularity of the alerts, and the dates' range
    new_topics: list = field(default_factory=list)  # candidate new pain points (set by the topic pass)
    kano: list = field(default_factory=list)  # each mentioned category's KANO class (textmine.aggregate.kano)
    effects: list = field(default_factory=list)  # before/after a measure (textmine.aggregate.effect), when asked
    reasons: list = field(default_factory=list)  # what groups asked for say about a category (--reasons)

    def category_name(self, code):
        """The name a report shows for a category code; an unknown code is its own name."""
        if code in self.category_names:
            return self.category_names[code]
        return next((item["name"] for item in self.categories if item["code"] == code), code)


def to_json_summary(result):
    """The machine-readable summary: fixed keys, lists sorted most important first.

        >>> summary = to_json_summary(agg.result())
        >>> summary["categories"][0]["code"]
    """
    summary = {
        "rows": {k: result.rows[k] for k in ("read", "analyzed", "skipped", "skipped_by_reason",
                                             "excluded", "excluded_by_reason")},
        "sentiment": dict(result.sentiment),
        "categories": [{k: c[k] for k in ("code", "name", "count", "share", "negative_share",
                                          "avg_score_with", "avg_score_without")} for c in result.categories],
        "segments": {column: [{k: e[k] for k in ("value", "rows", "top_pain_point", "short_board",
                                                 "lift", "p_value", "p_adjusted", "negative_share", "avg_score")}
                              | {"short_board_reasons": [{k: r[k] for k in ("term", "score", "count")}
                                                         for r in e.get("short_board_reasons", [])],
                                 "short_board_examples": list(e.get("short_board_examples", []))}
                              for e in entries] for column, entries in result.segments.items()},
        "kano": [{k: entry[k] for k in ("category", "class", "penalty", "reward", "n_pos", "n_neg",
                                        "penalty_low", "penalty_high", "reward_low", "reward_high")}
                 for entry in result.kano],
        "fdr": dict(result.fdr),
        "period": dict(result.period),
        "alerts": [{k: a[k] for k in ("category", "period", "count", "expected", "ratio", "p_value", "partial",
                                      "days_covered", "days_in_period")}
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
    if result.reasons:  # only when asked for (analyze --reasons)
        summary["reasons"] = [{k: r[k] for k in ("column", "value", "category", "name", "rows", "mentions",
                                                 "negative", "short_board", "terms", "examples")}
                              for r in result.reasons]
    return summary
