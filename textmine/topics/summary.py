"""Topic reports: what analysts read about each topic, from plain per-document lists.

``topic_summary`` turns a fitted ``TopicModel`` and the annotations of its
documents into one dict per topic (label, words, size, negative share, the
pain-point category it overlaps most, typical comments); ``new_issue_topics``
fits topics on the comments no category covers, candidate new pain points.

    >>> summaries = topic_summary(model, model.assignments_, sentiments, categories, texts)
    >>> summaries[0]["label"], summaries[0]["category_overlap"]
"""

from collections import Counter

from textmine.errors import ConfigError
from textmine.painpoints.taxonomy import OTHER
from textmine.topics.model import TopicModel


def topic_summary(model, assignments, sentiments, categories, texts, n_examples=5):
    """One dict per topic for reports, from plain per-document lists.

    ``categories`` holds each document's category codes (empty = 'other');
    ``texts`` are shown as examples as given (the caller masks personal data).
    Examples are the model's representative documents when ``assignments``
    are those of the fitted documents, otherwise the first distinct texts.

    >>> topic_summary(model, model.assignments_, sentiments, categories, masked_texts)[0]["label"]
    '信号差/地下室'
    """
    aligned = list(assignments) == list(getattr(model, "assignments_", []))
    members = {}
    for i, topic in enumerate(assignments):
        if topic is not None:
            members.setdefault(topic, []).append(i)
    summaries = []
    for topic in model.topics_:
        docs = members.get(topic.id, [])
        if aligned:
            examples = model.representative_docs(topic.id, n_examples, texts=texts)
        else:
            examples = list({texts[i]: i for i in reversed(docs)}.values())[::-1][:n_examples]
        cats = Counter(c for i in docs for c in set(_codes(categories[i])))
        top, overlap = (None, 0.0)
        if cats:
            top = min(cats, key=lambda c: (-cats[c], c))
            overlap = round(cats[top] / len(docs), 4)
        negative = (round(sum(sentiments[i] == "neg" for i in docs) / len(docs), 4)
                    if docs and sentiments is not None else None)
        summaries.append({"id": topic.id, "label": topic.label, "words": list(topic.words),
                          "size": len(docs), "negative_share": negative, "top_category": top,
                          "category_overlap": overlap, "examples": [texts[i] for i in examples]})
    return summaries


def new_issue_topics(token_lists, texts, *, sentiments=None, min_docs=30, n_topics="auto",
                     k_range=(2, 8), random_state=0, n_examples=5, parallel_map=map, **params):
    """Topics of comments no category covers (candidate new pain points), most negative first.

    Pass only the 'other' comments. With ``sentiments`` (one label per comment)
    praise is left out (a compliment names no problem: it made these topics
    mostly praise), and each topic carries ``negative`` (its negative comments)
    and ``negative_share``; topics are ranked by that share, then by size.
    Fewer than ``min_docs`` comments gives [] because topics of a handful of
    comments are noise.

    >>> others = [i for i, c in enumerate(categories) if not c]
    >>> new_issue_topics([tokens[i] for i in others], [masked[i] for i in others],
    ...                  sentiments=[labels[i] for i in others])
    """
    token_lists, texts = list(token_lists), list(texts)
    if len(token_lists) != len(texts):
        raise ConfigError(f"{len(token_lists)} token lists but {len(texts)} texts")
    if sentiments is not None:
        kept = [i for i, label in enumerate(sentiments) if label != "pos"]
        token_lists, texts = [token_lists[i] for i in kept], [texts[i] for i in kept]
        sentiments = [sentiments[i] for i in kept]
    if len(token_lists) < min_docs:
        return []
    model = TopicModel(n_topics, k_range=k_range, random_state=random_state, **params)
    model.fit(token_lists, parallel_map)
    topics = topic_summary(model, model.assignments_, sentiments, [[] for _ in texts], texts, n_examples)
    if sentiments is not None:
        for topic in topics:
            topic["negative"] = round((topic["negative_share"] or 0) * topic["size"])
        topics.sort(key=lambda topic: (-(topic["negative_share"] or 0), -topic["size"], topic["id"]))
    return topics


def _codes(value):
    if isinstance(value, str):
        return [c for c in value.split("|") if c] or [OTHER]
    return list(value) or [OTHER]
