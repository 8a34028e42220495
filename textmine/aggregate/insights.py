"""The deeper analyses the Aggregator feeds: root causes per customer group and KANO classes.

Kept apart from the Aggregator's counts because each keeps more than counts
(term counts per group and category, a regression's running sums) and each
answers one question of the operators' reports:

- what does a group say about its short board (``reasons``: distinctive terms
  with example comments, ``textmine.aggregate.root_causes``, counted on the
  Aggregator's sample of comments, ``textmine.aggregate.sample``);
- which needs are basic, performance or delighters (``kano``:
  ``textmine.aggregate.kano``).

The same reasons are given for any (group, category) an analyst asks for
(``analyze --reasons 年龄段=60以上:billing``), short board or not.

    >>> insights = GroupInsights(["地区类型"], ["coverage", "billing"])
    >>> insights.add(annotation, 3.0)
    >>> insights.count_terms(sample)
"""

from dataclasses import dataclass, replace

from textmine.aggregate.kano import KanoModel
from textmine.aggregate.root_causes import GroupTerms, reason_examples
from textmine.errors import MissingColumnError, OptionError

REASONS_PER_BOARD = 5  # distinctive terms shown for a short board (or a group asked for)
REASONS_FORM = "--reasons must be COLUMN=VALUE:CATEGORY, such as 年龄段=60以上:billing"


class GroupInsights:
    """Term counts per (segment value, category), from a sample, and the KANO regression, streamed."""

    def __init__(self, segment_columns, codes):
        self.segment_columns = list(segment_columns)
        self.terms = GroupTerms([], self.segment_columns)
        self.kano_model = KanoModel(codes)

    def add(self, annotation, score):
        """Count one analysed comment in the KANO regression (a comment without a score says nothing)."""
        if score is not None:
            self.kano_model.add(dict(annotation.aspects), score)

    def merge(self, other):
        """Add the KANO sums of ``other`` (the same groups and categories, other rows)."""
        self.kano_model.merge(other.kano_model)

    def count_terms(self, sample):
        """Count the terms of the groups on ``sample`` (a ``CommentSample``), for ``reasons``."""
        self.terms = GroupTerms(sample.items(), self.segment_columns, estimate=sample.estimate)

    def reasons(self, column, value, code, top=REASONS_PER_BOARD):
        """``[{"term", "score", "count", "examples"}]``: what sets the group apart on ``code``."""
        return self.terms.reasons(column, value, code, top=top)

    def said(self, column, value, code):
        """``{"terms": [{"term", "score", "count"}], "examples": [2 masked comments]}`` of a group on ``code``.

        The examples use the distinctive terms; when no term stands out, they
        are the group's comments on the category that use its commonest terms.
        """
        reasons = self.reasons(column, value, code)
        return {"terms": [{key: reason[key] for key in ("term", "score", "count")} for reason in reasons],
                "examples": reason_examples(reasons) or self.terms.common_examples(column, value, code)}

    def kano(self, names):
        """One entry per mentioned category with its KANO class, penalty and reward."""
        return self.kano_model.result(names)


@dataclass(frozen=True)
class ReasonRequest:
    """A (group, category) whose reasons an analyst asked for: ``年龄段=60以上:billing``."""

    spec: str
    column: str
    value: str
    category: str  # a code once ``check_reason_requests`` has read a name


def parse_reason_request(spec):
    """``COLUMN=VALUE:CATEGORY`` -> ReasonRequest; an OptionError (a usage error) otherwise.

    The value may hold a colon (the category is after the last one).

        >>> parse_reason_request("年龄段=60以上:billing").value
        '60以上'
    """
    text = str(spec).strip()
    group, colon, category = text.rpartition(":")
    column, equals, value = group.partition("=")
    if not (colon and equals and column.strip() and value.strip() and category.strip()):
        raise OptionError(f"{REASONS_FORM}, not {spec!r}")
    return ReasonRequest(text, column.strip(), value.strip(), category.strip())


def check_reason_requests(requests, taxonomy, segment_columns, columns):
    """The requests with each category as its code (given by code or by name).

    A category the taxonomy does not have, or a column that is no customer
    group of the run, is an OptionError; a column the input does not have at
    all a MissingColumnError (both one line naming the option).
    """
    checked = []
    for request in requests:
        code = taxonomy.code_of(request.category)
        if code is None:
            raise OptionError(f"--reasons {request.spec}: unknown category {request.category!r}; "
                              f"categories are: {', '.join(taxonomy.codes)}")
        if request.column not in segment_columns:
            if request.column not in columns:
                raise MissingColumnError(request.column, columns, f"--reasons {request.spec}")
            groups = ", ".join(segment_columns) or "none"
            raise OptionError(f"--reasons {request.spec}: {request.column!r} is not a customer-group column of "
                              f"this run ({groups}); give --segment-column {request.column}")
        checked.append(replace(request, category=code))
    return checked


def requested_reasons(requests, insights, segments, tables, names):
    """One entry per request: the group's counts on the category, its reasons and two examples.

    ``segments``: {column: {value: counts with rows, cat, cat_neg}}; ``tables``:
    the segment tables (whether the category is the group's short board);
    ``names``: {code: name}. A group with no analysed comment has ``rows`` 0.
    """
    found = []
    for request in requests:
        column, value, code = request.column, request.value, request.category
        group = segments.get(column, {}).get(value)
        entry = next((entry for entry in tables.get(column, []) if entry["value"] == value), None)
        found.append({
            "column": column, "value": value, "category": code, "name": names.get(code, code),
            "rows": group.rows if group else 0, "mentions": group.cat.get(code, 0) if group else 0,
            "negative": group.cat_neg.get(code, 0) if group else 0,
            "short_board": entry is not None and entry["short_board"] == code,
            **insights.said(column, value, code),
        })
    return found
