"""Before parsing: read a file the way its publisher wrote it, repairing only what is safe.

``read_source(data)`` returns the parsed file (``sniff.parse``) together with notes on what was
repaired or skipped and the problems that refuse the whole file. Every repair keeps the file's
line numbers: a skipped line is blanked (the parser skips blank lines), and a record rejoined from
two lines leaves the second line blank, so a report still names the lines as the user sees them.

What is recognised:

- **Publishers' notes above the column names** (a preamble): the 11 lines of a SIPRI trade
  register (both layouts), the ``"Data Source"``/``"Last Updated Date"`` lines of a World Bank API
  download. Skipped, with a note.
- **A footer below the data**: the ``Data from database: …`` and ``Last Updated: …`` lines of a
  World Bank DataBank export. Skipped, with a note.
- **Committed merge-conflict markers** (``<<<<<<<``, ``=======``, ``>>>>>>>``): when the two
  versions between the markers are the same, the markers and the second copy are skipped, with a
  note; otherwise the file is refused, naming the lines, because choosing a version is the user's
  decision.
- **A record broken by a line break inside an unquoted comment** (SIPRI's classic register): two
  or more consecutive lines whose fields add up to the header's only when the break fell inside
  the ``Comments`` column are rejoined (the break becomes a space), with a note. Any other line
  with the wrong number of fields is left to the parser, which sets it aside and reports it.
- **An Excel workbook** (``.xlsx``, ``.xls``) or **a ZIP archive**, and **a preamble, tag row or
  footer in any file**: ``layout`` finds the sheet, the data file, the header line (the first that
  a known layout recognises, or failing that the first with the shape of the rows below), an HXL
  hashtag row under the header, and footer lines; each is skipped or read here, with a note.

- **Column names that repeat** (``best`` twice, or ``Value`` and ``value``: the importers find
  columns by name whatever the capitals, so only the first would be read): the file is refused,
  naming the name and its columns. Empty header cells (a trailing delimiter) are not names and
  may repeat.

Files in UTF-16 (with a byte-order mark) are read as the same text in UTF-8, so every repair above
applies to them too. Files whose records end in a bare carriage return (old Mac files, Excel for
Mac) are read line by line at their carriage returns; a line feed there is a line break inside a
cell, and a cell holding one unquoted (as Python's ``csv.writer`` leaves it) is quoted
(``sniff.quote_line_feeds``), which keeps the line numbers.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from dataclasses import dataclass, field

from datasets.ingest import layout
from datasets.ingest.layout import Recognise, workbook_to_csv
from datasets.ingest.sniff import Bytes, ParsedCsv, decode, line_end, parse, quote_line_feeds

__all__ = ["Source", "read_source", "workbook_to_csv"]

_BOM = b"\xef\xbb\xbf"
_HEAD_LINES = 60


@dataclass
class Source:
    """A file parsed after the safe repairs, with what was done and what refuses it."""

    parsed: ParsedCsv
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _is_workbook(head: bytes) -> bool:
    xlsx = head.startswith((b"PK\x03\x04", b"PK\x05\x06")) and (b"xl/" in head or b"[Content_Types]" in head)
    return xlsx or head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # .xls (OLE2)


def _lines_text(a: int, b: int) -> str:
    return f"line {a}" if a == b else f"lines {a}–{b}"


def _ranges(numbers: list[int]) -> str:
    """``[3, 4, 5, 9]`` -> ``"3–5, 9"``."""
    out: list[str] = []
    start = prev = None
    for n in sorted(numbers):
        if start is None:
            start = prev = n
        elif n == prev + 1:  # type: ignore[operator]
            prev = n
        else:
            out.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = prev = n
    if start is not None:
        out.append(f"{start}" if start == prev else f"{start}–{prev}")
    return ", ".join(out)


def _field_count(line: bytes, delimiter: bytes) -> int:
    count, inside = 1, False
    d = delimiter[0]
    for c in line:
        if c == 34:
            inside = not inside
        elif c == d and not inside:
            count += 1
    return count


def _split_fields(line: bytes, delimiter: str) -> list[str]:
    text = line.rstrip(b"\r").decode("utf-8", "replace")
    return next(csv.reader(io.StringIO(text), delimiter=delimiter), [])


#: Occurrences of a marker's first character checked one by one before ``_line_starts_with``
#: hands the rest of the file to a substring search (a file full of '<' in its text).
_MARKER_CHECKS = 1_000


def _line_starts_with(data: Bytes, marker: bytes, eol: bytes = b"\n") -> bool:
    """True when a line after the first starts with ``marker`` (``eol + marker`` is in ``data``).

    The same answer as ``data.find(eol + marker) >= 0``, found by jumping from one occurrence of
    the marker's first character to the next (``find`` of one byte is a ``memchr``, several times
    faster than a substring search over the whole file); a file where that character is common
    falls back to the substring search from where the jumps stopped.
    """
    first = marker[:1]
    pos = data.find(first, 1)
    checks = 0
    while pos >= 0:
        if data[pos - 1 : pos] == eol and data[pos : pos + len(marker)] == marker:
            return True
        checks += 1
        if checks >= _MARKER_CHECKS:
            return data.find(eol + marker, pos - 1) >= 0
        pos = data.find(first, pos + 1)
    return False


def _header_index(lines: list[bytes]) -> tuple[int, str] | None:
    """Index of the column names below a known publisher's preamble, and which publisher."""
    for k, raw in enumerate(lines[:_HEAD_LINES]):
        line = raw.lstrip(_BOM).rstrip(b"\r")
        if line.startswith(b"SIPRI AT Database ID,"):
            return k, "SIPRI"
        if b"Year(s) of delivery" in line and line.startswith((b"Recipient,", b"Supplier,")):
            return k, "SIPRI"
        unquoted = line.replace(b'"', b"")
        if unquoted.startswith(b"Country Name,Country Code,Indicator Name,Indicator Code"):
            return k, "World Bank"
    return None


