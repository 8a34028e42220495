"""Tests for textmine.report.topic_map: one offline HTML file with every topic."""

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from textmine.cli import cli
from textmine.report.topic_map import topic_map_html, topic_positions, write_topic_map

from conftest import SAMPLES

TOPICS = [
    {"id": 0, "label": "信号/地下室", "words": [("信号", 0.3), ("地下室", 0.2)], "size": 120,
     "negative_share": 0.8, "top_category": "coverage", "category_overlap": 0.9,
     "examples": ["地下室没信号 <手机号>"]},
    {"id": 1, "label": "扣费/话费", "words": [("扣费", 0.4), ("话费", 0.1)], "size": 40},
    {"id": 2, "label": "<script>alert(1)</script>", "words": [("</script>", 1.0)], "size": 5},
]
TOPIC_WORD = np.array([[0.6, 0.4, 0.0, 0.0], [0.0, 0.0, 0.8, 0.2], [0.1, 0.0, 0.0, 0.9]])


def external_references(page):
    return re.findall(r"(?:https?:)?//[\w.-]+\.\w+|<script[^>]*\bsrc=|<link[^>]*\bhref=", page)


def test_page_has_every_topic_and_no_external_reference(tmp_path):
    path = tmp_path / "map.html"
    write_topic_map(path, TOPIC_WORD, TOPICS)
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "信号/地下室" in page and "扣费/话费" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # labels are escaped ...
    assert "<script>alert(1)" not in page and page.count("</script>") == 2  # ... and data too
    assert page.count('<g class="topic"') == 3
    assert external_references(page) == []


def test_embedded_data_round_trips():
    page = topic_map_html(TOPIC_WORD, TOPICS)
    payload = re.search(r'id="topics">(.*?)</script>', page, re.S).group(1)
    data = json.loads(payload)
    assert [t["label"] for t in data] == [t["label"] for t in TOPICS]
    assert data[0]["words"] == [["信号", 0.3], ["地下室", 0.2]] and data[1]["examples"] == []


def test_closest_pain_point_is_shown_by_its_name():
    named = [{**TOPICS[0], "top_category_name": "信号覆盖"}, TOPICS[1]]
    payload = re.search(r'id="topics">(.*?)</script>', topic_map_html(TOPIC_WORD, named), re.S).group(1)
    data = json.loads(payload)
    assert [(t["top_category"], t["top_category_name"]) for t in data] == [("coverage", "信号覆盖"), (None, None)]
    assert '"最接近痛点 " + t.top_category_name' in topic_map_html(TOPIC_WORD, named)


def test_circle_area_follows_size():
    radii = [float(r) for r in re.findall(r'r="([\d.]+)"', topic_map_html(TOPIC_WORD, TOPICS))]
    assert radii[0] > radii[1] > radii[2]
    assert radii[0] / radii[1] == pytest.approx((120 / 40) ** 0.5, rel=0.01)


def test_positions_follow_topic_distances():
    near = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    coords = topic_positions(near)
    assert np.allclose(coords[0], coords[1])
    assert np.linalg.norm(coords[0] - coords[2]) > 0.5
    assert topic_positions(np.array([[1.0, 0.0]])).tolist() == [[0.0, 0.0]]


def test_no_topics_still_writes_a_page():
    page = topic_map_html([], [])
    assert "没有可显示的主题" in page and external_references(page) == []


def test_topics_command_writes_the_map(tmp_path):
    path = tmp_path / "map.html"
    result = CliRunner().invoke(cli, ["topics", str(SAMPLES / "sms_replies.csv"), "--topics", "4",
                                      "--topics-html", str(path), "-j", "1"])
    assert result.exit_code == 0, result.output
    page = path.read_text(encoding="utf-8")
    labels = re.findall(r"^#\d+ (\S+)", result.stdout, re.M)
    assert len(labels) == 4 and all(label in page for label in labels)
    assert external_references(page) == []


def test_topic_map_needs_topics(tmp_path):
    result = CliRunner().invoke(cli, ["analyze", str(SAMPLES / "sms_replies.csv"),
                                      "--topics", "off", "--topics-html", str(tmp_path / "map.html")])
    assert result.exit_code == 2
    assert "--topics-html needs topics" in result.output
