"""Pain-point classification: what is each comment about? (multi-label; [] = other)

* **rules** - taxonomy keywords, exclusions and cue words are matched by an
  Aho-Corasick automaton, in one pass over a whole batch of comments. Per category a comment gets a level: STRONG
  (a plain hit), WEAK (negated: 没有掉线过 is still about stability, the model
  must agree), VETO (denied 不是信号的问题, inside an exclusion phrase 贵公司, or a
  lukewarm clause before a contrast 信号还行**就是**网速慢: the category is off).
* **model** - one-vs-rest logistic regression over char 1-3-grams and word
  tokens, trained by ``scripts/train_classifier.py`` on the labelled training
  set; shipped as ``textmine/models/painpoints.npz`` + ``.json`` (no pickle).
  Its features and artefact are in ``textmine.painpoints.model``.

Combined, a category is kept when P(category) reaches the threshold of its level
(none / weak / strong), tuned per category by cross-validation on the training
set only: a strong keyword needs little model support, no keyword needs a
confident model. In a comment of several sentences, a strong keyword the model
does not back on the whole comment is backed when the model backs it on one
sentence that holds it (a long work order spreads the model's probability over
its several complaints). The category is the topic whatever its polarity (网速很快 is
``speed``; sentiment is a separate stage).

This module holds the rules and :class:`PainPointClassifier`, which combines them
with the model.
"""

import re
from bisect import bisect_right

import ahocorasick_rs
import numpy as np

from textmine.painpoints.model import PainPointModel
from textmine.errors import ConfigError

# Moved to classify_model; still importable from here (scripts/train_classifier.py).

MODES = ("combined", "rules", "model")
# Rule levels of a category in a comment. VETO: every hit is denied, excluded or
# in a lukewarm clause before a contrast, so the category is off whatever the model says.
NONE, WEAK, STRONG, VETO = 0, 1, 2, 3

# Cue words, matched by the same automaton as the keywords.
_NEGATIONS = ("不", "没", "没有", "从没", "从来没", "从不", "从来不", "未", "无", "并不", "并没有",
              "别", "不会", "再也没", "一直没", "也没", "都没", "不是")
# Words with 不/没/无 that do not negate what follows (动不动断线 is a complaint).
_NOT_NEGATIONS = tuple("""动不动 不断 不停 时不时 差不多 不得不 不少 受不了 忍不住 不管 不仅 不光 要不
    不然 不知道 没想到 不好 不行 不了 不满 不如 无语 无法 不能 不让 不给 没法 没人 没用 不用 无奈 不得了
    没完没了 不到 没办法 不住 不够 不对 无限 不限 没钱 不错 还不错 不知 没多久 不久 没几天 三天两头""".split())
# Denials: 不是 <keyword> 的问题 / 跟 <keyword> 没关系.
_DENIAL_OPEN = ("不是", "并非", "不算", "不关")
_DENIAL_CLOSE = ("问题", "原因", "的事", "的锅")
_UNRELATED_OPEN = ("跟", "和", "与")
_UNRELATED_CLOSE = ("没关系", "无关", "没有关系", "没啥关系")
_CONTRASTS = ("但是", "但", "可是", "不过", "只是", "就是", "然而", "就怕", "唯一", "可惜")
# Lukewarm verdicts: 信号还行就是网速慢 is about speed only. (Real praise before a
# contrast, 网速是挺快的可惜老断网, stays a topic: that is how the labelled data reads.)
_CONCESSIONS = ("还行", "还可以", "可以", "还好", "凑合", "没问题", "没毛病", "还算可以", "过得去",
                "一般", "马马虎虎", "将就", "ok")
_CUE_KINDS = (("neg", _NEGATIONS), ("pseudo", _NOT_NEGATIONS), ("dopen", _DENIAL_OPEN),
              ("dclose", _DENIAL_CLOSE), ("uopen", _UNRELATED_OPEN), ("uclose", _UNRELATED_CLOSE),
              ("contrast", _CONTRASTS), ("concede", _CONCESSIONS))
_WEAKENING = frozenset({"neg", "contrast", "dopen", "uopen"})
_SHORT_REACH, _LONG_REACH = 2, 4   # max characters between a 1-char / longer negation and its word
_CLAUSE_BREAK = re.compile(r"[，,。.！!？?；;：:、\n\r\t ~…]+")
_RANK = {NONE: 0, VETO: 1, WEAK: 2, STRONG: 3}   # a category hit twice takes the higher
_RANK_OF = tuple(_RANK[level] for level in range(len(_RANK)))  # the same, indexed by level


