"""Bytes to a table of text: recognise what a file is, its encoding and delimiter, and parse it.

Only comma-, semicolon- and tab-separated text is read. Everything else -- an Excel workbook, a
ZIP archive, an image, a PDF, an empty or binary file -- is refused with one plain sentence
(``UnreadableFile``). Encodings: UTF-8 (with or without a byte-order mark), UTF-16 with a
byte-order mark (Excel's "Unicode text"), and otherwise Windows-1252, read as Latin-1 where
Windows-1252 leaves a byte undefined. Quoted fields may hold delimiters, quotes (doubled) and
line breaks. Lines end in LF, CR LF, or a bare CR (old Mac files, Excel for Mac): in a file whose
records end in a bare CR, a line feed is a line break inside a cell, quoted or not.

Every column is read as text: the importers convert the columns they use, so a stray word in a
number column becomes a reported problem on its row rather than a failure of the whole file.
Rows whose number of fields differs from the header's ("ragged" rows) are set aside and
reported. Row numbers are file line numbers (the header is line 1), computed only when a report
needs them.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import mmap
import os
import re
import tempfile
import typing
import weakref
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

__all__ = [
    "DELIMITERS",
    "ParsedCsv",
    "RaggedRow",
    "UnreadableFile",
    "decode",
    "line_end",
    "parse",
    "quote_line_feeds",
    "refuse_not_csv",
]

#: Delimiters recognised, with the name a user reads.
DELIMITERS: dict[str, str] = {",": "comma", ";": "semicolon", "\t": "tab"}

_BLOCK = 1 << 24  # 16 MiB parse blocks
_MAX_RAGGED = 100_000  # ragged rows kept with their text (all are counted)
#: Above this size a file whose records the vectorised scan cannot find is numbered by record.
_READER_LIMIT = 1 << 28


#: File contents: ``bytes``, or a read-only memory map of the file (``mmap.mmap``).
Bytes = bytes | mmap.mmap


class SpooledFile(mmap.mmap):
    """A file on disk mapped read-only, that can also be read as a stream (``reopen``).

    An upload copied to a temporary file (``spool``) is one: parsing reads it as a stream from
    disk, so its pages need not all be resident at once, and ``drop_pages`` lets the pages that a
    whole-file check touched go from this process's memory (they stay in the page cache).
    ``sha256`` is computed while the file is copied.
    """

    sha256: str = ""
    _fd: int = -1

    def reopen(self) -> typing.BinaryIO | pa.NativeFile:
        """A new binary stream over the whole file, from its start (its own position: streams
        opened at the same time do not disturb each other)."""
        proc = f"/proc/self/fd/{self._fd}"
        if os.path.exists(proc):  # Linux: Arrow's own file reader, into Arrow's memory pool
            return pa.OSFile(proc, "rb")
        if not hasattr(os, "pread"):  # no positional reads on this system: read the mapping
            return pa.BufferReader(self)
        return io.BufferedReader(_PositionalReader(self._fd, len(self)), buffer_size=1 << 20)


class _PositionalReader(io.RawIOBase):
    """Reads a file descriptor with ``os.pread`` from its own position (never moves the fd's offset)."""

    def __init__(self, fd: int, size: int) -> None:
        self._fd, self._size, self._pos = fd, size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: typing.Any) -> int:
        piece = os.pread(self._fd, min(len(buffer), self._size - self._pos), self._pos)
        buffer[: len(piece)] = piece
        self._pos += len(piece)
        return len(piece)


def spool(source: typing.BinaryIO, chunk: int = 1 << 20) -> SpooledFile | bytes:
    """Copy a binary file object in ``chunk``-byte pieces to an unlinked temporary file and map it
    (``SpooledFile``); ``b""`` for an empty one. Memory: one chunk, whatever the file's size."""
    digest = hashlib.sha256()
    with tempfile.TemporaryFile(prefix="stability-upload-") as tmp:
        while piece := source.read(chunk):
            digest.update(piece)
            tmp.write(piece)
        tmp.flush()
        if tmp.tell() == 0:
            return b""
        mapped = SpooledFile(tmp.fileno(), 0, access=mmap.ACCESS_READ)
        mapped.sha256 = digest.hexdigest()
        mapped._fd = os.dup(tmp.fileno())
    weakref.finalize(mapped, os.close, mapped._fd)
    return mapped


