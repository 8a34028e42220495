"""An interactive topic map in one self-contained HTML file (no network, no CDN).

Each topic is a circle: its area is the topic's size, its colour the share of
negative comments (green, amber, red, with a legend), its place a 2-D
projection of the Jensen-Shannon distances between the topics' word
distributions (classical multidimensional scaling, as LDAvis does), spread
over the map's width and then pushed apart until no two circles (nor their
labels) overlap. Hovering or clicking a circle shows its top words with their
weights, its share of negative comments, the pain point it overlaps most (by
its name) and its typical comments (as given: the caller passes masked texts).
SVG and a few lines of inline JavaScript; the data sits in the page as JSON.

    >>> write_topic_map("topics.html", model.topic_word_, run.result.topics)
"""

import html
import json
import math
import unicodedata

import numpy as np

from textmine.io.write import atomic_path

MAP_WIDTH, MAP_HEIGHT = 960, 620  # the SVG's drawing area, in px (it scales to the page's width)
MAX_RADIUS = 78
MIN_RADIUS = 18
LABEL_SIZE = 14  # px: the topic label
DETAIL_SIZE = 11  # px: its size and negative share, under it
GAP = 6  # px kept free between two circles
# Negative share -> colour: the workbook's green, an amber, the workbook's red.
NEGATIVE_STOPS = ((0.0, (0x4E, 0x9A, 0x3F)), (0.5, (0xF2, 0xB7, 0x3F)), (1.0, (0xD6, 0x45, 0x41)))
NO_SHARE_COLOUR = "#bdbdbd"
_RELAXATION_PASSES = 400


def topic_positions(topic_word):
    """2-D coordinates of the topics: classical MDS of their Jensen-Shannon distances.

    >>> topic_positions(np.array([[1.0, 0.0], [0.0, 1.0]])).round(3).tolist()
    [[0.5, 0.0], [-0.5, 0.0]]
    """
    topic_word = np.asarray(topic_word, dtype=float)
    k = topic_word.shape[0]
    if k < 2:
        return np.zeros((k, 2))
    totals = topic_word.sum(axis=1, keepdims=True)
    p = topic_word / np.where(totals > 0, totals, 1)
    distance = np.array([[_jensen_shannon(a, b) for b in p] for a in p])
    centring = np.eye(k) - 1.0 / k
    gram = -0.5 * centring @ (distance ** 2) @ centring
    values, vectors = np.linalg.eigh(gram)
    order = np.argsort(-values, kind="stable")[:2]
    coords = vectors[:, order] * np.sqrt(np.maximum(values[order], 0))
    # Eigenvectors have no sign of their own: make each axis's largest coordinate positive.
    coords *= np.where(coords[np.abs(coords).argmax(axis=0), [0, 1]] < 0, -1, 1)
    return coords + 0.0  # no -0.0 in the page


def label_width(text, size=LABEL_SIZE):
    """Width of a label in px: a CJK character is about one em, other characters about half."""
    return sum(size if unicodedata.east_asian_width(char) in "WF" else 0.55 * size for char in str(text))


def circle_layout(coords, radii, label_widths=None, *, width=MAP_WIDTH, height=MAP_HEIGHT, gap=GAP):
    """Centres (x, y) in px for circles of ``radii``, near the projection ``coords``, none overlapping.

    The projection is stretched to the whole map (each axis on its own: the map is
    wider than high), then overlapping circles are pushed apart along the line
    between them until every pair is ``gap`` apart, and each is kept inside the map.
    A circle's footprint is at least half its label's width, so labels do not
    overlap either. If the circles cannot fit, they shrink a little and the push
    starts again. Returns ``(centres, footprints)``.
        >>> centres, _ = circle_layout(np.zeros((2, 2)), [50, 50])
        >>> float(np.linalg.norm(centres[0] - centres[1])) >= 106
        True
    """
    coords = np.asarray(coords, dtype=float).reshape(-1, 2)
    count = len(coords)
    radii = np.asarray(radii, dtype=float)
    label_widths = np.zeros(count) if label_widths is None else np.asarray(label_widths, dtype=float)
    if count == 0:
        return np.zeros((0, 2)), radii
    footprint = np.maximum(radii, label_widths / 2 + 4)
    # A fixed, spread start for points the projection puts on top of each other.
    spread = np.stack([np.cos(np.arange(count) * 2.4), np.sin(np.arange(count) * 2.4)], axis=1) * 1e-3
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.where(high - low > 1e-9, high - low, 1.0)
    unit = (coords - low) / span - 0.5 + spread
    for _ in range(8):
        margin = footprint.max() + gap
        box = np.array([max(width - 2 * margin, 1.0), max(height - 2 * margin, 1.0)])
        anchors = np.array([width / 2, height / 2]) + unit * box
        centres = _pushed_apart(anchors.copy(), footprint, gap, width, height)
        if _overlap(centres, footprint, gap) <= 0.5:
            return centres, footprint
        footprint *= 0.9
    return centres, footprint


