"""The topic pass of ``analyze``: fit on a seeded sample, assign every spooled comment."""

from array import array
from collections import Counter
from functools import partial

from textmine.aggregate.sample import SeededSample
from textmine.io.cells import NO_TOPIC
from textmine.memo import BoundedMemo
from textmine.pipeline.executors import in_windows
from textmine.topics.model import TopicModel
from textmine.topics.summary import new_issue_topics, topic_summary

SAMPLE_FOR_TOPICS = 20_000  # comments the topic model is fitted on
ASSIGNED_MEMO_SIZE = 200_000  # distinct word lists whose topic the assignment remembers
ASSIGN_BATCH = 2000  # distinct word lists inferred together
# A task of the workers: 10,000 distinct word lists, about half a second of one core, so
# that sending the model (for_assigning: some 0.6 MB pickled) is lost in it.
TASK_BATCHES = 5
# Tasks sent together; the next ones are planned while the workers are on them. The plans
# held are bounded by two such windows.
TASKS_AT_A_TIME = 4


class TopicSample(SeededSample):
    """A seeded sample of comments (``SeededSample``): the topic model trains on at most ``size`` of them."""

    def __init__(self, size=SAMPLE_FOR_TOPICS, seed=0, *, ceiling=None):
        super().__init__(size, seed, ceiling=ceiling)

    def offer(self, comment):
        annotation = comment.annotation
        super().offer(comment.number, lambda: (annotation.content_words or (), comment.text, annotation.sentiment,
                                               list(annotation.codes)))

    def ordered(self):
        """(comment number, content words, masked text, sentiment, category codes) of each, in row order."""
        return [(number, *item) for number, item in self.numbered_items()]


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
    sizes = assign_spool(model, spool, assigned, progress, parallel_map)
    for topic in topics:
        topic["size"] = sizes.get(topic["id"], 0)
    topics.sort(key=lambda topic: -topic["size"])
    return model, topics, new_topics


def assign_spool(model, spool, assigned=None, progress=None, parallel_map=map):
    """Give every spooled comment its topic (``spool.topics``); return the sizes of the topics.

    Comments with the same content words get the same topic, so each distinct
    word list is inferred once (a bounded memo, which starts with ``assigned``:
    {word tuple: topic}) and in batches. The batches are planned here, in the
    order a one-process run takes them, and inferred by ``parallel_map`` (the
    executor's workers), several batches a task, a few tasks at a time: the
    same batches, so the same topics, with the workers' cores (1,000,000
    distinct comments: 33 s of this process's time before, benchmarks/README.md).
    """
    spool.topics = array("i")
    sizes = Counter()
    infer = partial(_infer_batches, model.for_assigning())
    inferred = []  # per batch, in order: the topics of its word lists
    tasks = _assignment_tasks(spool, assigned)
    for (_, plans), results in in_windows(parallel_map, infer, tasks, TASKS_AT_A_TIME, sent=lambda task: task[0]):
        for plan, topics in zip(plans, results):
            inferred.append(topics)
            for where, counted in plan:
                topic = where if type(where) is int else inferred[where[0]][where[1]]
                spool.topics.append(topic)
                if counted and topic != NO_TOPIC:
                    sizes[topic] += 1
            if progress is not None:
                progress(len(plan))
    return sizes


def _assignment_tasks(spool, assigned):
    """``([word lists of each batch], [plan of each batch])`` per task, in spool order.

    A batch is up to ``ASSIGN_BATCH`` distinct word lists not met before; its
    plan says, per comment, where its topic comes from: a topic already known
    (an int) or (batch number, place in that batch).
    """
    known = BoundedMemo(ASSIGNED_MEMO_SIZE)  # word list -> topic, or (batch, place) once batched
    known.update(assigned or {})
    batch, plan = {}, []  # batch: word list -> its place in the batch; plan: (where, counted) a comment
    batches, plans = [], []  # of the task being planned
    number = 0  # of the batch being planned
    for key, counted in spool.content_keys():
        # The memo changes only when a batch closes, so looking it up now is looking it up then.
        where = known.get(key)
        if where is None:
            place = batch.get(key)
            if place is None:
                place = batch[key] = len(batch)
            where = (number, place)
        plan.append((where, counted))
        if len(batch) >= ASSIGN_BATCH or len(plan) >= 10 * ASSIGN_BATCH:
            batches.append(list(batch))
            plans.append(plan)
            known.remember_many([(key, (number, place)) for key, place in batch.items()])
            batch, plan = {}, []
            number += 1
            if len(batches) == TASK_BATCHES:
                yield batches, plans
                batches, plans = [], []
    if plan:
        batches.append(list(batch))
        plans.append(plan)
    if batches:
        yield batches, plans


def _infer_batches(model, batches):
    """A task: the topics of each batch's word lists (``NO_TOPIC`` where none)."""
    return [array("i", [NO_TOPIC if topic is None else topic for topic, _ in model.iter_assign(keys)])
            for keys in batches]
