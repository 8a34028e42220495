"""Benchmark: textmine's topic engines against plain gensim LDA on raw jieba tokens.

The issue behind ``textmine.topics.model``: analysts ran gensim LDA by hand on
``jieba.lcut`` output, guessed k, and got unstable word lists full of
stopwords. This script picks k with textmine's default engine (auto-k, or
``--k``), then fits every engine at that same k on the same comments:

* ``nmf``: ``TopicModel(engine="nmf")`` (the default), content words;
* ``lda``: ``TopicModel(engine="lda")``, gensim LdaModel on the same words;
* ``nmf+phr``, ``lda+phr``: the same with phrase detection (gensim Phrases);
* ``plain``: gensim LdaModel on ``jieba.lcut`` tokens, default priors, 5 passes;

and prints per engine

* NPMI: ``textmine.topics.model.npmi_coherence`` (mean NPMI of every pair of a
  topic's top 10 words over document co-occurrence; a pair never seen together
  counts as seen once and at most 0), counted where a word "occurs" in a comment
  when its characters appear in the comment text (phrase tokens such as 信号_差
  count as 信号差). Counting on the text, not on either model's tokens, keeps the
  measure the same for every engine. ``NPMI-raw``: never-together pairs at -1;
* junk: share of top-10 words that are stopwords, punctuation, digits or
  single characters;
* overlap: share of the assigned comments that carry their topic's most common
  pain-point category (the topic report's ``category_overlap``, weighted by
  topic size; categories from textmine's classifier, 'other' counting as one);
  ``pp-ovl`` counts only topics whose most common category is a pain point;
* stable: mean best-match Jaccard overlap of top-10 word sets between seeds 0
  and 1 (1.0 = the same topics whatever the seed); ``same``: two fits with the
  same seed give identical words and assignments;
* cpu s: process time of one fit at that k; ``auto s``: of the auto-k fit.

Run:  python benchmarks/bench_topics.py [CORPUS.csv|CORPUS.jsonl] [--column text]
      [--k 8] [--generated 20000] [--seed 0] [--engines nmf,lda,plain] [--auto]
Without a corpus it uses samples/survey_export.csv (column 意见建议) if present,
else (or with --generated N) N generated telecom comments, deterministic for a seed.
``--auto`` also times each textmine engine's own auto-k and prints its curve.
"""

import argparse
import csv
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textmine.topics.summary import topic_summary  # noqa: E402
from textmine.topics.model import Topic, TopicModel, is_content_token, npmi_coherence  # noqa: E402

