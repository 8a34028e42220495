"""Tests for textmine.report.topic_map: one offline HTML file with every topic."""

import html
import json
import re
import shutil
import struct
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from textmine.cli import cli
from textmine.report.topic_map import (
    MAP_HEIGHT, MAP_WIDTH, circle_layout, negative_colour, topic_map_html, topic_positions, write_topic_map)

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


# --- layout: no overlap at 12 topics, checked in Python and in a browser ---------------------------------------
def twelve_topics(seed=0):
    """12 topics, most of them nearly alike (the case that piled circles on each other)."""
    rng = np.random.default_rng(seed)
    base = rng.random(40)
    topic_word = np.array([base + rng.random(40) * (0.05 if index < 8 else 2.0) for index in range(12)])
    sizes = [205, 163, 156, 149, 132, 130, 121, 117, 100, 80, 75, 40]
    topics = [{"id": index, "label": f"话题{index}/信号/网速", "words": [("信号", 0.2), ("网速", 0.1)],
               "size": size, "negative_share": index / 11, "top_category": "coverage", "top_category_name": "信号覆盖",
               "category_overlap": 0.5} for index, size in enumerate(sizes)]
    return topic_word, topics


def test_circles_do_not_overlap_at_twelve_topics():
    topic_word, topics = twelve_topics()
    page = topic_map_html(topic_word, topics)
    circles = [tuple(map(float, found)) for found in
               re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"', page)]
    assert len(circles) == 12
    for index, (x, y, r) in enumerate(circles):
        assert r <= x <= MAP_WIDTH - r and r <= y <= MAP_HEIGHT - r
        for x2, y2, r2 in circles[index + 1:]:
            assert ((x - x2) ** 2 + (y - y2) ** 2) ** 0.5 >= r + r2
    xs = [x for x, _, _ in circles]
    assert max(xs) - min(xs) > 0.6 * MAP_WIDTH  # spread over the map's width


def test_layout_keeps_label_footprints_apart_and_stays_near_the_projection():
    coords = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.001], [1.0, 1.0]])
    centres, footprint = circle_layout(coords, [20, 20, 20, 20], [120, 120, 120, 40])
    assert footprint[0] >= 64  # a wide label widens its circle's footprint
    for i in range(4):
        for j in range(i + 1, 4):
            assert np.linalg.norm(centres[i] - centres[j]) >= footprint[i] + footprint[j]
    assert centres[3][0] > centres[:3, 0].max()  # the far topic stays on its side


@pytest.mark.parametrize("share, colour", [(0.0, "#4e9a3f"), (0.5, "#f2b73f"), (1.0, "#d64541"), (None, "#bdbdbd")])
def test_colour_follows_the_negative_share(share, colour):
    assert negative_colour(share) == colour


def test_selected_circle_is_outlined_not_red_and_the_legend_explains_colour():
    page = topic_map_html(*twelve_topics())
    selected = re.search(r"\.topic\.on circle \{([^}]*)\}", page).group(1)
    assert "stroke:" in selected and "e45756" not in selected and "fill:" not in selected
    assert "负面占比" in page and 'id="negative"' in page


BROWSER = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_browser = pytest.mark.skipif(BROWSER is None, reason="no headless browser installed (chromium)")
MEASURE = """<script>
const box = element => {{ const r = element.getBoundingClientRect();
                          return [r.left, r.top, r.width, r.height]; }};
const result = {{page: document.documentElement.clientWidth, map: box(document.getElementById("map")),
                 circles: [...document.querySelectorAll(".topic circle")].map(box),
                 labels: [...document.querySelectorAll(".topic text:not(.size)")].map(box),
                 detail: document.getElementById("detail").textContent}};
const out = document.createElement("pre"); out.id = "measured"; out.textContent = JSON.stringify(result);
document.body.append(out);
</script></body>"""


def browser(*arguments, tmp_path):
    command = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,900", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@needs_browser
def test_browser_positions_have_no_overlapping_circles_or_labels(tmp_path):
    topic_word, topics = twelve_topics()
    path = tmp_path / "measured.html"
    path.write_text(topic_map_html(topic_word, topics).replace("</body>", MEASURE.format()), encoding="utf-8")
    completed = browser("--dump-dom", path.as_uri(), tmp_path=tmp_path)
    found = re.search(r'<pre id="measured">(.*?)</pre>', completed.stdout, re.S)
    assert found, completed.stderr[-2000:]
    measured = json.loads(html.unescape(found.group(1)))
    circles = [(left + width / 2, top + height / 2, width / 2) for left, top, width, height in measured["circles"]]
    assert len(circles) == 12
    overlaps = [(i, j) for i, (x, y, r) in enumerate(circles) for j, (x2, y2, r2) in enumerate(circles)
                if i < j and ((x - x2) ** 2 + (y - y2) ** 2) ** 0.5 < r + r2 - 0.5]
    assert overlaps == []
    labels = measured["labels"]
    crossing = [(i, j) for i, a in enumerate(labels) for j, b in enumerate(labels) if i < j
                and a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]]
    assert crossing == []
    assert measured["map"][2] > 0.6 * measured["page"]  # the map uses the page's width
    assert "最接近痛点 信号覆盖" in measured["detail"]


@needs_browser
def test_browser_screenshot(tmp_path):
    topic_word, topics = twelve_topics()
    path = tmp_path / "map.html"
    write_topic_map(path, topic_word, topics)
    shot = tmp_path / "map.png"
    completed = browser(f"--screenshot={shot}", path.as_uri(), tmp_path=tmp_path)
    assert shot.exists(), completed.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 900) and len(data) > 20_000  # a drawn page, not a blank one