_SENTENCE_BREAK = re.compile(r"[。！!？?；;\n…]+")


def _sentences(text):
    """The sentences of a comment of two or more; ``[]`` for one."""
    sentences = [sentence for sentence in _SENTENCE_BREAK.split(text) if sentence]
    return sentences if len(sentences) > 1 else []


def _rows_and_columns(mask):
    """``(row, [columns])`` of the true cells of a 2-D boolean array, row by row."""
    rows, columns = np.nonzero(mask)
    if not len(rows):
        return []
    cuts = np.flatnonzero(np.diff(rows)) + 1
    return zip(rows[np.concatenate(([0], cuts))].tolist(), (part.tolist() for part in np.split(columns, cuts)))


def _outermost(words):
    """Drop matched words contained in a longer matched word (信号 inside 信号差).

    The words are distinct: one that occurs in their joined text only once, as
    itself, lies inside no other.
    """
    joined = "\x00".join(words)
    return tuple(w for w in words if joined.count(w) == 1)


class _HitScope:
    """Level of a keyword hit: negated (WEAK), denied or in a conceded clause (VETO).

    Built once per comment from the cue matches; a clause ends at punctuation
    and before a contrast word (就是, 但是), so 信号还行就是网速慢 has two clauses.
    """

    def __init__(self, text, cues):
        self.text = text
        by_kind = {}
        for start, end, kinds in cues:
            for kind in kinds:
                by_kind.setdefault(kind, []).append((start, end))
        pseudo = by_kind.get("pseudo", [])
        self.negations = [(s, e) for s, e in by_kind.get("neg", ())
                          if not any(ps <= s and e <= pe for ps, pe in pseudo)] if pseudo \
            else by_kind.get("neg", [])
        self.by_kind = by_kind
        # Where each negation ends and how far after it a keyword is still negated.
        self.negation_reach = [(n_end, n_end + (_SHORT_REACH if n_end - n_start == 1 else _LONG_REACH))
                               for n_start, n_end in self.negations]
        contrasts = [s for s, _ in by_kind.get("contrast", ())]
        needs_clauses = (contrasts and "concede" in by_kind) or "dopen" in by_kind \
            or "uopen" in by_kind
        self.bounds = None
        self.conceded = set()
        if needs_clauses:
            self.bounds = sorted({m.end() for m in _CLAUSE_BREAK.finditer(text)} | set(contrasts))
            for start, end in by_kind.get("concede", ()):
                # 不满意 / 不好 / 不可以 are not concessions.
                if any(ps <= start and end <= pe for ps, pe in pseudo) or any(
                        ne <= start and start - ne <= 1 or ns < start < ne
                        for ns, ne in self.negations):
                    continue
                clause = self.clause(start)
                if any(self.clause(c) == clause + 1 for c in contrasts):
                    self.conceded.add(clause)

    def clause(self, position):
        return bisect_right(self.bounds, position)

    def __call__(self, start, end):
        """Level of the keyword at [start, end): VETO, WEAK (negated) or STRONG."""
        if self.bounds is not None:
            clause = self.clause(start)
            if clause in self.conceded:
                return VETO
            for open_kind, close_kind in (("dopen", "dclose"), ("uopen", "uclose")):
                if any(o_end <= start and self.clause(o_start) == clause
                       for o_start, o_end in self.by_kind.get(open_kind, ())) and any(
                        c_start >= end and self.clause(c_start) == clause
                        for c_start, _ in self.by_kind.get(close_kind, ())):
                    return VETO
        for n_end, reach_end in self.negation_reach:
            if n_end <= start <= reach_end and not _CLAUSE_BREAK.search(self.text, n_end, start):
                return WEAK
        return STRONG

    @property
    def can_weaken(self):
        """False when every keyword is STRONG whatever its place: no negation, no clauses to look at."""
        return self.bounds is not None or bool(self.negation_reach)