def _pushed_apart(centres, footprint, gap, width, height):
    count = len(centres)
    need = footprint[:, None] + footprint[None, :] + gap
    for _ in range(_RELAXATION_PASSES):
        moved = False
        for i in range(count):
            for j in range(i + 1, count):
                delta = centres[j] - centres[i]
                distance = math.hypot(*delta)
                if distance >= need[i, j] - 1e-6:
                    continue
                direction = delta / distance if distance > 1e-9 else np.array([math.cos(i + j), math.sin(i + j)])
                push = (need[i, j] - distance) / 2 + 0.01
                centres[i] -= direction * push
                centres[j] += direction * push
                moved = True
        centres[:, 0] = np.clip(centres[:, 0], footprint, width - footprint)
        centres[:, 1] = np.clip(centres[:, 1], footprint, height - footprint)
        if not moved:
            break
    return centres


def _overlap(centres, footprint, gap):
    """The largest overlap between two footprints (px); 0 or less when none overlap."""
    worst = -math.inf
    for i in range(len(centres)):
        for j in range(i + 1, len(centres)):
            worst = max(worst, footprint[i] + footprint[j] + gap - math.hypot(*(centres[i] - centres[j])))
    return worst if worst != -math.inf else 0.0


def negative_colour(share):
    """The fill of a topic with that share of negative comments (grey when unknown).

        >>> negative_colour(0.0), negative_colour(1.0)
        ('#4e9a3f', '#d64541')
    """
    if share is None:
        return NO_SHARE_COLOUR
    share = min(max(float(share), 0.0), 1.0)
    for (start, low), (end, high) in zip(NEGATIVE_STOPS, NEGATIVE_STOPS[1:]):
        if share <= end:
            t = (share - start) / (end - start)
            return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(low, high))
    return "#d64541"


def topic_map_html(topic_word, topics, *, title="主题地图"):
    """The page as a string. ``topics``: dicts with id, label, words [(word, weight)], size
    and optionally negative_share, top_category (its name in top_category_name, as the
    analysis reports it), category_overlap, examples.

    >>> "<svg" in topic_map_html(model.topic_word_, summaries)
    True
    """
    topics = [t for t in topics if 0 <= t["id"] < len(topic_word)]
    coords = topic_positions(np.asarray(topic_word)[[t["id"] for t in topics]]) if topics else np.zeros((0, 2))
    biggest = max([t["size"] for t in topics] + [1])
    radii = [max(MIN_RADIUS, MAX_RADIUS * (max(t["size"], 0) / biggest) ** 0.5) for t in topics]  # area ~ size
    labels = [t["label"] or f"#{t['id']}" for t in topics]
    details = [f"{t['size']} 条" + (f" · 负面 {t['negative_share']:.0%}" if t.get("negative_share") is not None
                                   else "") for t in topics]
    widths = [max(label_width(label), label_width(detail, DETAIL_SIZE)) for label, detail in zip(labels, details)]
    centres, _ = circle_layout(coords, radii, widths)
    circles, data = [], []
    for index, (topic, (x, y), radius, label, detail) in enumerate(zip(topics, centres, radii, labels, details)):
        share = topic.get("negative_share")
        circles.append(
            f'<g class="topic" data-index="{index}" tabindex="0">'
            f'<title>{html.escape(label)}：{detail}</title>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{negative_colour(share)}"/>'
            f'<text x="{x:.1f}" y="{y - 2:.1f}">{html.escape(label)}</text>'
            f'<text class="size" x="{x:.1f}" y="{y + LABEL_SIZE:.1f}">{detail}</text></g>')
        data.append({key: topic.get(key) for key in
                     ("id", "label", "size", "negative_share", "top_category", "category_overlap")}
                    | {"top_category_name": topic.get("top_category_name") or topic.get("top_category")}
                    | {"words": [[w, float(p)] for w, p in topic["words"]],
                       "examples": list(topic.get("examples") or [])[:5]})
    # No "<" inside the script element: "</script" or "<!--" in a label cannot end or upset it.
    payload = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    empty = "" if topics else '<p class="empty">没有可显示的主题（评论太少）。</p>'
    stops = "".join(f'<stop offset="{at:.0%}" stop-color="{negative_colour(at)}"/>' for at, _ in NEGATIVE_STOPS)
    return _PAGE.format(title=html.escape(title), width=MAP_WIDTH, height=MAP_HEIGHT, circles="\n".join(circles),
                        payload=payload, empty=empty, count=len(topics), stops=stops, grey=NO_SHARE_COLOUR)


def write_topic_map(path, topic_word, topics, *, title="主题地图"):
    """Write the page to ``path`` (atomically: no half-written file on error)."""
    with atomic_path(path) as temporary:
        temporary.write_text(topic_map_html(topic_word, topics, title=title), encoding="utf-8")