def _conflicts(lines: list[bytes]) -> tuple[list[int], list[str]]:
    """Lines to blank for conflict blocks whose two sides agree, and the blocks that disagree."""
    blank: list[int] = []
    refused: list[str] = []
    k = 0
    n = len(lines)
    while k < n:
        if not lines[k].startswith(b"<<<<<<<"):
            k += 1
            continue
        start = k
        ours: list[bytes] = []
        base: list[bytes] = []
        theirs: list[bytes] = []
        part = ours
        mid = end = None
        j = k + 1
        while j < n:
            s = lines[j].rstrip(b"\r")
            if s.startswith(b"|||||||") and part is ours:
                part = base
            elif s == b"=======" or (s.startswith(b"=======") and not s.strip(b"=")):
                mid = j
                part = theirs
            elif s.startswith(b">>>>>>>"):
                end = j
                break
            else:
                part.append(s)
            j += 1
        if mid is None or end is None:
            refused.append(f"'<<<<<<<' at line {start + 1} with no matching '=======' and '>>>>>>>'")
            k = j + 1
            continue
        if ours == theirs:
            blank.extend(range(mid, end + 1))  # '=======', their copy, '>>>>>>>'
            blank.append(start)
            blank.extend(range(start + 1 + len(ours), mid))  # the base section of a diff3 block
        else:
            refused.append(
                f"lines {start + 1}–{end + 1} ('<<<<<<<' at line {start + 1}, '=======' at line {mid + 1}, "
                f"'>>>>>>>' at line {end + 1})"
            )
        k = end + 1
    for k, line in enumerate(lines):  # stray markers outside a block
        s = line.rstrip(b"\r")
        if s.startswith(b">>>>>>>") and k not in blank and not any(str(k + 1) in r for r in refused):
            refused.append(f"a stray '>>>>>>>' at line {k + 1}")
    return sorted(set(blank)), refused


def _rejoin(lines: list[bytes], header: int, delimiter: str) -> list[tuple[int, int]]:
    """Rejoin records broken by line breaks inside the unquoted ``Comments`` column, in place.

    A record is rejoined only when its first line ends inside ``Comments`` (as many fields as the
    columns up to and including ``Comments``), any middle lines hold text without a delimiter,
    and its last line holds the rest of the comment and every column after it. Returns the
    (first, last) line numbers of each rejoined record.
    """
    names = [n.strip().lower() for n in _split_fields(lines[header], delimiter)]
    if "comments" not in names:
        return []
    n = len(names)
    first_part = names.index("comments") + 1
    last_part = n - first_part + 1
    d = delimiter.encode()
    done: list[tuple[int, int]] = []
    k = header + 1
    inside = False
    while k < len(lines):
        line = lines[k]
        quotes = line.count(b'"')
        if inside or quotes % 2:
            inside = inside != bool(quotes % 2)
            k += 1
            continue
        if _field_count(line, d) == first_part:
            j = k + 1
            while j < len(lines) and lines[j].strip(b"\r \t") and _field_count(lines[j], d) == 1:
                if lines[j].count(b'"'):
                    break
                j += 1
            if (
                j < len(lines)
                and lines[j].count(b'"') % 2 == 0
                and _field_count(lines[j], d) == last_part
                and (j == k + 1 or all(not lines[m].count(b'"') for m in range(k + 1, j)))
            ):
                crlf = lines[j].endswith(b"\r")
                parts = [lines[m].rstrip(b"\r").strip() for m in range(k + 1, j + 1)]
                lines[k] = (
                    lines[k].rstrip(b"\r").rstrip() + b" " + b" ".join(parts) + (b"\r" if crlf else b"")
                )
                for m in range(k + 1, j + 1):
                    lines[m] = b"\r" if crlf else b""
                done.append((k + 1, j + 1))
                k = j + 1
                continue
        k += 1
    return done


