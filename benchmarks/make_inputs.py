"""Build benchmark inputs of N comments, of two kinds, with the nine columns of samples/survey_export.csv.

``survey``: comments that repeat the way a survey's do, without every row being
an exact copy of one of the 2,000 sample rows (an input of exact copies would
flatter the duplicate finder and any cache). Rows are resampled from the sample
file with a fixed seed and lightly varied: about a quarter join two comments,
some name a city or add a closing phrase, and the date is redrawn over six
months. 200,000 rows hold about 78,000 distinct comments of 28 characters.

``distinct``: every comment different and of review length (about 70
characters), as complaint work orders, app reviews and social posts are
(``distinct_comments``): the per-text cache of the runner saves nothing on it.

Same kind and N, same bytes; a smaller input is the first rows of a larger one.
Files are written as UTF-8 with a BOM (what Excel saves as "CSV UTF-8") to
benchmarks/data/<kind>_<size>.csv, which git ignores.

    python benchmarks/make_inputs.py                       # both kinds: 10k 20k 100k 200k 1M
    python benchmarks/make_inputs.py 20k 5000              # only these sizes
    python benchmarks/make_inputs.py --kind distinct 200k  # one kind
"""

import argparse
import csv
import datetime
import io
import random
import sys
from pathlib import Path

from distinct_comments import distinct_comments

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("survey", "distinct")
SAMPLE = ROOT / "samples" / "survey_export.csv"
DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_SIZES = ("10k", "20k", "100k", "200k", "1M")
SEED = 20260601
COLUMNS = ["序号", "满意度", "地市", "地区类型", "年龄段", "套餐", "渠道", "日期", "意见建议"]

FIRST_DAY = datetime.date(2026, 6, 1)
DAYS = 26 * 7
# Phrases customers add at the end of a comment; "" keeps the comment as it is.
SUFFIXES = ("", "", "", "。", "！", "谢谢", "，希望尽快解决", "，麻烦处理一下", "。。。", "，就这样吧",
            "，辛苦了", "！！", "，请重视", "，望改进")
CITY_PREFIXES = ("在{city}，", "{city}这边", "我在{city}，", "{city}市区")


def parse_size(text):
    """'20k' -> 20000, '1M' -> 1000000, '5000' -> 5000.

        >>> parse_size("1M")
        1000000
    """
    text = text.strip()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    number = text[:-1] if factor > 1 else text
    try:
        size = int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use e.g. 20000, 20k, 1M)") from None
    if size <= 0:
        raise argparse.ArgumentTypeError(f"size must be positive: {text!r}")
    return size


def size_label(size):
    """20000 -> '20k', 1000000 -> '1M', 1500 -> '1500' (used in file names and tables)."""
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


def input_path(size, kind="survey"):
    return DATA_DIR / f"{kind}_{size_label(size)}.csv"


def read_sample(path=SAMPLE):
    """Rows of the sample export as lists in COLUMNS order (the file is GB18030)."""
    text = path.read_bytes().decode("gb18030")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    if header != COLUMNS:
        raise SystemExit(f"{path}: unexpected header {header}")
    return [row for row in reader if len(row) == len(COLUMNS)]


def generate_rows(sample, size, seed=SEED):
    """Yield ``size`` varied rows; deterministic for a given sample, size and seed."""
    rng = random.Random(seed)
    comments = [row[8] for row in sample if row[8].strip()]
    cities = sorted({row[2] for row in sample})
    iso_dates = [datetime.date.fromordinal(FIRST_DAY.toordinal() + day).isoformat() for day in range(DAYS)]
    count = len(sample)
    for number in range(1, size + 1):
        row = list(sample[int(rng.random() * count)])
        row[0] = str(number)
        # Dates in the sample are mostly ISO; the odd "2026年9月9日" stays as it is
        # because real exports carry such cells too.
        if row[7][:1] == "2" and len(row[7]) == 10 and row[7][4] == "-":
            row[7] = iso_dates[int(rng.random() * DAYS)]
        comment = row[8]
        if comment.strip():
            draw = rng.random()
            if draw < 0.25:
                comment = comment.rstrip("。！!") + "。" + comments[int(rng.random() * len(comments))]
            elif draw < 0.40:
                city = row[2] if rng.random() < 0.8 else cities[int(rng.random() * len(cities))]
                comment = CITY_PREFIXES[int(rng.random() * len(CITY_PREFIXES))].format(city=city) + comment
            if rng.random() < 0.35:
                comment = comment + SUFFIXES[int(rng.random() * len(SUFFIXES))]
        row[8] = comment
        yield row


def generate_distinct_rows(sample, size, seed=SEED):
    """Yield ``size`` rows whose comments all differ (``distinct_comments``).

    The other eight cells are those of a sample row drawn with a fixed seed,
    the date redrawn over six months as in ``generate_rows``.
    """
    rng = random.Random(seed)
    iso_dates = [datetime.date.fromordinal(FIRST_DAY.toordinal() + day).isoformat() for day in range(DAYS)]
    count = len(sample)
    for number, comment in enumerate(distinct_comments(size, seed=seed), 1):
        row = list(sample[int(rng.random() * count)])
        row[0] = str(number)
        if row[7][:1] == "2" and len(row[7]) == 10 and row[7][4] == "-":
            row[7] = iso_dates[int(rng.random() * DAYS)]
        row[8] = comment
        yield row


def write_input(size, *, kind="survey", sample=None, path=None, force=False):
    """Write the input of ``size`` rows of ``kind`` (unless it exists) and return its path."""
    if kind not in KINDS:
        raise ValueError(f"unknown input kind {kind!r}; choose one of {', '.join(KINDS)}")
    path = Path(path) if path else input_path(size, kind)
    if path.exists() and not force:
        return path
    sample = sample if sample is not None else read_sample()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".csv.tmp")
    rows = generate_rows(sample, size) if kind == "survey" else generate_distinct_rows(sample, size)
    with open(partial, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    partial.replace(path)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=parse_size,
                        help="numbers of comments, e.g. 20k 1M (default: 10k 20k 100k 200k 1M)")
    parser.add_argument("--kind", choices=KINDS + ("both",), default="both",
                        help="survey-like repeats, distinct review-length comments, or both (default)")
    parser.add_argument("--force", action="store_true", help="rebuild files that already exist")
    args = parser.parse_args(argv)
    sizes = args.sizes or [parse_size(size) for size in DEFAULT_SIZES]
    kinds = KINDS if args.kind == "both" else (args.kind,)
    sample = read_sample()
    for kind in kinds:
        for size in sizes:
            path = write_input(size, kind=kind, sample=sample, force=args.force)
            print(f"{path.relative_to(ROOT)}  {size:,} comments  {path.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
