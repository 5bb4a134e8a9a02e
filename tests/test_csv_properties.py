"""Property tests of CSV reading (campaigns/csv_read.py), without a database.

Whatever text the cells hold, a file written the way spreadsheet programs
write it (each delimiter, minimal or full quoting, CRLF or LF, UTF-8 with or
without a byte order mark, Windows-1252 where the text fits, UTF-16) reads
back to exactly its rows, or is refused naming a row. A file with a quote
removed, a cell dropped or two rows run together is refused naming a row,
never read with fewer or merged rows.
"""

import csv
import io

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from campaigns import csv_read
from campaigns.csv_io import STAKEHOLDER_COLUMNS

PROPERTY = settings(max_examples=80, deadline=None)
KNOWN = STAKEHOLDER_COLUMNS

# What CSV has to get right, mixed into any text a person can type (no lone
# surrogates, which no file can hold; control characters are refused by
# design and tested on their own).
TRICKY = ['"', '""', ",", ";", "\t", "\n", "\r\n", "\r", " ", "=", "+", "-", "@", "'"]
TRICKY += ["é", "€", "“", "ß", "Ω", "中", "😀", "\u200d", "\ufeff", "sep=;"]
typed = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=6)
cells = st.lists(st.sampled_from(TRICKY) | typed, max_size=5).map("".join)


@st.composite
def spreadsheets(draw, min_columns=1):
    """(header, rows, text, encoding) of a file as a spreadsheet saves it."""
    others = draw(
        st.lists(st.sampled_from(KNOWN[1:]), unique=True, min_size=min_columns - 1)
    )
    header = draw(st.permutations(["name", *others]))
    width = len(header)
    rows = draw(
        st.lists(
            st.lists(cells, min_size=width, max_size=width), min_size=1, max_size=7
        )
    )
    assume(any(c.strip() for row in rows for c in row))
    out = io.StringIO(newline="")
    writer = csv.writer(
        out,
        delimiter=draw(st.sampled_from(csv_read.DELIMITERS)),
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        lineterminator=draw(st.sampled_from(["\r\n", "\n"])),
    )
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return header, rows, out.getvalue(), encoding


def saved(text, encoding):
    """The bytes, as a spreadsheet would save them (UTF-8 when the text does
    not fit Windows-1252, as "CSV UTF-8" is then the only choice)."""
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    if encoding == "cp1252" and not raw.isascii():
        # Windows-1252 bytes that happen to be valid UTF-8 are read as UTF-8:
        # the rule is UTF-8 first. Real text almost never does this.
        try:
            raw.decode("utf-8")
            assume(False)
        except UnicodeDecodeError:
            pass
    return raw


def expected(header, rows):
    return [
        (number, dict(zip(header, row, strict=True)))
        for number, row in enumerate(rows, start=2)
        if any(c.strip() for c in row)  # an empty row is skipped, but counted
    ]


def read(text):
    return csv_read.read(text, KNOWN, ("name",))


def names_a_row(table):
    return table.errors and all(number for number, _ in table.errors)


@PROPERTY
@given(spreadsheets())
def test_a_spreadsheets_file_reads_back_exactly(file):
    header, rows, text, encoding = file
    table = read(csv_read.decode(saved(text, encoding)))
    assert not table.errors, table.errors
    assert table.rows == expected(header, rows)


@PROPERTY
@given(spreadsheets(), st.data())
def test_a_removed_quote_is_refused_naming_a_row(file, data):
    _, _, text, _ = file
    quotes = [i for i, c in enumerate(text) if c == '"']
    assume(quotes)
    i = data.draw(st.sampled_from(quotes))
    table = read(text[:i] + text[i + 1 :])
    assert names_a_row(table), table


@PROPERTY
@given(spreadsheets(min_columns=2), st.data())
def test_a_dropped_cell_is_refused_at_its_row(file, data):
    header, rows, _, _ = file
    # A row that stays non-empty without one of its cells.
    candidates = [
        n for n, row in enumerate(rows) if sum(bool(c.strip()) for c in row) >= 2
    ]
    assume(candidates)
    n = data.draw(st.sampled_from(candidates))
    j = data.draw(st.integers(0, len(header) - 1))
    broken = [row[:j] + row[j + 1 :] if k == n else row for k, row in enumerate(rows)]
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=data.draw(st.sampled_from(csv_read.DELIMITERS)))
    writer.writerow(header)
    writer.writerows(broken)
    table = read(out.getvalue())
    number = n + 2
    assert any(
        row == number and ", but the header names" in message
        for row, message in table.errors
    ), table.errors
    assert number not in [row for row, _ in table.rows]


@PROPERTY
@given(spreadsheets(min_columns=2), st.data())
def test_two_rows_run_together_are_refused(file, data):
    header, rows, _, _ = file
    assume(len(rows) >= 2)
    n = data.draw(st.integers(0, len(rows) - 2))
    # Two empty rows run together are still an empty row.
    assume(any(c.strip() for c in rows[n] + rows[n + 1]))
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerow(header)
    for k, row in enumerate(rows):
        # Row n loses the line break that ends it.
        csv.writer(out, lineterminator="" if k == n else "\n").writerow(row)
    table = read(out.getvalue())
    assert names_a_row(table), table


@PROPERTY
@given(
    st.lists(cells, min_size=1, max_size=5),
    st.sampled_from(csv_read.DELIMITERS),
    st.sampled_from(["=", "+", "-", "@", "\x00", "\x1b"]),
)
def test_control_characters_are_refused_at_their_row(row, delimiter, start):
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    header = KNOWN[: len(row)]
    writer.writerow(header)
    writer.writerow([start + row[0], *row[1:]])
    table = read(out.getvalue())
    if start in "\x00\x1b":
        assert [number for number, _ in table.errors] == [2]
    else:
        assert not table.errors and table.rows[0][1]["name"] == start + row[0]