def _footer(lines: list[bytes]) -> list[int]:
    """Indices of DataBank footer lines (``Data from database: …``, ``Last Updated: …``) after the data."""
    out: list[int] = []
    k = len(lines) - 1
    while k > 0:
        s = lines[k].strip(b"\r \t").lstrip(b'"')
        if not s:
            k -= 1
            continue
        if s.startswith((b"Data from database:", b"Last Updated:")):
            out.append(k)
            k -= 1
            continue
        break
    return out


def _and(items: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def repeated_columns(columns: list[str]) -> list[str]:
    """One sentence for each column name that appears more than once, naming its columns.

    Names count as the same apart from capitals and surrounding spaces, as the importers find
    columns by name (``canonical.find_columns``): with two, only the first would be read and the
    other silently left out. Empty names (a trailing delimiter, blank header cells) are no names
    and may repeat. Columns are numbered from 1, as a user counts them.
    """
    where: dict[str, list[int]] = {}
    for k, name in enumerate(columns, start=1):
        if name.strip():
            where.setdefault(name.strip().lower(), []).append(k)
    out: list[str] = []
    for positions in where.values():
        if len(positions) < 2:
            continue
        names = [columns[k - 1].strip() for k in positions]
        times = "twice" if len(positions) == 2 else f"{len(positions)} times"
        spelled = "" if len(set(names)) == 1 else ", written " + _and([f"'{n}'" for n in names])
        fix = "rename or remove one" if len(positions) == 2 else "rename or remove all but one"
        out.append(
            f"The column name '{names[0]}' appears {times} (columns {_and([str(k) for k in positions])}"
            f"{spelled}): {fix} and read the file again."
        )
    return out


def read_source(
    data: Bytes,
    recognise: Recognise | None = None,
    *,
    member: str | None = None,
    limit: int | None = None,
) -> Source:
    """Parse ``data`` after the safe repairs described in the module docstring.

    ``recognise`` says whether a list of column names is a layout this tool reads (it finds the
    header below any preamble, and the sheet of a workbook); ``member`` names the data file of a
    ZIP archive holding several; ``limit`` caps the size of a file extracted from an archive.
    Raises ``UnreadableFile`` (one plain sentence) when the bytes are not a file this tool reads;
    a file whose column names repeat is read, with a problem that refuses it (``repeated_columns``).
    """
    source = _read(data, recognise or (lambda _names: False), member, limit)
    source.problems.extend(repeated_columns(source.parsed.columns))
    return source


def _read(data: Bytes, recognise: Recognise, member: str | None, limit: int | None) -> Source:
    """``read_source`` without the check of the column names."""
    head = bytes(data[:65536])
    if layout.is_zip(head):
        inner, _name, zip_notes = layout.unzip(data, member=member, limit=limit)
        source = _read(inner, recognise, None, limit)
        return Source(source.parsed, [*zip_notes, *source.notes], source.problems)
    if _is_workbook(head):
        text, sheet, book_notes = workbook_to_csv(data, recognise)
        parsed = parse(text)
        kind = "Excel workbook" if head.startswith(b"PK") else "Excel 97–2003 workbook (.xls)"
        return Source(dataclasses.replace(parsed, encoding=f"{kind} (sheet '{sheet}')"), book_notes)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 (Excel's "Unicode text"): read as the same text in UTF-8 (the byte-order mark left
        # out, never a NUL byte nor a UTF-16 mark), so a preamble or footer is found as in UTF-8
        text, encoding = decode(data)
        source = _read(text, recognise, None, limit)
        return Source(dataclasses.replace(source.parsed, encoding=encoding), source.notes, source.problems)
    if b"\x00" in head:
        return Source(parse(data))
    eol = line_end(head)  # b"\r" for old Mac line ends: the lines below are split where the file's are
    if eol == b"\r":  # a lone line feed is then a break inside a cell: quote the cell to keep it whole
        data = quote_line_feeds(data)
        head = bytes(data[:65536])
    first = head.split(eol, _HEAD_LINES)[:_HEAD_LINES]
    found = _header_index(first)
    general: tuple[int, str] | None = None
    if found is None:
        nonblank = next((k for k, line in enumerate(first) if line.strip(b"\r \t" + _BOM)), None)
        if nonblank is not None and not recognise(layout.split_line(first[nonblank])):
            k = layout.find_header(first, recognise)
            if k is not None and k > nonblank:
                general = (k, "")
            elif k is None:
                k = layout.header_by_shape(first)
                if k is not None and k > nonblank:
                    general = (k, " (found by the shape of the rows below)")
        top = general[0] if general else nonblank
        tag = top is not None and top + 1 < len(first) and layout.is_tag_row(first[top + 1])
    else:
        tag = False
    conflict = head.startswith((b"<<<<<<<", b">>>>>>>")) or any(
        _line_starts_with(data, marker, eol) for marker in (b"<<<<<<<", b">>>>>>>")
    )
    tail_lines = [t.strip(b"\r \t").lstrip(b'"') for t in bytes(data[-4096:]).split(eol)]
    footer_hint = any(t.startswith((b"Data from database:", b"Last Updated:")) for t in tail_lines[-6:])
    header_at = found[0] if found else (general[0] if general else nonblank)
    footer_general: list[int] = []
    if header_at is not None and not footer_hint and not conflict:
        tail = bytes(data[-4096:]).split(eol)[1:]
        foot = layout.footer_lines(tail, len(layout.split_line(first[header_at])))
        if foot:
            footer_general = [k - len(tail) for k in foot]  # negative: counted from the end
    repairs = general is not None or tag or footer_general or conflict or footer_hint
    if found is None and not repairs:
        return Source(parse(data))
    lines = bytes(data).split(eol)
    notes: list[str] = []
    problems: list[str] = []
    if general is not None:
        k = general[0]
        for m in range(k):
            lines[m] = b""
        if head.startswith(_BOM):
            lines[0] = _BOM
        notes.append(
            f"{_lines_text(1, k)} are notes above the column names (a preamble{general[1]}) and were skipped."
        )
    if tag and header_at is not None:
        lines[header_at + 1] = b""
        notes.append(layout.tag_note([header_at + 2]))
    if footer_general:
        idx = sorted(len(lines) + k for k in footer_general)
        empty = [m for m in idx if not any(layout.split_line(lines[m]))]  # ",,,," rows Excel leaves
        text = [m for m in idx if m not in set(empty)]
        for m in idx:
            lines[m] = b""
        if empty:
            notes.append(
                f"{len(empty)} row(s) hold no value at all and were skipped (empty cells below the data): "
                f"{'line' if len(empty) == 1 else 'lines'} {_ranges([m + 1 for m in empty])}."
            )
        if text:
            notes.append(
                f"{_lines_text(text[0] + 1, text[-1] + 1)} below the data are notes (a footer), not rows, "
                "and were skipped."
            )
    if found is not None and found[0] > 0:
        k, publisher = found
        for m in range(k):
            lines[m] = b""
        if head.startswith(_BOM):
            lines[0] = _BOM  # the encoding is still recognised from the byte-order mark
        notes.append(
            f"{_lines_text(1, k)} are {publisher}'s notes above the column names (a preamble) and were "
            "skipped."
        )
    if footer_hint:
        foot = _footer(lines)
        if foot:
            for m in foot:
                lines[m] = b""
            notes.append(
                f"{_lines_text(min(foot) + 1, max(foot) + 1)} below the data are DataBank's footer "
                "('Data from database', 'Last Updated') and were skipped."
            )
    if conflict:
        blank, refused = _conflicts(lines)
        for m in blank:
            lines[m] = b""
        if blank:
            notes.append(
                "A merge conflict whose two versions are the same was resolved by reading them once "
                f"(lines {_ranges([m + 1 for m in blank])} skipped)."
            )
        if refused:
            problems.append(
                "The file holds unresolved merge-conflict markers: "
                + "; ".join(refused)
                + ". Two versions of the same rows are in the file: keep the right one, delete the marker "
                "lines and upload the file again."
            )
            for k, line in enumerate(lines):  # the preview shows the file without the marker lines
                if line.startswith((b"<<<<<<<", b"=======", b">>>>>>>", b"|||||||")):
                    lines[k] = b""
    if found is not None:
        header = found[0]
        delimiter = "," if lines[header].count(b",") >= lines[header].count(b";") else ";"
        joined = _rejoin(lines, header, delimiter)
        if joined:
            where = ", ".join(_lines_text(a, b) for a, b in joined)
            notes.append(
                f"{len(joined)} record(s) split by a line break inside an unquoted comment were rejoined "
                f"(the break read as a space): {where}."
            )
    return Source(parse(eol.join(lines)), notes, problems)