# Generated corpus: each theme fills three slots (where / what / complaint) from its
# own pools, so a theme's words co-occur in varied combinations, as in real
# comments; shared words (家里, 晚上, 太慢) and the filler, particles and
# punctuation of short comments blur the themes.
THEMES = {
    "coverage": (["家里", "地下室", "电梯里", "农村", "室内", "山区", "小区", "老家"],
                 ["信号", "手机信号", "5G信号", "信号格"],
                 ["太差", "很弱", "经常没有", "时有时无", "只有一格", "覆盖不到"]),
    "stability": (["晚上", "家里", "最近", "下雨天", "每天"],
                  ["宽带", "网络", "wifi", "光纤"],
                  ["经常断网", "老是掉线", "时断时续", "断开好几次", "连不上"]),
    "speed": (["晚上", "高峰期", "家里", "看视频时", "打游戏时"],
              ["网速", "宽带", "流量", "5G网络", "下载速度"],
              ["太慢", "卡顿", "被限速", "延迟高", "还不如4G"]),
    "call_quality": (["打电话时", "通话中", "接电话", "开车时"],
                     ["通话", "声音", "电话", "对方"],
                     ["有杂音", "听不清", "经常中断", "有回声", "打不出去"]),
    "pricing": (["老用户", "现在的", "这个", "学生"],
                ["套餐", "月租", "资费", "流量包"],
                ["太贵", "不合理", "不灵活", "不如新用户", "没有优惠", "性价比低"]),
    "billing": (["这个月", "莫名其妙", "每个月", "账户"],
                ["话费", "扣费", "账单", "余额"],
                ["乱扣", "多扣了", "看不懂", "扣了流量费", "欠费停机", "对不上"]),
    "customer_service": (["打了好几次", "人工", "投诉后", "在线"],
                         ["客服", "10086", "热线", "工作人员"],
                         ["打不通", "态度差", "互相推诿", "答非所问", "没人回访", "敷衍"]),
    "repair_install": (["报修后", "上门", "约好的", "装机"],
                       ["师傅", "装维人员", "光猫", "机顶盒"],
                       ["三天没来", "不专业", "坏了没人修", "经常死机", "迟到"]),
    "business_handling": (["营业厅", "线上", "去了三次", "办理"],
                          ["销户", "携号转网", "补卡", "过户"],
                          ["排队太久", "太麻烦", "办不了", "营业员业务不熟"]),
    "marketing": (["没经过同意", "天天", "偷偷", "宣传时"],
                  ["开通业务", "营销电话", "推销", "承诺优惠"],
                  ["强制捆绑", "虚假宣传", "没兑现", "骚扰不断"]),
    "new_issue": (["手表", "副卡", "新买的"],
                  ["esim", "eSIM号码", "一号双终端"],
                  ["开不了", "无法激活", "同步不了"]),
}
OPENERS = ["", "", "", "我觉得", "真的是", "你们的", "用户来电反映", "说实话", "最近", "请问"]
JOINERS = ["，", "，而且", "，还有", "。另外", "，同时"]
CLOSERS = ["", "。", "！", "，希望尽快解决。", "，太垃圾了！", "，无语了", "，请改进", "[怒]",
           "，非常不满意", "，体验很差。", "，一直没解决"]
PRAISE = ["满意", "挺好的", "服务很好", "没意见", "一般", "还行吧，没什么问题", "无", "很满意，谢谢",
          "营业员态度很好", "客服很耐心"]


def generate_corpus(n_docs=20000, seed=0):
    """Deterministic telecom-style comments: 1-2 themes each, plus praise and filler."""
    rng = random.Random(seed)
    names = sorted(THEMES)
    share = {"coverage": 5, "speed": 4, "customer_service": 4, "stability": 3, "billing": 3,
             "pricing": 3}  # the rest 2, the new issue 1: a few themes dominate, as in surveys
    weights = [share.get(name, 1 if name == "new_issue" else 2) for name in names]
    texts = []
    for _ in range(n_docs):
        if rng.random() < 0.12:
            texts.append(rng.choice(PRAISE))
            continue
        themes = rng.choices(names, weights=weights, k=2 if rng.random() < 0.25 else 1)
        parts = ["".join(rng.choice(pool) for pool in THEMES[t]) for t in themes]
        text = rng.choice(OPENERS) + parts[0]
        for part in parts[1:]:
            text += rng.choice(JOINERS) + part
        texts.append(text + rng.choice(CLOSERS))
    return texts


def read_corpus(path, column=None):
    """Texts of a CSV (UTF-8 or GB18030, as Excel saves) or JSONL file.

    Without ``column``: 'text', else 意见建议 (the survey sample), else the last column.
    """
    path = Path(path)
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("gb18030")
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in content.splitlines() if line.strip()]
    else:
        rows = list(csv.DictReader(content.splitlines()))
    if not rows:
        return []
    names = list(rows[0])
    column = column or next((c for c in ("text", "意见建议") if c in names), names[-1])
    return [str(row.get(column) or "") for row in rows if (row.get(column) or "").strip()]


def default_corpus():
    survey = ROOT / "samples" / "survey_export.csv"
    return survey if survey.exists() else None


