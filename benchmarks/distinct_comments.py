"""Distinct comments of review length, composed from the clauses of the labelled data.

Complaint work orders, app reviews and social posts are almost all distinct and
longer than survey answers, so a cache keyed by the whole text saves nothing on
them. ``distinct_comments(n)`` writes n such comments, every one different,
about 70 characters long on average, in three styles:

- work orders (工单), about 40 %: an opener as a call-centre agent writes it
  (用户来电反映, 客户称 ...), the clauses of the complaint, and a request
  (要求尽快处理 ...);
- app reviews, about 30 %: short clauses of app, survey and SMS answers;
- social posts, about 30 %: clauses of social posts, now and then after an
  @operator or a #topic#.

The clauses are those of tests/data/labelled_*.jsonl (the project's own
hand-labelled comments), split at punctuation. They are joined with a fixed
seed, by a comma mostly, sometimes by a full stop, a space, 而且 / 然后 /
结果, or by nothing (two clauses run together, as people type them): so clauses
recur, as words and phrases do in real feedback, but about a third of the
clauses of an input are not in the labelled data as such. A comment already
written is drawn again. Same seed and n, same comments; a shorter list is the
first comments of a longer one.

    >>> comments = list(distinct_comments(1000))
    >>> len(set(comments)) == 1000
    True
"""

import json
import random
import re
from hashlib import blake2b
from pathlib import Path

LABELLED_DIR = Path(__file__).resolve().parent.parent / "tests" / "data"
LABELLED_FILES = ("labelled_train.jsonl", "labelled_dev.jsonl", "labelled_raw_a.jsonl",
                  "labelled_raw_b.jsonl", "labelled_raw_c.jsonl")
SEED = 20260601

_CLAUSE_END = re.compile(r"[，,。！!？?；;\n]+")
_REQUEST_START = ("要求", "希望", "请", "建议", "望")
_OPENER_START = ("用户", "客户")

# Style weights, and the length each comment grows to: drawn evenly from this
# range, so the mean is about 70 characters once the last clause and the
# request are added.
STYLES = (("work_order", 0.4), ("app_review", 0.3), ("social_post", 0.3))
SHORTEST, LONGEST = 44, 84

# What joins two clauses; "" runs them together into a clause of its own.
_JOINS = ("，",) * 10 + ("。",) * 3 + ("！", " ", "，而且", "，然后", "，结果") + ("",) * 3
_WORK_ORDER_OPENERS = ("用户来电反映", "用户来电称", "客户反映", "用户致电表示", "客户来电投诉", "用户反映")
_SOCIAL_PREFIXES = ("@中国移动 ", "@中国联通 ", "@中国电信 ", "#吐槽# ", "#宽带# ", "#信号差# ")
_ENDINGS = ("。",) * 6 + ("！", "！！", "", "…", "😡", "👍")


def _clauses_by_style(paths):
    """{style part: clauses in file order, each once} from the labelled comments."""
    parts = {"opener": [], "request": [], "work_body": [], "review": [], "social": []}
    seen = set()
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                clauses = [c.strip() for c in _CLAUSE_END.split(record["text"]) if len(c.strip()) >= 2]
                for position, clause in enumerate(clauses):
                    source = record.get("source", "")
                    if source == "ticket":
                        if position == 0 and clause.startswith(_OPENER_START):
                            part = "opener"
                        elif clause.startswith(_REQUEST_START):
                            part = "request"
                        else:
                            part = "work_body"
                    elif source == "social":
                        part = "social"
                    else:  # app, survey and sms answers read like app reviews
                        part = "review" if len(clause) >= 3 else None
                    if part and (part, clause) not in seen:
                        seen.add((part, clause))
                        parts[part].append(clause)
    return parts


class _Composer:
    def __init__(self, parts, rng):
        self.parts = parts
        self.rng = rng

    def pick(self, items):
        return items[int(self.rng.random() * len(items))]

    def join(self, clauses):
        text = clauses[0]
        for clause in clauses[1:]:
            text += self.pick(_JOINS) + clause
        return text

    def grow(self, clauses, pool, target):
        while sum(map(len, clauses)) + len(clauses) < target:
            clauses.append(self.pick(pool))
        return clauses

    def work_order(self, target):
        parts = self.parts
        if self.rng.random() < 0.5:
            clauses = [self.pick(parts["opener"])]
        else:
            clauses = [self.pick(_WORK_ORDER_OPENERS) + self.pick(parts["work_body"])]
        clauses = self.grow(clauses, parts["work_body"], target - 8)
        return self.join(clauses) + "，" + self.pick(parts["request"]) + "。"

    def app_review(self, target):
        return self.join(self.grow([], self.parts["review"], target)) + self.pick(_ENDINGS)

    def social_post(self, target):
        prefix = self.pick(_SOCIAL_PREFIXES) if self.rng.random() < 0.25 else ""
        return prefix + self.join(self.grow([], self.parts["social"], target)) + self.pick(_ENDINGS)


def distinct_comments(count, *, seed=SEED, paths=None):
    """Yield ``count`` different comments of about 70 characters (see the module's docstring)."""
    parts = _clauses_by_style(paths or [LABELLED_DIR / name for name in LABELLED_FILES])
    rng = random.Random(seed)
    composer = _Composer(parts, rng)
    styles = [getattr(composer, name) for name, _ in STYLES]
    cumulative, total = [], 0.0
    for _, weight in STYLES:
        total += weight
        cumulative.append(total)
    written = set()  # 8-byte digests: a tenth of the memory of the texts on 1M comments
    while len(written) < count:
        draw = rng.random() * total
        style = styles[next(i for i, edge in enumerate(cumulative) if draw < edge or i == len(styles) - 1)]
        text = style(SHORTEST + int(rng.random() * (LONGEST - SHORTEST + 1)))
        digest = blake2b(text.encode("utf-8"), digest_size=8).digest()
        if digest in written:
            continue
        written.add(digest)
        yield text
