"""The analysts' own script, kept as the baseline textmine is measured against.

Written the way such scripts are written (and the way the analysts' was): a
DataFrame, jieba.lcut on each row with a stopword list, SnowNLP on each row
for sentiment, gensim LDA with common defaults, and the whole frame saved to
Excel. It is deliberately not optimised: its speed is the "before" figure of
the performance issue, and bench_pipeline.py runs it side by side with
textmine on the same input.

Needs pandas (the `bench` extra), jieba, snownlp, gensim and openpyxl.

    python benchmarks/analyst_pipeline.py benchmarks/data/survey_20k.csv -o analyst.xlsx
    python benchmarks/analyst_pipeline.py INPUT -o OUT.xlsx --rows 5000   # first 5,000 rows
"""

import argparse
import sys
from pathlib import Path

import jieba
import pandas as pd
from gensim import corpora
from gensim.models import LdaModel
from snownlp import SnowNLP

ROOT = Path(__file__).resolve().parent.parent
# Analysts keep a stopword list next to their script; the project's list plays that part.
STOPWORDS = ROOT / "dictionaries" / "stopwords.txt"


def load_stopwords(path=STOPWORDS):
    with open(path, encoding="utf-8") as f:
        return set(line.strip() for line in f if line.strip() and not line.startswith("#"))


def main(argv=None):
    parser = argparse.ArgumentParser(description="analyst baseline: jieba + SnowNLP + gensim LDA -> Excel")
    parser.add_argument("input")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--rows", type=int, default=None, help="use only the first N rows")
    parser.add_argument("--text-column", default="意见建议")
    args = parser.parse_args(argv)

    jieba.setLogLevel(60)
    stopwords = load_stopwords()

    df = pd.read_csv(args.input, encoding="utf-8-sig", nrows=args.rows)
    df[args.text_column] = df[args.text_column].fillna("").astype(str)

    # Segmentation, row by row.
    def cut(text):
        return [w for w in jieba.lcut(text) if w.strip() and w not in stopwords and len(w) > 1]

    df["分词"] = df[args.text_column].apply(cut)

    # Sentiment, row by row (SnowNLP fails on empty text, so give those 0.5).
    def sentiment(text):
        if not text.strip():
            return 0.5
        return SnowNLP(text).sentiments

    df["情感得分"] = df[args.text_column].apply(sentiment)
    df["情感"] = df["情感得分"].apply(lambda s: "正面" if s > 0.6 else ("负面" if s < 0.4 else "中性"))

    # Topics: gensim LDA with the usual tutorial settings.
    texts = df["分词"].tolist()
    dictionary = corpora.Dictionary(texts)
    dictionary.filter_extremes(no_below=5, no_above=0.5)
    corpus = [dictionary.doc2bow(t) for t in texts]
    lda = LdaModel(corpus=corpus, id2word=dictionary, num_topics=10, passes=10,
                   random_state=42, alpha="auto", eta="auto")

    def main_topic(bow):
        topics = lda.get_document_topics(bow)
        return max(topics, key=lambda t: t[1])[0] if topics else -1

    df["主题"] = [main_topic(bow) for bow in corpus]
    topic_words = pd.DataFrame(
        [{"主题": k, "关键词": " ".join(w for w, _ in lda.show_topic(k, topn=10))} for k in range(10)]
    )

    df["分词"] = df["分词"].apply(" ".join)
    with pd.ExcelWriter(args.output, engine="openpyxl") as writer:
        df.to_excel(writer, sheet_name="明细", index=False)
        topic_words.to_excel(writer, sheet_name="主题", index=False)
        df.groupby("情感").size().to_frame("条数").to_excel(writer, sheet_name="情感分布")
    return 0


if __name__ == "__main__":
    sys.exit(main())
