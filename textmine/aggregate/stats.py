"""The statistics behind the analysis: short boards, alerts and drivers.

Each is a plain function over the counts an ``analyze.Aggregator`` keeps (never
the rows); the Aggregator calls them when it builds its result. All are
one-sided: "is this higher than expected?".

* short board: for a segment value and a category, Fisher's exact test of the
  category's share among the group's negative comments against its share among
  everyone else's negative comments. A group needs ``min_support`` negative
  comments; every category its negative comments hold is tested. The p-values
  of every test of the run (every segment column, value and category) are
  adjusted together (Benjamini-Hochberg: the false discovery rate is held at
  ``alpha`` over the run, not per group), and a group's short board is its
  significant category with the largest lift.
* alert: for the last period, a Poisson test of the category's count against
  expected = (its share over the previous ``baseline`` periods) x (rows in the
  last period); an alert needs p < ``alert_p``, count >= ``alert_min_count``
  and count / expected >= ``alert_min_ratio``.
* driver: impact = (mean score without the category - mean score with it) x
  share of scored comments with it = how much the average would rise if those
  comments scored like the rest.

Numbers are rounded here as the reports show them (``_round``, ``_ratio``, ``_pvalue``).
"""

import math

from textmine.aggregate.significance import fisher_greater, poisson_at_least


def segment_tests(group, total, codes, *, min_support):
    """Every test of one group: ``(code, lift, p, share in the group, share elsewhere)`` per category.

    ``group`` and ``total`` are the counts of the group and of every analysed row
    (``.neg`` and ``.cat_neg``); ``codes`` are the categories in report order.
    A group with fewer than ``min_support`` negative comments, or with all of
    them, is not tested. ``p`` is the one-sided Fisher p-value, not adjusted.

        >>> segment_tests(rural, everyone, ["coverage", "pricing"], min_support=5)[0][0]
        'coverage'
    """
    rest_neg = total.neg - group.neg
    if group.neg < min_support or rest_neg <= 0:
        return []
    tests = []
    for code in codes:
        a = group.cat_neg.get(code, 0)
        if not a:
            continue
        b = total.cat_neg[code] - a
        p = fisher_greater([[a, group.neg - a], [b, rest_neg - b]])
        share_in, share_out = a / group.neg, b / rest_neg
        tests.append((code, share_in / share_out if share_out else math.inf, p, share_in, share_out))
    return tests


def benjamini_hochberg(p_values):
    """Benjamini-Hochberg adjusted p-values, in the order given.

    A test whose adjusted p-value is below ``alpha`` is a discovery with the
    false discovery rate held at ``alpha`` over all the tests passed together.

        >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.5])
        [0.04, 0.0533..., 0.0533..., 0.5]
    """
    count = len(p_values)
    order = sorted(range(count), key=lambda index: p_values[index])
    adjusted = [1.0] * count
    running = 1.0
    for rank in range(count, 0, -1):  # from the largest p-value down: adjusted values never decrease with p
        index = order[rank - 1]
        running = min(running, p_values[index] * count / rank)
        adjusted[index] = min(1.0, running)
    return adjusted


def short_board(tests, adjusted, *, alpha):
    """A group's short board from its tests and their adjusted p-values, or None.

    The category that is over-represented (lift > 1) and significant (adjusted
    p < ``alpha``) with the largest lift. Returns ``(code, lift, p, adjusted p,
    share in the group, share elsewhere)``.

        >>> short_board(tests, benjamini_hochberg([t[2] for t in tests]), alpha=0.05)[0]
        'coverage'
    """
    best = None
    for (code, lift, p, share_in, share_out), q in zip(tests, adjusted):
        if q < alpha and lift > 1 and (best is None or (lift, -p) > (best[1], -best[2])):
            best = (code, lift, p, q, share_in, share_out)
    return best


def rising_alerts(period_tables, codes, category_names, *, baseline, alert_p, alert_min_count,
                  alert_min_ratio):
    """Categories whose count in the last period is well above their baseline share.

    ``period_tables``: granularity -> {period: counts (``.rows``, ``.cat``)};
    ``baseline``: granularity -> how many periods before the last one form the baseline;
    ``category_names``: code -> the name an alert shows (a ``Taxonomy``'s ``names``).
    Most significant first.

        >>> rising_alerts(agg.periods, ["billing"], taxonomy.names, baseline={"month": 6},
        ...               alert_p=0.01, alert_min_count=5, alert_min_ratio=1.5)[0]["period"]
        '2026-11'
    """
    alerts = []
    for by, table in period_tables.items():
        periods = sorted(table)
        if len(periods) < 3:
            continue
        last, history = periods[-1], periods[-1 - baseline.get(by, 6):-1]
        base_rows = sum(table[p].rows for p in history)
        volume = table[last].rows
        if base_rows == 0 or volume == 0:
            continue
        for code in codes:
            count = table[last].cat.get(code, 0)
            base = sum(table[p].cat.get(code, 0) for p in history)
            # A category never seen in the baseline counts as half a comment there.
            expected = max(base, 0.5) / base_rows * volume
            p = poisson_at_least(count, expected)
            if count >= alert_min_count and count / expected >= alert_min_ratio and p < alert_p:
                alerts.append({"category": code, "name": category_names.get(code, code), "period": last,
                               "granularity": by, "count": count, "expected": _round(expected, 2),
                               "ratio": _round(count / expected, 2), "p_value": _pvalue(p),
                               "baseline_periods": [history[0], history[-1]]})
    alerts.sort(key=lambda a: (a["p_value"], -a["ratio"], a["granularity"]))
    return alerts


def score_drivers(per_category, total_n, total_sum, codes, category_names, order, *,
                  basis, min_support):
    """The categories that pull the mean score down most, largest impact first.

    ``per_category``: code -> (rows with the category, their score sum);
    ``total_n``, ``total_sum``: the same over all rows; ``order``: the report
    order of a code, to break ties; ``basis`` ("score" or "sentiment") is copied
    into each entry.

        >>> score_drivers({"billing": (10, 30.0)}, 100, 700.0, ["billing"], {"billing": "计费扣费"}, str,
        ...               basis="score", min_support=5)[0]["impact"]
        0.4444
    """
    drivers = []
    for code in codes:
        with_n, with_sum = per_category.get(code, (0, 0.0))
        if with_n < min_support or total_n - with_n <= 0:
            continue
        mean_with, mean_without = with_sum / with_n, (total_sum - with_sum) / (total_n - with_n)
        drivers.append({"category": code, "name": category_names.get(code, code),
                        "impact": _round((mean_without - mean_with) * with_n / total_n),
                        "mean_with": _round(mean_with), "mean_without": _round(mean_without),
                        "share": _ratio(with_n, total_n), "rows": with_n, "basis": basis})
    drivers.sort(key=lambda d: (-d["impact"], order(d["category"])))
    return drivers


def _round(value, digits=4):
    return None if value is None else round(float(value), digits)


def _ratio(part, whole):
    return round(part / whole, 4) if whole else 0.0


def _pvalue(p):
    return float(f"{p:.3g}")