def annotate_corpus(texts):
    """(content words, pain-point codes, stopwords) of each text, as the pipeline computes them."""
    from textmine.pipeline.runner import LanguageOptions
    from textmine.pipeline.analysis import CommentAnnotator

    annotator = CommentAnnotator(LanguageOptions(content_words=True, mask=False))
    analyse = getattr(annotator, "analyse", None) or annotator.analyse_texts  # name has changed
    annotations = [result[0] for result in analyse(texts)]
    content = [a["_content_words"] for a in annotations]
    categories = [[c for c in a["categories"].split("|") if c != "other"] for a in annotations]
    return content, categories, set(annotator.lexicon.stopwords)


def text_reference(texts, words):
    """For each text, the set of candidate words whose characters occur in it."""
    readable = {w: w.replace("_", "") for w in words}
    return [{w for w, r in readable.items() if r and r in text} for text in texts]


def raw_npmi(topic_words, documents):
    """NPMI with pairs never seen together at -1 (no smoothing), as textmine used before."""
    scores = []
    n = len(documents)
    for words in topic_words:
        df = {w: sum(w in d for d in documents) / n for w in words}
        pairs = [(a, b) for i, a in enumerate(words) for b in words[i + 1:]]
        values = []
        for a, b in pairs:
            joint = sum(a in d and b in d for d in documents) / n
            values.append(-1.0 if joint == 0 else 1.0 if joint >= 1 else
                          float(np.log(joint / (df[a] * df[b])) / -np.log(joint)))
        if values:
            scores.append(np.mean(values))
    return float(np.mean(scores)) if scores else 0.0


def junk_share(topic_words, stopwords):
    flat = [w for words in topic_words for w in words]
    return sum(not is_content_token(w, stopwords) for w in flat) / max(len(flat), 1)


def stability(words_a, words_b):
    """Mean over topics of A of the best Jaccard overlap with a topic of B."""
    sets_b = [set(b) for b in words_b]
    best = [max(len(set(a) & b) / len(set(a) | b) for b in sets_b) for a in words_a]
    return float(np.mean(best)) if best else 0.0


def plain_lda(raw_tokens, k, seed):
    """What analysts did by hand: gensim LDA on jieba.lcut tokens, defaults.

    Returns (top-10 words per topic, dominant topic of each comment).
    """
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    dictionary = Dictionary(raw_tokens)
    corpus = [dictionary.doc2bow(t) for t in raw_tokens]
    lda = LdaModel(corpus, id2word=dictionary, num_topics=k, random_state=seed, passes=5)
    gamma, _ = lda.inference(corpus)
    assignments = [int(np.argmax(g)) if bow else None for g, bow in zip(gamma, corpus)]
    return [[w for w, _ in lda.show_topic(t, topn=10)] for t in range(k)], assignments


def category_overlap(words, assignments, categories, texts):
    """(overlap, pain-point overlap): size-weighted mean of the report's category_overlap.

    The second counts only topics whose most common category is a pain point,
    so that a topic of praise ('other') does not count as a match.
    """
    class Fitted:  # what topic_summary reads of a model
        topics_ = [Topic(i, "", tuple((w, 0.0) for w in ws), 0) for i, ws in enumerate(words)]

    summaries = topic_summary(Fitted, assignments, None, categories, texts)
    size = max(sum(s["size"] for s in summaries), 1)
    matched = [s["size"] * s["category_overlap"] for s in summaries]
    pain = [m for m, s in zip(matched, summaries) if s["top_category"] != "other"]
    return sum(matched) / size, sum(pain) / size


ENGINES = {  # name: TopicModel parameters (plain LDA is separate)
    "nmf": {"engine": "nmf"},
    "nmf+phr": {"engine": "nmf", "phrases": True},
    "lda": {"engine": "lda"},
    "lda+phr": {"engine": "lda", "phrases": True},
}


