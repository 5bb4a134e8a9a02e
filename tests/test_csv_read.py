"""Reading CSV files as spreadsheets write them, and refusing broken ones
with the row they break on (campaigns/csv_read.py). No database."""

import codecs

import pytest

from campaigns import csv_read
from campaigns.csv_read import Unreadable, decode, read

KNOWN = ["name", "title", "power", "cares_about"]


def rows(text, known=KNOWN, required=("name",)):
    table = read(text, known, required)
    assert not table.errors, table.errors
    return table.rows


def errors(text, known=KNOWN, required=("name",)):
    return read(text, known, required).errors


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_delimiters_and_line_ends(delimiter, newline):
    d = delimiter
    text = newline.join(
        [
            f"name{d}title{d}cares_about",
            f'Dana Reyes{d}"Chief, executive; {d}"{d}"Costs{newline}and ""quotes"""',
            f"Sam{d}{d}",
            "",
        ]
    )
    assert rows(text) == [
        (
            2,
            {
                "name": "Dana Reyes",
                "title": f"Chief, executive; {d}",
                "cares_about": f'Costs{newline}and "quotes"',
            },
        ),
        (3, {"name": "Sam", "title": "", "cares_about": ""}),
    ]


def test_the_header_picks_the_delimiter_even_when_cells_are_full_of_others():
    # A semicolon file whose cells hold more commas than it has semicolons:
    # csv.Sniffer picks the comma here; the header's names do not.
    text = "name;cares_about\nDana, CEO;growth, costs, staff, time\n"
    assert rows(text) == [
        (2, {"name": "Dana, CEO", "cares_about": "growth, costs, staff, time"})
    ]
    assert read(text, KNOWN, ("name",)).delimiter == ";"


def test_a_one_column_file_takes_the_delimiter_its_rows_agree_with():
    assert rows("name\nSmith, John\nLee, Ann\n") == [
        (2, {"name": "Smith, John"}),
        (3, {"name": "Lee, Ann"}),
    ]
    assert rows("name\nSmith; John\n") == [(2, {"name": "Smith; John"})]


def test_excel_sep_line_names_the_delimiter_and_is_not_a_row():
    assert rows("sep=;\r\nname;title\r\nA,1;B\r\n") == [
        (2, {"name": "A,1", "title": "B"})
    ]


def test_header_names_are_forgiving_about_case_and_spaces():
    assert rows(" Name ,Cares About\nA,b\n") == [(2, {"name": "A", "cares_about": "b"})]


def test_blank_rows_are_skipped_but_counted():
    assert rows("name,title\n\nA,B\n,\n\nC,D\n\n") == [
        (3, {"name": "A", "title": "B"}),
        (6, {"name": "C", "title": "D"}),
    ]


# ---- encodings ------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "name\nJosé Müller – “Zoë”\n".encode(),
        codecs.BOM_UTF8 + "name\nJosé Müller – “Zoë”\n".encode(),
        "name\nJosé Müller – “Zoë”\n".encode("cp1252"),
        "name\tpower\nJosé Müller – “Zoë”\t\n".encode("utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "cp1252", "utf-16"],
)
def test_encodings_spreadsheets_save_in(raw):
    [(number, cells)] = rows(decode(raw))
    assert (number, cells["name"]) == (2, "José Müller – “Zoë”")


def test_bytes_no_encoding_reads_are_named_by_row():
    # Windows-1252 but for two bytes it leaves undefined: those rows are
    # named, not every row with an accent.
    raw = "name\nfine\nJosé\n".encode("cp1252") + b"Bad \x81 byte\nok\n\x8d\n"
    unreadable = (
        "cannot be read: the file is neither UTF-8 nor Windows-1252 text. Save "
        "it from your spreadsheet as “CSV UTF-8”."
    )
    assert errors(decode(raw)) == [
        (4, f"Byte 0x81 {unreadable}"),
        (6, f"Byte 0x8D {unreadable}"),
    ]
    # A byte order mark says UTF-8, so nothing else is tried.
    raw = codecs.BOM_UTF8 + "name\nJosé\n".encode("cp1252")
    assert errors(decode(raw)) == [(2, f"Byte 0xE9 {unreadable}")]


def test_utf8_comes_first_and_windows_1252_only_when_utf8_fails():
    assert decode("é".encode()) == "é"  # also valid cp1252 ("Ã©"), read as UTF-8
    assert decode("é".encode("cp1252")) == "é"