def drop_pages(data: Bytes) -> None:
    """Let the resident pages of a mapped file go from this process's memory (read again from the
    page cache or disk when next touched); nothing for bytes."""
    if isinstance(data, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        with contextlib.suppress(OSError, ValueError):
            data.madvise(mmap.MADV_DONTNEED)


class UnreadableFile(ValueError):
    """The bytes are not a CSV file this tool can read; the message is one plain sentence."""


@dataclass(frozen=True)
class RaggedRow:
    """A row set aside because its number of fields differs from the header's."""

    line: int | None
    fields: int
    expected: int
    text: str


@dataclass(frozen=True, eq=False)
class ParsedCsv:
    """A parsed file: every column as text (``pa.string()``, empty cells as null).

    ``columns`` are the header names as written (surrounding spaces and a byte-order mark
    removed); ``table`` uses the same names, made unique with a ``.2``, ``.3`` suffix.
    """

    table: pa.Table
    encoding: str
    delimiter: str
    columns: list[str]
    data: Bytes = field(repr=False)
    ragged_count: int = 0

    @property
    def delimiter_name(self) -> str:
        return DELIMITERS.get(self.delimiter, repr(self.delimiter))

    @cached_property
    def _layout(self) -> tuple[np.ndarray, list[RaggedRow], bool]:
        return _record_layout(self.data, self.delimiter, len(self.columns), self.table.num_rows)

    @property
    def lines(self) -> np.ndarray:
        """File line number (header = 1) where each row of ``table`` starts, as int64."""
        return self._layout[0]

    @property
    def lines_exact(self) -> bool:
        """False when the line numbers are approximate (then reports speak of records)."""
        return self._layout[2]

    @property
    def ragged(self) -> list[RaggedRow]:
        """Rows set aside because their number of fields differs from the header's."""
        return self._layout[1]


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "This is a PDF document, not a CSV file."),
    (b"\x89PNG", "This is an image (PNG), not a CSV file."),
    (b"\xff\xd8\xff", "This is an image (JPEG), not a CSV file."),
    (b"GIF8", "This is an image (GIF), not a CSV file."),
    (b"II*\x00", "This is an image (TIFF), not a CSV file."),
    (b"MM\x00*", "This is an image (TIFF), not a CSV file."),
    (
        b"\x1f\x8b",
        "This is a compressed (gzip) file, not a CSV file: decompress it and upload the CSV inside.",
    ),
    (b"7z\xbc\xaf", "This is a compressed (7-Zip) archive, not a CSV file: extract the CSV and upload it."),
    (b"Rar!", "This is a compressed (RAR) archive, not a CSV file: extract the CSV and upload it."),
    (
        b"\xd0\xcf\x11\xe0",
        "This is an Excel workbook in the old .xls format, not a CSV file: open it in Excel and "
        "save it as 'CSV UTF-8 (comma delimited)', then upload that file.",
    ),
    (b"SQLite format 3", "This is a database file (SQLite), not a CSV file."),
    (b"PAR1", "This is a Parquet file, not a CSV file."),
)


