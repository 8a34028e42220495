"""textmine.io.lines: lines end only where the format ends them, and no line is read whole past the cap."""

import io

import pytest

from textmine.errors import InputError
from textmine.io import lines as lines_module
from textmine.io.lines import decoded_lines, line_end_of
from textmine.io.read import ReadStats, open_feedback

# Characters str.splitlines() splits at, which are text inside a cell.
NOT_LINE_ENDS = "\u2028\u2029\x0c\x1c\x1d\x1e\x85"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8", "utf-8-sig", "gb18030"])
def test_unicode_line_separators_inside_cells_do_not_split_rows(tmp_path, encoding):
    if encoding == "gb18030":
        text_in_cell = "网速\x0c太慢\x1c了"  # GB18030 holds no U+2028
    else:
        text_in_cell = "网速" + "".join(f"{char}太慢" for char in NOT_LINE_ENDS)
    path = tmp_path / "seps.csv"
    path.write_bytes(f'意见建议,地市\r\n"{text_in_cell}",广州\r\n客服态度不好,深圳\r\n'.encode(encoding))
    source = open_feedback(path)
    rows = list(source.rows)
    assert [row["意见建议"] for row in rows] == [text_in_cell, "客服态度不好"]
    assert source.stats.rows_read == 2 and not source.stats.skipped_by_reason


def test_a_quoted_multiline_cell_longer_than_the_csv_default_is_one_cell(tmp_path):
    # 3 rows were read as 4,065: the csv module's 131,072-character limit skipped the cell.
    long_text = "网速太慢\n" + "长" * 140_000 + "\n还是慢"
    path = tmp_path / "long.csv"
    path.write_text(f'意见建议,地市\n"{long_text}",广州\n"第二行\n也有换行",深圳\n满意,广州\n', encoding="utf-8")
    source = open_feedback(path)
    rows = list(source.rows)
    assert [row["意见建议"] for row in rows] == [long_text, "第二行\n也有换行", "满意"]
    assert source.stats.rows_read == 3


def test_a_cell_past_the_cap_is_an_error_naming_the_file_and_line(tmp_path, monkeypatch):
    import csv

    monkeypatch.setattr(lines_module, "MAX_CELL_CHARS", 1000)
    limit = csv.field_size_limit(1000)
    try:
        path = tmp_path / "huge.csv"
        path.write_text('意见建议,地市\n满意,广州\n"' + "长\n" * 800 + '",广州\n', encoding="utf-8")
        with pytest.raises(InputError, match=r"huge.csv: line \d+: a cell is longer than"):
            list(open_feedback(path).rows)
    finally:
        csv.field_size_limit(limit)


def test_a_line_past_the_cap_stops_before_it_is_read_whole(monkeypatch):
    monkeypatch.setattr(lines_module, "MAX_LINE_BYTES", 1000)
    monkeypatch.setattr(lines_module, "_BLOCK_BYTES", 64)
    read = []

    class Counting(io.BytesIO):
        def read(self, size=-1):
            data = super().read(size)
            read.append(len(data))
            return data

    stream = Counting(b"a,b\n1,2\n" + b"x" * 100_000 + b"\n")
    with pytest.raises(InputError, match=r"big.csv: line 3 is longer than 1,000 bytes"):
        list(decoded_lines(stream, "utf-8", ReadStats(), name="big.csv"))
    assert sum(read) < 2000  # stopped near the cap, not at the end of the line


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-16-le"])
def test_cr_only_line_ends_are_line_ends(tmp_path, encoding):
    path = tmp_path / "mac.csv"
    path.write_bytes("意见建议,地市\r网速太慢,广州\r\"两行\n的意见\",深圳\r满意,广州\r".encode(encoding))
    source = open_feedback(path)
    assert [row["意见建议"] for row in source.rows] == ["网速太慢", "两行\n的意见", "满意"]


def test_line_end_of():
    assert line_end_of(b"a\r\nb\r\n", "utf-8") == "\n"
    assert line_end_of(b"a\rb\r", "gb18030") == "\r"
    assert line_end_of("a\rb\r".encode("utf-16-le"), "utf-16-le") == "\r"
    assert line_end_of(b"no line end", "utf-8") == "\n"


def test_blocks_give_the_same_lines_whatever_the_block_size(monkeypatch):
    data = "意见建议\n网速慢\n\n信号差\r\n满意".encode("utf-8")
    expected = ["意见建议\n", "网速慢\n", "\n", "信号差\r\n", "满意"]
    for size in (1, 2, 3, 7, 1 << 18):
        monkeypatch.setattr(lines_module, "_BLOCK_BYTES", size)
        assert list(decoded_lines(io.BytesIO(data), "utf-8", ReadStats(), name="x")) == expected
        utf16 = io.BytesIO("".join(expected).encode("utf-16"))
        assert list(decoded_lines(utf16, "utf-16", ReadStats(), name="x")) == expected


def test_counted_lines_take_no_byte_past_the_line_they_give():
    data = "意见\r\n网速慢\r\n最后一行".encode("gb18030")
    stream = io.BufferedReader(io.BytesIO(data), 4)
    lines = lines_module.CountedLines(stream, "gb18030", ReadStats(), name="x.csv")
    got = iter(lines)
    assert next(got) == "意见\r\n" and lines.bytes_read == len("意见\r\n".encode("gb18030"))
    assert stream.read(2) == "网".encode("gb18030")  # the stream stands at the next line
    assert list(got) == ["速慢\r\n", "最后一行"] and lines.sizes[-1] == len("最后一行".encode("gb18030"))


def test_a_line_range_counts_its_lines_and_stops_at_its_end():
    stream = io.BytesIO(b"a\nb\nc\nd")
    stream.seek(2)
    in_range = lines_module.LineRange(stream, 4)
    assert not in_range.exhausted
    assert list(decoded_lines(in_range, "utf-8", ReadStats(), name="x")) == ["b\n", "c\n"]
    assert in_range.exhausted and in_range.lines == 2 and stream.tell() == 6
    last = lines_module.LineRange(stream, 10)
    assert last.read() == b"d" and last.lines == 1  # the last line of a file has no line end
