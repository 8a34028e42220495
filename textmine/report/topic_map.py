"""An interactive topic map in one self-contained HTML file (no network, no CDN).

The map places each topic by a 2-D projection of the Jensen-Shannon distances
between the topics' word distributions (classical multidimensional scaling, as
LDAvis does), circle area proportional to the topic's size. Hovering or
clicking a circle shows its top words with their weights, its share of
negative comments, the pain point it overlaps most and its typical comments
(as given: the caller passes masked texts). SVG and a few lines of inline
JavaScript; the data sits in the page as JSON.

    >>> write_topic_map("topics.html", model.topic_word_, run.result.topics)
"""

import html
import json

import numpy as np

from textmine.io.write import atomic_path

MAP_SIZE = 560  # SVG width and height, in px
MAX_RADIUS = 70


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


def topic_map_html(topic_word, topics, *, title="主题地图"):
    """The page as a string. ``topics``: dicts with id, label, words [(word, weight)], size
    and optionally negative_share, top_category (its name in top_category_name, as the
    analysis reports it), category_overlap, examples.

    >>> "<svg" in topic_map_html(model.topic_word_, summaries)
    True
    """
    topics = [t for t in topics if 0 <= t["id"] < len(topic_word)]
    coords = topic_positions(np.asarray(topic_word)[[t["id"] for t in topics]]) if topics else []
    circles, data = [], []
    biggest = max([t["size"] for t in topics] + [1])
    span = max(float(np.abs(coords).max()) if len(coords) else 0.0, 1e-9)
    inner = MAP_SIZE / 2 - MAX_RADIUS - 10
    for index, (topic, (x, y)) in enumerate(zip(topics, coords)):
        cx, cy = MAP_SIZE / 2 + x / span * inner, MAP_SIZE / 2 - y / span * inner
        radius = max(4.0, MAX_RADIUS * (topic["size"] / biggest) ** 0.5)  # area ~ size
        label = html.escape(topic["label"] or f"#{topic['id']}")
        circles.append(
            f'<g class="topic" data-index="{index}" tabindex="0">'
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}"/>'
            f'<text x="{cx:.1f}" y="{cy:.1f}">{label}</text></g>')
        data.append({key: topic.get(key) for key in
                     ("id", "label", "size", "negative_share", "top_category", "category_overlap")}
                    | {"top_category_name": topic.get("top_category_name") or topic.get("top_category")}
                    | {"words": [[w, float(p)] for w, p in topic["words"]],
                       "examples": list(topic.get("examples") or [])[:5]})
    # No "<" inside the script element: "</script" or "<!--" in a label cannot end or upset it.
    payload = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    empty = "" if topics else '<p class="empty">没有可显示的主题（评论太少）。</p>'
    return _PAGE.format(title=html.escape(title), size=MAP_SIZE, circles="\n".join(circles),
                        payload=payload, empty=empty, count=len(topics))


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
<style>
body {{ font-family: sans-serif; margin: 16px; color: #222; }}
main {{ display: flex; gap: 24px; align-items: flex-start; }}
svg {{ border: 1px solid #ddd; background: #fafafa; flex: none; }}
.topic circle {{ fill: #4c78a8; fill-opacity: .35; stroke: #4c78a8; cursor: pointer; }}
.topic.on circle, .topic:hover circle {{ fill: #e45756; stroke: #e45756; }}
.topic text {{ font-size: 12px; text-anchor: middle; dominant-baseline: middle;
               pointer-events: none; }}
#detail {{ min-width: 320px; max-width: 520px; }}
.bar {{ display: flex; align-items: center; gap: 6px; margin: 2px 0; font-size: 13px; }}
.bar span {{ width: 90px; text-align: right; }}
.bar i {{ display: inline-block; height: 12px; background: #4c78a8; }}
.example {{ font-size: 13px; color: #555; margin: 4px 0; }}
</style></head>
<body><h2>{title}（{count} 个主题）</h2>
<p>圆心距离：主题词分布的 Jensen-Shannon 距离（二维投影）；圆面积：评论数。悬停或点击圆圈查看主题词。</p>
{empty}
<main><svg width="{size}" height="{size}" viewBox="0 0 {size} {size}">
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
"""
