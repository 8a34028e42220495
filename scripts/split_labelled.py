"""Split the hand-labelled telecom comments into a training and a development set.

The split is by a stable hash of the text, so adding new examples never moves an
old one between the two sets, and the dev set is never trained on.

    python scripts/split_labelled.py   # rewrites tests/data/labelled_{train,dev}.jsonl
"""

import hashlib
import json
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
DEV_SHARE_IN_TENTHS = 3


def is_dev(text):
    """True when the comment belongs to the development set (about 30 %)."""
    digest = hashlib.md5(text.encode("utf-8")).hexdigest()
    return int(digest, 16) % 10 < DEV_SHARE_IN_TENTHS


def main():
    seen = set()
    train, dev = [], []
    for raw in sorted(DATA.glob("labelled_raw_*.jsonl")):
        for number, line in enumerate(raw.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{raw.name}:{number}: not JSON: {exc}")
            if record["text"] in seen:
                continue
            seen.add(record["text"])
            (dev if is_dev(record["text"]) else train).append(record)
    for name, records in (("labelled_train.jsonl", train), ("labelled_dev.jsonl", dev)):
        with open(DATA / name, "w", encoding="utf-8", newline="\n") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"train: {len(train)}  dev: {len(dev)}")


if __name__ == "__main__":
    main()