def _jensen_shannon(p, q):
    middle = (p + q) / 2

    def divergence(a):
        kept = a > 0
        return float(np.sum(a[kept] * np.log2(a[kept] / middle[kept])))

    return float(np.sqrt(max((divergence(p) + divergence(q)) / 2, 0.0)))


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 16px 24px;
        color: #222; }}
h2 {{ margin: 0 0 4px; }}
.lead {{ margin: 0 0 8px; color: #555; font-size: 14px; }}
main {{ display: grid; grid-template-columns: minmax(0, 2.2fr) minmax(300px, 1fr); gap: 24px;
        align-items: start; }}
#map {{ width: 100%; height: auto; border: 1px solid #ddd; background: #fcfcfc; display: block; }}
.topic circle {{ fill-opacity: .72; stroke: #fff; stroke-width: 1.5; cursor: pointer; }}
.topic:hover circle {{ stroke: #555; stroke-width: 2; }}
.topic.on circle {{ stroke: #1f2d3d; stroke-width: 4; fill-opacity: .9; }}
.topic text {{ font-size: {label_size}px; font-weight: 600; text-anchor: middle; dominant-baseline: middle;
               pointer-events: none; fill: #1b1b1b; paint-order: stroke; stroke: rgba(255,255,255,.85);
               stroke-width: 3px; stroke-linejoin: round; }}
.topic text.size {{ font-size: {detail_size}px; font-weight: 400; fill: #333; }}
.legend {{ display: flex; align-items: center; gap: 10px; font-size: 13px; color: #444; margin: 6px 0 10px; }}
.legend svg {{ display: block; }}
.swatch {{ display: inline-block; width: 14px; height: 14px; border-radius: 50%; background: {grey};
           vertical-align: middle; }}
#detail h3 {{ margin: 0 0 6px; }}
.bar {{ display: flex; align-items: center; gap: 6px; margin: 2px 0; font-size: 13px; }}
.bar span {{ width: 90px; text-align: right; }}
.bar i {{ display: inline-block; height: 12px; background: #4c78a8; }}
.example {{ font-size: 13px; color: #555; margin: 4px 0; }}
</style></head>
<body><h2>{title}（{count} 个主题）</h2>
<p class="lead">圆的位置：主题词分布越相近，圆越靠近（Jensen-Shannon 距离的二维投影，圆已推开以免重叠）；
圆的大小：评论数；圆的颜色：负面评论占比。悬停或点击圆圈查看主题词和典型评论。</p>
<div class="legend"><span>负面占比</span>
<svg width="240" height="30" viewBox="0 0 240 30" aria-label="负面占比图例">
<defs><linearGradient id="negative">{stops}</linearGradient></defs>
<rect x="20" y="2" width="200" height="12" rx="3" fill="url(#negative)"/>
<text x="20" y="27" font-size="11" text-anchor="middle">0%</text>
<text x="120" y="27" font-size="11" text-anchor="middle">50%</text>
<text x="220" y="27" font-size="11" text-anchor="middle">100%</text></svg>
<span><i class="swatch"></i> 无情感数据</span></div>
{empty}
<main><svg id="map" viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet">
{circles}
</svg><div id="detail"></div></main>
<script type="application/json" id="topics">{payload}</script>
<script>
const topics = JSON.parse(document.getElementById("topics").textContent);
const detail = document.getElementById("detail");
function text(tag, value, cls) {{
  const node = document.createElement(tag); node.textContent = value;
  if (cls) node.className = cls; return node;
}}
function show(index) {{
  const t = topics[index];
  document.querySelectorAll(".topic")
    .forEach(g => g.classList.toggle("on", +g.dataset.index === index));
  detail.replaceChildren(text("h3", "#" + t.id + " " + t.label + "（" + t.size + " 条）"));
  const percent = share => Math.round(share * 100) + "%";
  if (t.negative_share !== null) detail.append(text("p", "负面占比 " + percent(t.negative_share)));
  if (t.top_category) detail.append(text("p", "最接近痛点 " + t.top_category_name
                                             + "（重合 " + percent(t.category_overlap) + "）"));
  const top = Math.max(...t.words.map(w => w[1]), 1e-9);
  for (const [word, weight] of t.words) {{
    const row = text("div", "", "bar"), bar = document.createElement("i");
    bar.style.width = Math.round(200 * weight / top) + "px";
    row.append(text("span", word), bar, text("small", weight.toFixed(4)));
    detail.append(row);
  }}
  for (const example of t.examples) detail.append(text("p", "例：" + example, "example"));
}}
document.querySelectorAll(".topic").forEach(g => {{
  const index = +g.dataset.index;
  g.addEventListener("mouseenter", () => show(index));
  g.addEventListener("click", () => show(index));
  g.addEventListener("focus", () => show(index));
}});
if (topics.length) show(0);
</script></body></html>
""".replace("{label_size}", str(LABEL_SIZE)).replace("{detail_size}", str(DETAIL_SIZE))