@pytest.mark.parametrize(
    ("raw", "what"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "a workbook (.xlsx or .ods)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97–2003 workbook (.xls)"),
        (b"%PDF-1.7\n", "a PDF"),
    ],
)
def test_workbooks_are_refused_by_name(raw, what):
    with pytest.raises(Unreadable, match=what.replace("(", r"\(").replace(")", r"\)")):
        decode(raw)


def test_binary_content_is_refused_at_its_row():
    assert errors("name,title\nA,B\nC\x00D,E\nF,G\n") == [
        (
            3,
            "A control character (U+0000) that text never holds: is this "
            "really a CSV file?",
        )
    ]
    # Binary from the first row: no column names made of noise.
    assert errors("\x00\x01\x02,\x03\nname\n") == [
        (
            1,
            "A control character (U+0000) that text never holds: is this "
            "really a CSV file?",
        )
    ]
    # An image under a .csv name: refused, its rows named.
    png = errors(decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"))
    assert png and all(number for number, _ in png)


def test_the_size_limit():
    decode(b"x" * csv_read.MAX_BYTES)
    with pytest.raises(Unreadable, match="larger than 1 MB"):
        decode(b"x" * (csv_read.MAX_BYTES + 1))


def test_the_row_limit(monkeypatch):
    monkeypatch.setattr(csv_read, "MAX_ROWS", 3)
    assert len(rows("name\na\nb\n\nc\n")) == 3
    assert errors("name\na\nb\n\nc\nd\n") == [
        (6, "Only 3 rows at a time: split the file.")
    ]


# ---- broken files -----------------------------------------------------------


def test_an_unclosed_quote_is_refused_at_its_row_not_read_as_one_row():
    # csv.reader, not strict, reads this as two rows: the quote swallows
    # rows 3 and 4 into Ann's title.
    text = 'name,title\nAnn,"Chief\nBob,CFO\nCat,COO\n'
    [(number, message)] = errors(text)
    assert number == 2 and "never closed" in message


def test_a_lost_quote_that_pairs_with_a_later_one_is_refused():
    # The closing quote of row 2 is gone. A reader that takes quotes inside
    # unquoted cells as text reads this as three valid rows, row 3 and half
    # of row 4 merged into Ann's notes.
    text = 'name,cares_about\nAnn,"costs, mainly\nBob,"staff\ntime",x"\nDan,growth\n'
    [(number, message)] = errors(text)
    assert number == 2
    assert "do not pair up" in message or "middle of a cell" in message


@pytest.mark.parametrize(
    "row",
    ['Ann,Chief "big" boss', 'Ann, "Chief"', 'Ann,"Chief" boss', 'Ann,"Chief""'],
)
def test_quotes_in_the_middle_of_a_cell(row):
    [(number, message)] = errors(f"name,title\n{row}\nBob,CFO\n")
    assert number == 2
    assert "quote" in message and "Rows after this one were not read" in message


def test_rows_with_the_wrong_number_of_cells_are_each_named():
    text = "name,title\nA,B\nC\nD,E,F\nG,H\n"
    by_commas = "(reading cells as separated by commas)."
    assert errors(text) == [
        (3, f"1 cell, but the header names 2 {by_commas}"),
        (4, f"3 cells, but the header names 2 {by_commas}"),
    ]


def test_header_and_row_problems_in_one_pass():
    text = "name,title,title,colour\nA,B,C,D\nE\nF,G,H,I\n"
    table = read(text, KNOWN, ("name",))
    assert table.errors == [
        (
            1,
            "Unknown column: colour. The columns are: name, title, power, cares_about.",
        ),
        (1, "The column “title” appears more than once."),
        (
            3,
            "1 cell, but the header names 4 (reading cells as separated by commas).",
        ),
    ]
    # The columns that can be read still are; the others are left out.
    assert table.columns == ["name"]
    assert table.rows == [(2, {"name": "A"}), (4, {"name": "F"})]


def test_a_missing_required_column():
    table = read("title\nCEO\n", KNOWN, ("name",))
    assert table.errors == [
        (1, "The first row must name the columns, including “name”.")
    ]


def test_a_column_without_a_name_must_stay_empty():
    text = "name,title,\nA,B,\nC,D,stray\n"
    assert errors(text) == [
        (3, "Cell 3 has text, but its column has no name in the header.")
    ]


def test_empty_files():
    assert errors("") == [(None, "The file is empty.")]
    assert errors("name,title\r\n\r\n") == [
        (None, "The file has no rows under its header.")
    ]