def refuse_not_csv(data: Bytes) -> None:
    """Raise ``UnreadableFile`` with one plain sentence when ``data`` is plainly not a CSV file."""
    head = bytes(data[:65536])
    blank = b" \t\r\n\x00\xef\xbb\xbf"
    if not head.strip(blank) and (len(data) <= len(head) or not bytes(data).strip(blank)):
        raise UnreadableFile("The file is empty: it holds no rows and no column names.")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if b"xl/" in head or b"[Content_Types].xml" in head and b"xl" in head:
            raise UnreadableFile(
                "This is an Excel workbook (.xlsx), not a CSV file: open it in Excel and save it as "
                "'CSV UTF-8 (comma delimited)', then upload that file."
            )
        if b"word/" in head or b"ppt/" in head:
            raise UnreadableFile("This is a Word or PowerPoint document, not a CSV file.")
        raise UnreadableFile(
            "This is a ZIP archive, not a CSV file: extract the CSV file from it and upload that."
        )
    for magic, sentence in _SIGNATURES:
        if head.startswith(magic):
            raise UnreadableFile(sentence)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        raise UnreadableFile("This is an image (WebP), not a CSV file.")
    lowered = head[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        raise UnreadableFile("This is a web page (HTML), not a CSV file: download the data itself as CSV.")
    if lowered.startswith(b"<?xml"):
        raise UnreadableFile("This is an XML file, not a CSV file.")
    if lowered.startswith((b"{", b"[")) and not lowered.startswith(b'["'):
        stripped = bytes(data[-512:]).strip()
        if stripped.endswith((b"}", b"]")):
            raise UnreadableFile("This is a JSON file, not a CSV file.")


def _looks_binary(sample: bytes) -> bool:
    """True when a sample holds NUL bytes or many control characters (text files have almost none)."""
    if b"\x00" in sample:
        return True
    control = sum(sample.count(bytes([b])) for b in (*range(0, 9), 11, 12, *range(14, 27), *range(28, 32)))
    return control > max(4, len(sample) // 100)


def decode(data: Bytes) -> tuple[Bytes, str]:
    """Return ``(utf8_bytes, encoding_name)``; raise ``UnreadableFile`` for binary content.

    Order: UTF-8 byte-order mark; UTF-16 byte-order marks; pure ASCII; valid UTF-8; else
    Windows-1252 (bytes it leaves undefined are read as Latin-1).
    """
    head = bytes(data[:65536])
    if head.startswith(b"\xef\xbb\xbf"):
        body = bytes(data[3:])
        if _looks_binary(body[:65536]):
            raise UnreadableFile("The file holds binary data, not text: it is not a CSV file.")
        if not _is_utf8(body):
            return _cp1252(body).encode("utf-8"), "Windows-1252"
        return body, "UTF-8 with byte-order mark"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = bytes(data).decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFile("The file claims to be UTF-16 text but cannot be read as such.") from exc
        return text.encode("utf-8"), "UTF-16"
    if _looks_binary(head):
        raise UnreadableFile("The file holds binary data, not text: it is not a CSV file.")
    if (isinstance(data, bytes) and data.isascii()) or _is_utf8(data):
        drop_pages(data)  # the check touched every page of a mapped file
        return data, "UTF-8"
    return _cp1252(bytes(data)).encode("utf-8"), "Windows-1252"


def _is_utf8(data: Bytes) -> bool:
    """True when ``data`` is valid UTF-8 (Arrow's vectorised check, without copying the bytes)."""
    if len(data) >= 2**31 - 1:
        try:
            bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int32).tobytes())
    one = pa.Array.from_buffers(pa.binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        one.cast(pa.string())
    except pa.ArrowInvalid:
        return False
    return True


def _cp1252(data: bytes) -> str:
    """Windows-1252 text; the five bytes it leaves undefined are read as Latin-1 (C1 controls)."""
    return data.decode("cp1252", errors="latin1fallback")


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error("latin1fallback", _latin1_fallback)


_BREAK_OR_QUOTE = re.compile(rb'["\r\n]')


def line_end(sample: bytes) -> bytes:
    """How the records of a file end: ``b"\\r"`` when its first line break outside quotes is a bare
    carriage return (old Mac files, and Excel for Mac, whose cells may hold line feeds), else
    ``b"\\n"`` (line feeds, or CR LF).

    Quote-aware, so a line feed inside a quoted cell does not decide it; ``sample`` is the start
    of the file (a megabyte is plenty).
    """
    inside = False
    for m in _BREAK_OR_QUOTE.finditer(sample):
        if m.group() == b'"':
            inside = not inside
        elif not inside:
            return b"\r" if m.group() == b"\r" and sample[m.end() : m.end() + 1] != b"\n" else b"\n"
    return b"\n"


def quote_line_feeds(data: Bytes, delimiter: str | None = None) -> Bytes:
    """In a file whose records end in a bare carriage return, quote the cells that hold a line feed.

    Such a file (old Mac line ends; Excel for Mac, and Python's ``csv.writer`` with
    ``lineterminator="\\r"``, which leaves a cell holding a line feed unquoted) ends its records
    only at carriage returns, so a lone line feed is a line break inside a cell, whether or not
    the cell is quoted. The parser would end a record there; quoting the cell keeps it whole. Only
    the quotes are added: every line break stays, so line numbers do not change. A CR LF pair
    still ends a record, and a line feed inside a quoted cell (or one whose quote runs over a
    carriage return) is left as it is. ``data`` is returned unchanged when nothing needs quoting;
    ``delimiter`` is sniffed from the first non-blank line when not given.
    """
    if line_end(bytes(data[: 1 << 20])) != b"\r" or data.find(b"\n") < 0:
        return data
    buf = bytes(data)
    arr = np.frombuffer(buf, dtype=np.uint8)
    feeds = np.flatnonzero(arr == 10)
    feeds = feeds[(feeds == 0) | (arr[np.maximum(feeds - 1, 0)] != 13)]  # lone line feeds only
    if len(feeds) == 0:
        return data
    if delimiter is None:
        first = next((seg for seg in buf[: 1 << 20].split(b"\r") if seg.strip(b" \t\n")), b"")
        delimiter = sniff_delimiter(first.decode("utf-8", "replace"))
    returns = np.flatnonzero(arr == 13)
    quotes = np.flatnonzero(arr == 34)
    at = np.searchsorted(returns, feeds)
    starts = np.where(at > 0, returns[np.maximum(at - 1, 0)] + 1, 0)
    ends = np.where(at < len(returns), returns[np.minimum(at, len(returns) - 1)], len(buf))
    pieces: list[bytes] = []
    done = 0
    for start, end in sorted(set(zip(starts.tolist(), ends.tolist(), strict=True))):
        if buf[start : start + 1] == b"\n" and start > 0 and buf[start - 1 : start] == b"\r":
            start += 1  # a CR LF pair ends the record before: its line feed is no cell's
        if int(np.searchsorted(quotes, start)) % 2:  # inside a quoted cell that runs over a CR
            continue
        line = buf[start:end]
        fixed = _quote_cells_with_line_feeds(line, delimiter.encode())
        if fixed != line:
            pieces += [buf[done:start], fixed]
            done = end
    if not pieces:
        return data
    return b"".join([*pieces, buf[done:]])


def _quote_cells_with_line_feeds(line: bytes, delimiter: bytes) -> bytes:
    """``line`` (one record, no carriage return) with its unquoted cells that hold a line feed
    quoted (inner quotes doubled); unchanged when a quoted cell does not close on the line or
    the line holds nothing but blanks."""
    if not line.strip(b" \t\n"):
        return line
    cells: list[bytes] = []
    pos = 0
    while True:
        if line[pos : pos + 1] == b'"':  # a quoted cell: find its closing quote
            q = pos + 1
            while True:
                q = line.find(b'"', q)
                if q < 0:
                    return line  # the quote runs past this line: leave the line as it is
                if line[q + 1 : q + 2] != b'"':
                    break
                q += 2
            nxt = line.find(delimiter, q + 1)
        else:
            nxt = line.find(delimiter, pos)
        cell = line[pos : len(line) if nxt < 0 else nxt]
        if b"\n" in cell and not cell.startswith(b'"'):
            cell = b'"' + cell.replace(b'"', b'""') + b'"'
        cells.append(cell)
        if nxt < 0:
            return delimiter.join(cells)
        pos = nxt + 1


def _first_line(text: bytes) -> tuple[bytes, int]:
    """The header record (first non-blank line, quote-aware) and the number of lines before it."""
    eol = line_end(text[: 1 << 20])
    skipped = 0
    pos = 0
    n = len(text)
    while pos < n:
        end = text.find(eol, pos)
        end = n if end < 0 else end
        if text[pos:end].strip(b"\r \t"):
            break
        skipped += 1
        pos = end + 1
    # extend over quoted line breaks
    end = pos
    while True:
        nl = text.find(eol, end)
        if nl < 0:
            return text[pos:], skipped
        if text.count(b'"', pos, nl) % 2 == 0:
            return text[pos:nl].rstrip(b"\r"), skipped
        end = nl + 1


def _count_outside_quotes(line: str, ch: str) -> int:
    count, inside = 0, False
    for c in line:
        if c == '"':
            inside = not inside
        elif c == ch and not inside:
            count += 1
    return count


def sniff_delimiter(header: str) -> str:
    """The delimiter that splits the header line into the most fields (comma on a tie or none)."""
    counts = {d: _count_outside_quotes(header, d) for d in DELIMITERS}
    best = max(counts.values())
    if best == 0:
        return ","
    return next(d for d in DELIMITERS if counts[d] == best)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for k, name in enumerate(names):
        base = name or f"column_{k + 1}"
        if base in seen:
            seen[base] += 1
            out.append(f"{base}.{seen[base]}")
        else:
            seen[base] = 1
            out.append(base)
    return out


def parse(data: Bytes) -> ParsedCsv:
    """Parse CSV bytes into a table of text columns; raise ``UnreadableFile`` with one plain sentence.

    A file with column names but no data rows is refused too: there is nothing to store.
    """
    refuse_not_csv(data)
    text, encoding = decode(data)
    header_bytes, skipped = _first_line(bytes(text[: 1 << 22]))
    header = header_bytes.decode("utf-8")
    delimiter = sniff_delimiter(header)
    text = quote_line_feeds(text, delimiter)  # Excel for Mac: a line feed is inside a cell
    try:
        names = next(csv.reader(io.StringIO(header, newline=""), delimiter=delimiter))
    except (csv.Error, StopIteration) as exc:
        raise UnreadableFile("The first line of the file could not be read as column names.") from exc
    columns = [n.strip().lstrip("\ufeff").strip() for n in names]
    unique = _unique(columns)
    ragged: list[int] = []

    def _read(handler: object | None) -> pa.Table:
        return pacsv.read_csv(
            text.reopen() if isinstance(text, SpooledFile) else pa.BufferReader(text),
            read_options=pacsv.ReadOptions(
                column_names=unique, skip_rows=skipped + 1, block_size=_BLOCK, use_threads=True
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                newlines_in_values=True,
                ignore_empty_lines=True,
                invalid_row_handler=handler,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in unique},
                check_utf8=False,  # ``decode`` gave valid UTF-8, and cells split it only at ASCII bytes
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )

    def _skip(row: object) -> str:
        ragged.append(1)
        return "skip"

    try:
        try:
            table = _read(None)
        except pa.ArrowInvalid as exc:
            if "columns" not in str(exc) and "Expected" not in str(exc):
                raise
            table = _read(_skip)
    except pa.ArrowInvalid as exc:
        raise UnreadableFile(f"The file could not be read as CSV text ({_plain(exc)}).") from exc
    if table.num_rows == 0 and not ragged:
        raise UnreadableFile("The file has column names but no data rows: there is nothing to store.")
    return ParsedCsv(table, encoding, delimiter, columns, text, len(ragged))


def _plain(exc: Exception) -> str:
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return msg.replace("CSV parse error: ", "").rstrip(".")


def _line_breaks(arr: np.ndarray, buf: Bytes) -> np.ndarray:
    """Positions where a line ends, as the parser and a text editor see them: every line feed, and
    every carriage return not followed by one (CR LF is one break, at its LF). ``buf``: the bytes
    of ``arr``, searched first for a carriage return (most files have none)."""
    newlines = np.flatnonzero(arr == 10)
    if buf.find(b"\r") < 0:
        return newlines
    returns = np.flatnonzero(arr == 13)
    if len(returns) == 0:
        return newlines
    follows = returns + 1
    bare = returns[(follows >= len(arr)) | (arr[np.minimum(follows, len(arr) - 1)] != 10)]
    if len(bare) == 0:
        return newlines
    return np.sort(np.concatenate([newlines, bare]))


def _record_layout(
    buf: bytes, delimiter: str, n_fields: int, n_rows: int
) -> tuple[np.ndarray, list[RaggedRow], bool]:
    """Line numbers of the parsed rows and the ragged rows, from a vectorised scan of the bytes.

    A line ends at a line feed, a CR LF or a bare carriage return, as the parser reads them. A
    record ends at a line break preceded by an even number of quote characters (a doubled quote
    inside a quoted field toggles twice, so it keeps the parity). Blank records are skipped as the
    parser skips them; the first non-blank record is the header. When the scan disagrees with the
    parser's row count (a stray quote inside an unquoted cell, such as ``5'10"``), the records are
    found again with Python's CSV reader, which reads quotes as the parser does.

    Returns ``(lines, ragged, exact)``. ``exact`` is False when the lines cannot be known (then the
    lines are ``index + 2`` and reports speak of records), and for a file whose records end in a
    bare carriage return (old Mac line ends: some programs show such a file as one line), whose
    rows reports number as records -- unless some rows were set aside as ragged: record numbers
    then no longer follow the parsed rows, so every row is named by its line.
    """
    fallback = np.arange(n_rows, dtype=np.int64) + 2, [], False
    arr = np.frombuffer(buf, dtype=np.uint8)
    breaks = _line_breaks(arr, buf)
    quotes = np.flatnonzero(arr == 34)
    ends = breaks[(np.searchsorted(quotes, breaks) & 1) == 0] if len(quotes) else breaks
    cr_records = len(ends) > 0 and not (arr[ends] == 10).any()
    starts = np.concatenate([np.array([0], dtype=np.int64), ends + 1])
    stops = np.concatenate([ends, np.array([len(buf)], dtype=np.int64)])
    length = stops - starts
    safe = np.minimum(starts, max(len(buf) - 1, 0))
    blank = (length <= 0) | ((length == 1) & (arr[safe] == 13)) if len(buf) else length <= 0
    keep = ~blank
    starts, stops = starts[keep], stops[keep]
    lines_all = np.searchsorted(breaks, starts).astype(np.int64) + 1
    if len(starts) == 0:
        return fallback
    delim = np.flatnonzero(arr == ord(delimiter))
    if len(quotes):
        delim = delim[(np.searchsorted(quotes, delim) & 1) == 0]
    record = np.searchsorted(stops, delim, side="left")
    fields = np.bincount(record, minlength=len(starts))[: len(starts)] + 1
    data_fields = fields[1:]
    data_lines = lines_all[1:]
    bad = data_fields != n_fields
    good_lines = data_lines[~bad]
    if len(good_lines) != n_rows:
        found = _layout_by_reader(buf, delimiter, n_fields, n_rows)
        if found is None:
            return fallback
        good_lines, ragged = found
    else:
        ragged = []
        for k in np.flatnonzero(bad)[:_MAX_RAGGED]:
            s, e = int(starts[k + 1]), int(stops[k + 1])
            ragged.append(
                RaggedRow(
                    int(data_lines[k]),
                    int(data_fields[k]),
                    n_fields,
                    bytes(buf[s:e]).rstrip(b"\r").decode("utf-8", "replace"),
                )
            )
    return good_lines, ragged, not cr_records or bool(ragged)


def _layout_by_reader(
    buf: bytes, delimiter: str, n_fields: int, n_rows: int
) -> tuple[np.ndarray, list[RaggedRow]] | None:
    """Line numbers of the parsed rows and the ragged rows, from Python's CSV reader.

    Slower than the vectorised scan, but it reads quotes as the parser does (only at the start of
    a cell), so a stray quote inside an unquoted cell does not join lines. None when it disagrees
    with the parser's row count too, or the file is too large to read this way.
    """
    if len(buf) > _READER_LIMIT:
        return None
    stream = io.StringIO(bytes(buf).decode("utf-8", "replace"), newline="")
    reader = csv.reader(stream, delimiter=delimiter)
    lines: list[int] = []
    ragged: list[RaggedRow] = []
    header_seen = False
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not row:  # a blank line
                continue
            if not header_seen:
                header_seen = True
            elif len(row) == n_fields:
                lines.append(line)
            elif len(ragged) < _MAX_RAGGED:
                text = io.StringIO()
                csv.writer(text, delimiter=delimiter, lineterminator="").writerow(row)
                ragged.append(RaggedRow(line, len(row), n_fields, text.getvalue()))
    except csv.Error:  # a cell longer than the reader accepts
        return None
    if len(lines) != n_rows:
        return None
    return np.asarray(lines, dtype=np.int64), ragged