class PainPointClassifier:
    """Multi-label pain-point classifier: keyword rules with negation and scope plus a model.

    >>> clf = PainPointClassifier(load_lexicon().taxonomy)
    >>> clf.classify("信号还行就是网速太慢", ["信号", "还行", "就是", "网速", "太", "慢"])
    [('speed', ('网速太慢',))]

    ``model``: None loads the packaged model, False disables it (rules only), a
    :class:`PainPointModel` or a path stem is used as given. ``mode`` is
    ``combined`` (default), ``rules`` (strong keyword hits only) or ``model``.
    """

    def __init__(self, taxonomy, *, model=None, mode="combined"):
        if mode not in MODES:
            raise ConfigError(f"unknown classifier mode {mode!r}; choose one of {', '.join(MODES)}")
        self.taxonomy = tuple(taxonomy)
        self.codes = tuple(category.code for category in self.taxonomy)
        if model is None and mode != "rules":
            model = PainPointModel.load()
        elif model is False or mode == "rules":
            model = None
        elif not isinstance(model, PainPointModel):
            model = PainPointModel.load(model)
        if model is None and mode == "model":
            raise ConfigError("classifier mode 'model' needs a model")
        self.model = model
        self.mode = mode
        # Column of each taxonomy code in the model output (-1: the model does not know it).
        known = {code: i for i, code in enumerate(model.classes)} if model else {}
        self._model_column = [known.get(code, -1) for code in self.codes]
        self._matcher, self._entries = self._build_matcher()

    def _build_matcher(self):
        """The matcher of every keyword, exclusion and cue word, and what each word is (by its index)."""
        entries = {}   # word -> (keyword categories, exclusion categories, cue kinds)
        for index, category in enumerate(self.taxonomy):
            for slot, words in ((0, category.keywords), (1, category.exclusions)):
                for word in words:
                    word = word.strip().lower()
                    if word:
                        entries.setdefault(word, ([], [], []))[slot].append(index)
        for kind, words in _CUE_KINDS:
            for word in words:
                entries.setdefault(word, ([], [], []))[2].append(kind)
        matcher = ahocorasick_rs.AhoCorasick(list(entries), matchkind=ahocorasick_rs.MATCHKIND_STANDARD)
        return matcher, [(word, tuple(keywords), tuple(exclusions), tuple(kinds), not _WEAKENING.isdisjoint(kinds))
                         for word, (keywords, exclusions, kinds) in entries.items()]

    def rule_hits(self, text):
        """Keyword hits of one comment: {taxonomy index: (level, matched words)}.

        A hit is WEAK when negated (没有掉线过: still the topic, but the model
        must agree), VETO when denied (跟网速没关系), inside an exclusion phrase
        of its category (贵公司) or in a lukewarm clause before a contrast
        (信号还行就是网速慢), else STRONG. A category takes its strongest hit.

        >>> clf.rule_hits("信号还行就是网速慢")           # coverage vetoed, speed strong
        {0: (3, ()), 2: (2, ('网速慢',))}
        """
        return self.rule_hits_batch([text])[0]

    def rule_hits_batch(self, texts):
        """``rule_hits`` of each text, with one matcher pass over the whole batch.

        The texts are joined by NULs, which no word holds, so no match spans two
        texts. Matches come in the order of their ends, every overlapping match
        (信号 and 信号差), as from pyahocorasick's ``iter``, which was used before
        one comment at a time: on 20,000 review-length comments the matching
        itself took 12.4 µs a comment that way, 3.8 µs in one pass (CPU time).
        """
        lowered = [text.lower() for text in texts]
        matches = self._matcher.find_matches_as_indexes("\x00".join(lowered), overlapping=True)
        match_ends = [end for _, _, end in matches]
        entries = self._entries
        results, first, offset = [], 0, 0
        for text in lowered:
            text_end = offset + len(text)
            last = bisect_right(match_ends, text_end, first)  # this text's matches: first .. last - 1
            keywords, exclusions, cues = [], [], []
            weakening = False   # only a negation, a contrast or a denial can weaken a hit
            for index, start, end in matches[first:last]:
                word, kw, ex, kinds, weakens = entries[index]
                if kw:
                    keywords.append((start - offset, end - offset, word, kw))
                if ex:
                    exclusions.append((start - offset, end - offset, ex))
                if kinds:
                    cues.append((start - offset, end - offset, kinds))
                    weakening = weakening or weakens
            results.append(self._levels(text, keywords, exclusions, cues, weakening) if keywords else {})
            first, offset = last, text_end + 1
        return results

    @staticmethod
    def _levels(text, keywords, exclusions, cues, weakening):
        """{taxonomy index: (level, words kept)} of a comment's keyword matches."""
        scope = _HitScope(text, cues) if weakening else None
        if scope is not None and not scope.can_weaken:
            scope = None
        hits = {}  # taxonomy index -> [level, words kept]
        rank = _RANK_OF
        for start, end, word, indexes in keywords:
            scoped = scope(start, end) if scope is not None else STRONG  # the same for every index
            for index in indexes:
                level = scoped
                if exclusions and any(index in ex and e_start < end and start < e_end
                                      for e_start, e_end, ex in exclusions):
                    level = VETO
                hit = hits.get(index)
                if hit is None:
                    hit = hits[index] = [level, []]
                elif rank[level] > rank[hit[0]]:
                    hit[0] = level
                if level != VETO and word not in hit[1]:
                    hit[1].append(word)
        return {index: (level, _outermost(words) if len(words) > 1 else tuple(words))
                for index, (level, words) in hits.items()}

    def classify(self, text, tokens):
        """Categories of one comment with their evidence words; [] means 'other'.

        >>> clf.classify("宽带经常断，客服也没人管", ["宽带", "经常", "断", "客服", "也", "没人管"])
        [('stability', ('宽带经常断',)), ('customer_service', ('客服', '没人管'))]
        """
        return self.classify_batch([text], [tokens])[0]

    def _sentence_proba(self, texts, token_lists, hits, doubted, known, in_model):
        """The model's probabilities, per comment, the highest over its sentences (0 for one sentence).

        Only the rows of ``doubted`` (a strong keyword the model did not back)
        are looked at, and of those only the sentences that hold a doubted
        keyword. In a long comment about several things the model spreads its
        probability over them (电话打不通……而且乱扣费！…跟联通比差远了 gave
        billing too little), while one sentence holds one complaint. On 600 dev
        comments joined two or three at a time, recall went 0.587 -> 0.795 and
        micro-F1 0.726 -> 0.849; on the single dev comments micro-F1 0.900 -> 0.899.
        """
        best = np.zeros((len(texts), len(known)), dtype=np.float64)
        owners, sentence_texts, sentence_tokens = [], [], []
        taxonomy_index = np.flatnonzero(in_model)  # column of doubted -> index into the taxonomy
        for row, columns in _rows_and_columns(doubted):
            words = {word for column in columns for word in hits[row][taxonomy_index[column]][1]}
            for sentence in _sentences(texts[row]):
                lowered = sentence.lower()
                if any(word in lowered for word in words):
                    owners.append(row)
                    sentence_texts.append(sentence)
                    # A sentence's words: the comment's tokens found in it (the segmenter drops punctuation).
                    sentence_tokens.append([token for token in token_lists[row] if token in sentence])
        if owners:
            proba = self.model.predict_proba(sentence_texts, sentence_tokens)[:, known]
            np.maximum.at(best, np.array(owners), proba)
        return best

    def classify_batch(self, texts, token_lists):
        """Vectorised :meth:`classify` over a batch (one model call for all comments)."""
        texts = list(texts)
        hits = self.rule_hits_batch(texts)
        levels = np.zeros((len(texts), len(self.codes)), dtype=np.int64)
        for row, row_hits in enumerate(hits):
            for index, (level, _) in row_hits.items():
                levels[row, index] = level
        keep = levels == STRONG
        vetoed = levels == VETO
        levels[vetoed] = NONE
        matrix = None
        if self.model is not None and self.mode != "rules" and texts:
            matrix = self.model.feature_rows(texts, token_lists)
            known = np.array([c for c in self._model_column if c >= 0], dtype=np.int64)
            in_model = np.array([c >= 0 for c in self._model_column])
            proba = self.model.predict_proba(texts, token_lists, matrix=matrix)[:, known]
            if self.mode == "model":
                keep[:, in_model] = proba >= self.model.model_thresholds[known]
            else:
                needed = self.model.thresholds[known[None, :], levels[:, in_model]]
                supported = proba >= needed
                doubted = ~supported & (levels[:, in_model] == STRONG)
                if doubted.any():
                    supported |= doubted & (self._sentence_proba(texts, token_lists, hits, doubted, known, in_model)
                                            >= needed)
                keep[:, in_model] = supported
                keep &= ~vetoed
        results = [[] for _ in texts]
        for row, index in zip(*(axis.tolist() for axis in np.nonzero(keep))):
            words = () if self.mode == "model" else hits[row].get(index, (NONE, ()))[1]
            if not words:
                words = self.model.top_features(matrix.columns_of(row), self._model_column[index])
            results[row].append((self.codes[index], words))
        return results
