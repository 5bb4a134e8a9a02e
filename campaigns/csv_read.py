"""Reading a CSV file the way spreadsheet programs write it, and refusing one
that could only be read by guessing.

Read: comma, semicolon or tab between cells (told apart by the header's
column names), UTF-8 with or without a byte order mark, UTF-16 with one,
Windows-1252 when the bytes are not UTF-8, CRLF, LF or CR line ends, and
quoted cells holding line breaks, delimiters and doubled quotes.

Refused, naming the row as a spreadsheet numbers it (the header is row 1, a
cell with line breaks stays one row): a quote that is never closed or stands
in the middle of a cell, a row with more or fewer cells than the header,
control characters and bytes that are not text.
"""

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

MAX_BYTES = 1_000_000
MAX_ROWS = 2000
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}
# Workbooks saved under a .csv name: say what they are instead of listing
# every row of binary noise.
WORKBOOKS = (
    (b"PK\x03\x04", "a workbook (.xlsx or .ods)"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97–2003 workbook (.xls)"),
    (b"%PDF", "a PDF"),
)
# Text never holds these; a file that does is binary, or was decoded wrongly
# (lone surrogates stand for bytes that are neither UTF-8 nor Windows-1252).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
UNDECODED = re.compile(r"[\udc80-\udcff]")
TOO_LARGE = (
    f"The file is larger than {MAX_BYTES // 1_000_000} MB: split it into smaller files."
)
STRAY_QUOTE = (
    "A quote stands in the middle of a cell. A cell with quotes must start "
    'and end with one, and each quote inside it is doubled (""). Rows after '
    "this one were not read."
)


class Unreadable(ValueError):
    """The whole file is refused; the message is for the file field."""


def decode(raw):
    """The bytes as text. Bytes that no encoding read are kept as lone
    surrogates, so that `read` names the rows that hold them."""
    if len(raw) > MAX_BYTES:
        raise Unreadable(TOO_LARGE)
    for magic, what in WORKBOOKS:
        if raw.startswith(magic):
            raise Unreadable(
                f"This is {what}, not a CSV file. In your spreadsheet choose "
                "Save as… (or Download) and “CSV UTF-8”."
            )
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text": the byte order mark says so, no guess.
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise Unreadable(
                "The file starts as UTF-16 text but is damaged: save it again "
                "as “CSV UTF-8”."
            ) from None
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # Windows' own encoding, which Excel uses for plain "CSV"; Python's
        # codec refuses the five bytes it leaves undefined.
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        pass
    # Neither: the file is refused. Name the rows of whichever reading leaves
    # fewer bytes unread, which points at the stray bytes, not every accent.
    readings = [raw.decode(codec, "surrogateescape") for codec in ("utf-8", "cp1252")]
    return min(readings, key=lambda text: len(UNDECODED.findall(text)))


@dataclass
class Table:
    """A file's rows under its header, or what is wrong with them."""

    columns: list  # the header's known columns, each named once
    rows: list = field(default_factory=list)  # (row number, {column: cell})
    errors: list = field(default_factory=list)  # (row number or None, message)
    delimiter: str = ","


def read(text, known, required):
    """The rows of `text` under a header naming some of the `known` columns,
    `required` among them. Every problem is reported with its row. Reading
    stops where quoting breaks (nothing after it can be trusted), at a
    binary header, and past MAX_ROWS."""
    delimiter, text = _excel_separator(text)
    delimiter = delimiter or choose_delimiter(text, known)
    table = Table(columns=[], delimiter=delimiter)
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    grammar = _record_grammar(delimiter)
    header = None
    number = count = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            table.errors.append((number, _quote_problem(str(error))))
            break
        # csv.reader takes a quote in the middle of an unquoted cell as text:
        # a lost quote could then pair with a later one and merge rows
        # without an error. Each row's own text must follow the strict rules.
        if not grammar.fullmatch(lines.take()):
            table.errors.append((number, STRAY_QUOTE))
            break
        problem = _characters(cells)
        if header is None:
            if problem:  # a binary file: its "column names" are noise
                table.errors.append((number, problem))
                break
            header = _header(cells, known, required, table)
            continue
        if not any(cell.strip() for cell in cells):
            continue  # an empty row, as spreadsheets keep between blocks
        count += 1
        if count > MAX_ROWS:
            table.errors.append(
                (number, f"Only {MAX_ROWS:,} rows at a time: split the file.")
            )
            break
        if problem:
            table.errors.append((number, problem))
        elif len(cells) != len(header):
            table.errors.append(
                (
                    number,
                    f"{len(cells)} cell{'s' if len(cells) != 1 else ''}, but the "
                    f"header names {len(header)} (reading cells as separated by "
                    f"{DELIMITER_NAMES[delimiter]}).",
                )
            )
        elif unnamed := [i for i, n in enumerate(header) if n == "" and cells[i]]:
            table.errors.append(
                (
                    number,
                    f"Cell {unnamed[0] + 1} has text, but its column has no name "
                    "in the header.",
                )
            )
        else:
            table.rows.append(
                (number, {n: cells[i] for i, n in enumerate(header) if n})
            )
    if header is None and not table.errors:
        table.errors.append((None, "The file is empty."))
    elif header is not None and not table.rows and not table.errors:
        table.errors.append((None, "The file has no rows under its header."))
    return table


def choose_delimiter(text, known):
    """The delimiter under which the header names the most known columns.

    csv.Sniffer guesses from how often characters recur, and cells full of
    commas fool it; the header's names are a far better witness. A tie (a
    one-column header reads the same with any delimiter) goes to the first
    delimiter under which every row has as many cells as the header, else
    to the comma.
    """
    scores = {}
    for delimiter in DELIMITERS:
        names = normalise(_first_record(text, delimiter))
        hits = sum(1 for name in names if name in known)
        # No known column at all: the split into most cells reads best.
        scores[delimiter] = (hits, len(names) if not hits else 0)
    best = max(scores.values())
    tied = [d for d in DELIMITERS if scores[d] == best]
    if len(tied) > 1:
        for delimiter in tied:
            if _cells_line_up(text, delimiter):
                return delimiter
    return tied[0]


def normalise(names):
    """Header names as the code spells them: "Cares about" is cares_about.
    A stray byte order mark (a file saved with two) is no part of a name."""
    return [
        re.sub(r"[\s-]+", "_", name.replace("\ufeff", "").strip().lower())
        for name in names
    ]


# ---- the pieces ---------------------------------------------------------


class _Lines:
    """The text's lines for csv.reader, remembering those of the current row.

    newline="" splits at CR, LF and CRLF alike and keeps them, so a cell's
    own line breaks come through untouched.
    """

    def __init__(self, text):
        self._lines = io.StringIO(text, newline="")
        self._taken = []

    def __iter__(self):
        return self

    def __next__(self):
        line = next(self._lines)
        self._taken.append(line)
        return line

    def take(self):
        text = "".join(self._taken)
        self._taken.clear()
        return text


def _record_grammar(delimiter):
    """One row of RFC 4180: cells either quoted (quotes inside doubled) or
    free of quotes, delimiters and line breaks."""
    d = re.escape(delimiter)
    cell = rf'(?:"[^"]*(?:""[^"]*)*"|[^"{d}\r\n]*)'
    return re.compile(rf"{cell}(?:{d}{cell})*(?:\r\n|\r|\n)?")


def _quote_problem(error):
    if "field larger than field limit" in error:
        return (
            f"A cell runs past {csv.field_size_limit():,} characters: a quote "
            "opened on this row is probably never closed. Rows after this one "
            "were not read."
        )
    if "unexpected end of data" in error:
        return (
            "A quote opened on this row is never closed, so the rest of the file "
            "would run into one cell. Rows after this one were not read."
        )
    if "expected after" in error:
        return (
            "The quotes on this row do not pair up: a quoted cell must end with "
            "a quote followed by the delimiter or the end of the line, and each "
            'quote inside it is doubled (""). Rows after this one were not read.'
        )
    return f"The row cannot be read as CSV ({error}). Rows after it were not read."


def _characters(cells):
    for cell in cells:
        if match := UNDECODED.search(cell):
            byte = ord(match.group()) - 0xDC00
            return (
                f"Byte 0x{byte:02X} cannot be read: the file is neither UTF-8 nor "
                "Windows-1252 text. Save it from your spreadsheet as “CSV UTF-8”."
            )
        if match := CONTROL.search(cell):
            return (
                f"A control character (U+{ord(match.group()):04X}) that text never "
                "holds: is this really a CSV file?"
            )
    return None


def _header(cells, known, required, table):
    """The header's names, its problems added to `table.errors` (row 1) and
    its usable columns (known, named once) to `table.columns`.

    Each place holds its column's name, "" for a column without a name
    (whose cells must stay empty) or None for one already reported as
    unknown or repeated (whose cells are not read).
    """
    names = normalise(cells)
    problems = []
    if unknown := [n for n in names if n and n not in known]:
        problems.append(
            f"Unknown column{'s' if len(unknown) != 1 else ''}: "
            f"{', '.join(unknown)}. The columns are: {', '.join(known)}."
        )
    twice = [n for i, n in enumerate(names) if n and n in names[:i]]
    for name in dict.fromkeys(twice):
        problems.append(f"The column “{name}” appears more than once.")
    if missing := [n for n in required if n not in names]:
        problems.append(
            "The first row must name the columns, including "
            + ", ".join(f"“{n}”" for n in missing)
            + "."
        )
    table.errors.extend((1, problem) for problem in problems)
    table.columns = [n for n in names if n in known and n not in twice]
    return [n if n in table.columns else ("" if not n else None) for n in names]


def _excel_separator(text):
    """Excel reads, and some programs write, a first line "sep=;" naming the
    delimiter; Excel then hides it, so the header is still row 1."""
    match = re.match(r"sep=([,;\t])(\r\n|\r|\n)", text)
    if match:
        return match.group(1), text[match.end() :]
    return None, text


def _first_record(text, delimiter):
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return []


def _cells_line_up(text, delimiter):
    try:
        rows = csv.reader(
            io.StringIO(text, newline=""), delimiter=delimiter, strict=True
        )
        widths = {len(row) for row in rows if any(row)}
    except csv.Error:
        return False
    return len(widths) <= 1