def fit_engine(name, content, k, seed):
    """(top words, assignments, cpu seconds) of one engine at k."""
    start = time.process_time()
    if name == "plain":
        words, assignments = plain_lda(RAW_TOKENS, k, seed)
    else:
        model = TopicModel(n_topics=k, random_state=seed, **ENGINES[name]).fit(content)
        words = [[w for w, _ in t.words] for t in model.topics_]
        assignments = model.assignments_
    return words, assignments, time.process_time() - start


RAW_TOKENS = []


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?")
    parser.add_argument("--column", default=None)
    parser.add_argument("--generated", type=int, metavar="N", default=None,
                        help="use N generated comments instead of a file")
    parser.add_argument("--k", type=int, default=None,
                        help="k for all engines (default: auto-k of the nmf engine)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engines", default="nmf,nmf+phr,lda,lda+phr,plain")
    parser.add_argument("--auto", action="store_true",
                        help="also time each textmine engine's own auto-k and print its curve")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]

    path = None if args.generated else args.corpus or default_corpus()
    texts = read_corpus(path, args.column) if path else generate_corpus(
        args.generated or 20000, args.seed)
    print(f"corpus: {path or 'generated'} ({len(texts)} comments)")
    import jieba

    start = time.perf_counter()
    content, categories, stopwords = annotate_corpus(texts)
    RAW_TOKENS[:] = [jieba.lcut(t) for t in texts]
    print(f"segmentation and classification: {time.perf_counter() - start:.1f} s")

    auto_seconds = {}
    k = args.k
    for name in [e for e in engines if e != "plain"] if args.auto else ([] if k else ["nmf"]):
        start = time.process_time()
        model = TopicModel(random_state=args.seed, **ENGINES[name]).fit(content)
        auto_seconds[name] = time.process_time() - start
        curve = ", ".join(f"{kk}:{s:.3f}" for kk, s in model.coherence_curve_)
        print(f"{name} auto-k curve (own tokens): {curve} -> k={model.n_topics_}"
              f" ({auto_seconds[name]:.1f} s)")
        if name == "nmf" and not args.k:
            k = model.n_topics_

    fits = {name: fit_engine(name, content, k, args.seed) for name in engines}
    again = {name: fit_engine(name, content, k, args.seed) for name in engines}
    other_seed = {name: fit_engine(name, content, k, args.seed + 1) for name in engines}
    candidates = {w for words, _, _ in fits.values() for ws in words for w in ws}
    reference = text_reference(texts, candidates)

    print(f"\nk = {k} for every engine; NPMI of top-10 words on text co-occurrence")
    print(f"{'engine':12}{'NPMI':>7}{'NPMI-raw':>9}{'junk':>6}{'overlap':>9}{'pp-ovl':>8}"
          f"{'stable':>8}{'same':>6}{'cpu s':>7}{'auto s':>8}")
    for name, (words, assignments, seconds) in fits.items():
        same = words == again[name][0] and assignments == again[name][1]
        auto = f"{auto_seconds[name]:8.1f}" if name in auto_seconds else f"{'':8}"
        overlap, pain_overlap = category_overlap(words, assignments, categories, texts)
        print(f"{name:12}{npmi_coherence(words, reference):7.3f}{raw_npmi(words, reference):9.3f}"
              f"{junk_share(words, stopwords):6.2f}{overlap:9.3f}{pain_overlap:8.3f}"
              f"{stability(words, other_seed[name][0]):8.2f}{'yes' if same else 'NO':>6}"
              f"{min(seconds, again[name][2]):7.1f}{auto}")
    for name, (words, assignments, _) in fits.items():
        sizes = np.bincount([a for a in assignments if a is not None], minlength=len(words))
        print(f"\n{name} topics:")
        for topic in np.argsort(-sizes, kind="stable"):
            print(f"  {topic:2} size={sizes[topic]:6}  {' '.join(words[topic])}")


if __name__ == "__main__":
    main()
