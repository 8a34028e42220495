"""The topic pass of ``analyze``: fit on a seeded sample, assign every spooled comment."""

import random
from array import array
from collections import Counter

from textmine.io.cells import NO_TOPIC
from textmine.memo import BoundedMemo
from textmine.topics.model import TopicModel
from textmine.topics.summary import new_issue_topics, topic_summary

SAMPLE_FOR_TOPICS = 20_000  # comments the topic model is fitted on
ASSIGNED_MEMO_SIZE = 200_000  # distinct word lists whose topic the assignment remembers
ASSIGN_BATCH = 2000  # distinct word lists inferred together


class TopicSample:
    """A seeded reservoir of comments: the topic model trains on at most ``size`` of them."""

    def __init__(self, size=SAMPLE_FOR_TOPICS, seed=0):
        self.size = size
        self.random = random.Random(seed)
        self.seen = 0
        self.items = []  # (comment number, content words, masked text, sentiment, category codes)

    def offer(self, comment):
        annotation = comment.annotation
        item = (comment.number, annotation.content_words or (), comment.text, annotation.sentiment,
                list(annotation.codes))
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
            return
        slot = self.random.randrange(self.seen)
        if slot < self.size:
            self.items[slot] = item

    def ordered(self):
        return sorted(self.items)


def fit_topics(sample, spool, n_topics, seed, engine, parallel_map=map, progress=None):
    """Fit on the sample, assign every spooled comment, and summarise the topics.

    Returns ``(model, topics, new_topics)``; ``model`` is None when the sample is too small.
    ``progress(rows)`` is told of the comments as they get their topic.
    """
    items = sample.ordered()
    if len(items) < 10:
        spool.no_topics()
        return None, [], []
    _, words, texts, sentiments, categories = map(list, zip(*items))
    model = TopicModel(n_topics, random_state=seed, engine=engine).fit(words, parallel_map)
    topics = topic_summary(model, model.assignments_, sentiments, categories, texts)
    others = [index for index, codes in enumerate(categories) if not codes]  # praise is left out there
    new_topics = new_issue_topics([words[i] for i in others], [texts[i] for i in others],
                                  sentiments=[sentiments[i] for i in others], random_state=seed,
                                  engine=engine, parallel_map=parallel_map)
    # The sample's comments have their topics already: only other word lists are inferred.
    assigned = {tuple(tokens): NO_TOPIC if topic is None else topic
                for tokens, topic in zip(words, model.assignments_)}
    sizes = assign_spool(model, spool, assigned, progress)
    for topic in topics:
        topic["size"] = sizes.get(topic["id"], 0)
    topics.sort(key=lambda topic: -topic["size"])
    return model, topics, new_topics


def assign_spool(model, spool, assigned=None, progress=None):
    """Give every spooled comment its topic (``spool.topics``); return the sizes of the topics.

    Comments with the same content words get the same topic, so each distinct
    word list is inferred once (a bounded memo, which starts with ``assigned``:
    {word tuple: topic}) and in batches.
    """
    spool.topics = array("i")
    sizes = Counter()
    known = BoundedMemo(ASSIGNED_MEMO_SIZE)
    known.update(assigned or {})
    batch, waiting = {}, []  # batch: word list -> its place in the batch

    def flush():
        topics = [NO_TOPIC if topic is None else topic for topic, _ in model.iter_assign(list(batch))]
        for key, counted in waiting:
            topic = topics[batch[key]] if key in batch else known[key]
            spool.topics.append(topic)
            if counted and topic != NO_TOPIC:
                sizes[topic] += 1
        known.remember_many(list(zip(batch, topics)))  # after the lookups: it may empty the memo
        if progress is not None:
            progress(len(waiting))
        batch.clear()
        waiting.clear()

    for key, counted in spool.content_keys():
        if key not in known and key not in batch:
            batch[key] = len(batch)
        waiting.append((key, counted))
        if len(batch) >= ASSIGN_BATCH or len(waiting) >= 10 * ASSIGN_BATCH:
            flush()
    flush()
    return sizes
