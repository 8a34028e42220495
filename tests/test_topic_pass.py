"""analyze's topic pass: every spooled comment gets the topic the model gives its words, wherever it is inferred."""

import pickle
import random
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import pytest

from textmine.io.cells import NO_TOPIC
from textmine.pipeline import _topic_pass
from textmine.pipeline._topic_pass import assign_spool
from textmine.topics.model import TopicModel

THEMES = [["信号", "基站", "地下室", "没有信号", "断断续续"],
          ["扣费", "话费", "账单", "乱扣费", "退费"],
          ["客服", "态度", "投诉", "没人管", "等很久"],
          ["宽带", "网速", "断网", "光猫", "卡顿"]]


class ListSpool:
    """The part of a CommentSpool the topic pass reads: the content words of each comment, in order."""

    def __init__(self, keys):
        self.keys = keys
        self.topics = None

    def content_keys(self):
        return iter(self.keys)


def _word_list(rng):
    theme = rng.choice(THEMES)
    return tuple(rng.sample(theme, rng.randint(2, 4))) + tuple(rng.sample(rng.choice(THEMES), rng.randint(0, 1)))


@pytest.fixture(scope="module")
def model():
    rng = random.Random(3)
    return TopicModel(4, random_state=0).fit([list(_word_list(rng)) for _ in range(400)])


@pytest.fixture(scope="module")
def spool_keys():
    """2,000 comments over 250 distinct word lists, some repeated far apart, some with no known word."""
    rng = random.Random(5)
    distinct = sorted({_word_list(rng) for _ in range(400)})[:248] + [(), ("从没见过的词",)]
    return [(rng.choice(distinct), rng.random() < 0.8) for _ in range(2000)]


@pytest.fixture(scope="module")
def expected(model, spool_keys):
    """Each comment's topic when its words are assigned alone, and the sizes of the topics over the counted."""
    alone = {key: model.assign([list(key)])[0] for key in dict.fromkeys(key for key, _ in spool_keys)}
    topics = [NO_TOPIC if alone[key] is None else alone[key] for key, _ in spool_keys]
    return topics, Counter(topic for topic, (_, counted) in zip(topics, spool_keys) if counted and topic != NO_TOPIC)


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 20 word lists, tasks of 3 batches, 2 tasks at a time, a memo that empties often."""
    monkeypatch.setattr(_topic_pass, "ASSIGN_BATCH", 20)
    monkeypatch.setattr(_topic_pass, "TASK_BATCHES", 3)
    monkeypatch.setattr(_topic_pass, "TASKS_AT_A_TIME", 2)
    monkeypatch.setattr(_topic_pass, "ASSIGNED_MEMO_SIZE", 50)


@pytest.mark.parametrize("where", ["this process", "two worker processes"])
def test_every_comment_gets_the_topic_of_its_words_alone(model, spool_keys, expected, small_batches, where):
    spool, told = ListSpool(spool_keys), []
    if where == "this process":
        sizes = assign_spool(model, spool, progress=told.append)
    else:
        with ProcessPoolExecutor(2) as pool:
            sizes = assign_spool(model, spool, progress=told.append, parallel_map=pool.map)
    topics, expected_sizes = expected
    assert list(spool.topics) == topics
    assert sizes == expected_sizes and len(sizes) > 1
    assert sum(told) == len(spool_keys) and len(told) > 10  # progress by batch


def test_topics_given_for_the_fitted_comments_are_used_for_their_words(model, spool_keys):
    key = spool_keys[0][0]
    inferred = model.assign([list(key)])[0]
    given = (inferred + 1) % 4  # not what inference would give: seen only if the given topic is used
    spool = ListSpool(spool_keys)
    assign_spool(model, spool, assigned={key: given})
    assert [topic for topic, (words, _) in zip(spool.topics, spool_keys) if words == key] == \
        [given] * sum(1 for words, _ in spool_keys if words == key)


def test_an_empty_spool_gets_no_topics(model):
    spool = ListSpool([])
    assert assign_spool(model, spool) == Counter() and list(spool.topics) == []


def test_the_copy_sent_to_workers_assigns_as_the_model_and_is_smaller(model, spool_keys):
    copy = model.for_assigning()
    lists = [list(key) for key, _ in spool_keys[:300]]
    assert copy.assign(lists) == model.assign(lists)
    assert len(pickle.dumps(copy)) < len(pickle.dumps(model))
    assert model.assignments_ and not hasattr(copy, "assignments_")  # the model itself keeps its fit
