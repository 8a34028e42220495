"""Benchmark: textmine's topics against plain gensim LDA on raw jieba tokens.

The issue behind ``textmine.topics``: analysts ran gensim LDA by hand on
``jieba.lcut`` output, guessed k, and got unstable word lists full of
stopwords. This script fits both on the same corpus with the same k and prints

* coherence: ``textmine.topics.npmi_coherence`` (mean NPMI of every pair of a
  topic's top 10 words over document co-occurrence; a pair never seen together
  counts as seen once and at most 0), counted where a word "occurs" in a comment
  when its characters appear in the comment text (phrase tokens such as 信号_差
  count as 信号差). Counting on the text, not on either model's tokens, keeps the
  measure the same for both. ``NPMI-raw`` is the same with never-together pairs
  at -1 (the measure we used before), for comparison;
* junk share: share of top-10 words that are stopwords, punctuation, digits or
  single characters;
* stability: mean best-match Jaccard overlap of top-10 word sets between two
  seeds (1.0 = the same topics whatever the seed);
* CPU time of each fit (process time), timed separately; ours includes auto-k.

Run:  python benchmarks/bench_topics.py [CORPUS.csv|CORPUS.jsonl] [--column text]
      [--k 8] [--generated 20000] [--seed 0]
Without a corpus it uses samples/survey_export.csv (column 意见建议) if present,
else (or with --generated N) N generated telecom comments, deterministic for a seed.
"""

import argparse
import csv
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textmine.topics import TopicModel, is_content_token, npmi_coherence  # noqa: E402

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


def make_segmenter():
    """(cut, content_words, stopwords): textmine's Segmenter if present, else a private jieba."""
    try:
        from textmine.lexicon import load_lexicon
        from textmine.segment import Segmenter

        lexicon = load_lexicon()
        segmenter = Segmenter(lexicon)
        return segmenter.cut, segmenter.content_words, set(lexicon.stopwords)
    except Exception as exc:  # the segmenter is written concurrently; fall back
        print(f"(Segmenter unavailable: {type(exc).__name__}: {exc}; using jieba fallback)")
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        for word in ("信号格", "光猫", "机顶盒", "携号转网", "销户", "补卡", "限速", "营业厅", "话费",
                     "扣费", "装维", "断网", "掉线", "人工客服", "月租", "esim", "5G"):
            tokenizer.add_word(word)
        stop = set("的 了 是 我 你 们 你们 也 就 都 还 很 太 真的 这个 那个 而且 还有 另外 同时 希望 "
                   "觉得 我觉得 说实话 最近 用户 来电 反映 一直 问题 请 非常 好 吧 什么".split())
        punct = re.compile(r"^[\W_]+$")

        def cut(text):
            return [t for t in tokenizer.lcut(text) if t.strip() and not punct.match(t)]

        def content_words(tokens):
            return [t for t in tokens if is_content_token(t, stop)]

        return cut, content_words, stop


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
    """What analysts did by hand: gensim LDA on jieba.lcut tokens, defaults."""
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    dictionary = Dictionary(raw_tokens)
    corpus = [dictionary.doc2bow(t) for t in raw_tokens]
    lda = LdaModel(corpus, id2word=dictionary, num_topics=k, random_state=seed, passes=5)
    return [[w for w, _ in lda.show_topic(t, topn=10)] for t in range(k)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?")
    parser.add_argument("--column", default=None)
    parser.add_argument("--generated", type=int, metavar="N", default=None,
                        help="use N generated comments instead of a file")
    parser.add_argument("--k", type=int, default=None,
                        help="k for both (default: textmine's auto k)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    path = None if args.generated else args.corpus or default_corpus()
    texts = read_corpus(path, args.column) if path else generate_corpus(
        args.generated or 20000, args.seed)
    print(f"corpus: {path or 'generated'} ({len(texts)} comments)")
    cut, content_words, stopwords = make_segmenter()
    import jieba

    start = time.perf_counter()
    raw = [jieba.lcut(t) for t in texts]
    content = [content_words(cut(t)) for t in texts]
    print(f"segmentation: {time.perf_counter() - start:.1f} s")

    results = {}
    start = time.process_time()
    model = TopicModel(n_topics=args.k or "auto", random_state=args.seed).fit(content)
    results["textmine"] = time.process_time() - start
    k = model.n_topics_
    if model.coherence_curve_:
        curve = ", ".join(f"{kk}:{s:.3f}" for kk, s in model.coherence_curve_)
        print(f"auto-k coherence curve (own tokens): {curve} -> k={k}")
    ours = [[w for w, _ in t.words] for t in model.topics_]
    ours_b = [[w for w, _ in t.words] for t in
              TopicModel(n_topics=k, random_state=args.seed + 1).fit(content).topics_]

    start = time.process_time()
    theirs = plain_lda(raw, k, args.seed)
    results["plain"] = time.process_time() - start
    theirs_b = plain_lda(raw, k, args.seed + 1)

    reference = text_reference(texts, {w for ws in ours + theirs for w in ws})
    print(f"\nk = {k} for both; coherence = mean NPMI of top-10 words on text co-occurrence")
    print(f"{'':24}{'NPMI':>8}{'NPMI-raw':>10}{'junk':>8}{'stable':>8}{'cpu s':>9}")
    for name, words, again in (("textmine TopicModel", ours, ours_b),
                               ("plain LDA (jieba.lcut)", theirs, theirs_b)):
        key = "textmine" if name.startswith("textmine") else "plain"
        print(f"{name:24}{npmi_coherence(words, reference):8.3f}"
              f"{raw_npmi(words, reference):10.3f}"
              f"{junk_share(words, stopwords):8.2f}{stability(words, again):8.2f}"
              f"{results[key]:9.1f}")
    print("\ntextmine topics:")
    for topic in sorted(model.topics_, key=lambda t: -t.size):
        print(f"  {topic.id:2} {topic.label:24} size={topic.size:6}  {' '.join(ours[topic.id])}")
    print("plain LDA topics:")
    for i, words in enumerate(theirs):
        print(f"  {i:2} {' '.join(words)}")


if __name__ == "__main__":
    main()
