"""General layout recovery: the table inside an archive or a workbook, and its header in a text file.

Whatever the publisher, a table users download may come

- **zipped** (ACLED, HDX and UCDP distribute ZIP archives, sometimes with ``__MACOSX/`` entries
  and dot files added by macOS): ``unzip`` returns the one data file inside (``.csv``, ``.tsv``,
  ``.txt``, ``.xlsx``, ``.xls``), ignoring ``__MACOSX/``, dot files, folders and documents (a
  README, a PDF codebook), each ignored entry named in a note; several data files -> the user is
  asked which (``member=`` names it);
- **as a workbook** (``.xlsx``, ``.xls``): ``workbook_to_csv`` chooses the sheet whose header row a
  known layout recognises (the row may sit below a title), reads the later sheets with the same
  columns as more rows (a table split over sheets), and says which sheets were skipped and why (a
  licence sheet, a notes sheet: no table this tool reads; another table: read it on its own);
- **with notes above the column names** (a preamble of any length up to ``HEAD_LINES`` lines):
  ``find_header`` finds the first line a known layout recognises;
- **with a tag row under the column names** (HXL hashtags such as ``#event+id``, as HDX
  republishes): ``is_tag_row``;
- **with a footer** (a source line, a total line with fewer fields): ``footer_lines`` finds the
  trailing lines whose field count differs from the header's and that hold no number.

Each function only finds; ``preread.read_source`` blanks the lines (so line numbers stay those of
the file) and states every repair as a note.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath

from datasets.ingest.sniff import Bytes, UnreadableFile, sniff_delimiter

__all__ = [
    "HEAD_LINES",
    "Recognise",
    "find_header",
    "header_by_shape",
    "footer_lines",
    "is_tag_row",
    "tag_note",
    "data_members",
    "is_zip",
    "split_line",
    "unzip",
    "workbook_to_csv",
]

#: How many lines from the top a header is looked for (a preamble is at most this long).
HEAD_LINES = 60
#: Says whether a list of column names is a layout this tool reads.
Recognise = Callable[[list[str]], bool]

_DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".xlsm")
_BOM = b"\xef\xbb\xbf"


def split_line(line: bytes) -> list[str]:
    """The fields of one line (delimiter sniffed from the line, UTF-8 with replacement)."""
    text = line.lstrip(_BOM).rstrip(b"\r").decode("utf-8", "replace")
    if not text.strip():
        return []
    try:
        return [f.strip() for f in next(csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text)))]
    except (csv.Error, StopIteration):
        return []


def find_header(lines: list[bytes], recognise: Recognise) -> int | None:
    """Index of the first of the top ``HEAD_LINES`` lines that a known layout recognises, else None."""
    for k, raw in enumerate(lines[:HEAD_LINES]):
        fields = split_line(raw)
        if len(fields) >= 2 and recognise(fields):
            return k
    return None


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def header_by_shape(lines: list[bytes]) -> int | None:
    """Index of a header found by the shape of the rows below it, when no known layout matches.

    The rows of a table share one field count; notes above them do not. The header is the first
    line that has the field count most common among the lines below it (at least two fields, and
    at least five such lines), holds no number, and has text in at least half its fields; only
    lines above it with another field count (or blank) count as a preamble. None when the first
    non-blank line already has that shape.
    """
    counts = [len(split_line(raw)) for raw in lines[:HEAD_LINES]]
    body = [c for c in counts[len(counts) // 3 :] if c >= 2]
    if len(body) < 5:
        return None
    modal = max(set(body), key=body.count)
    for k, raw in enumerate(lines[:HEAD_LINES]):
        if counts[k] != modal:
            continue
        fields = split_line(raw)
        named = [f for f in fields if f]
        if len(named) * 2 >= len(fields) and not any(_is_number(f) for f in named):
            return k
        return None  # a row of the table's shape that is not a header: no preamble to skip
    return None


def is_tag_row(line: bytes) -> bool:
    """True when every non-empty field of ``line`` is an HXL hashtag (``#date+start``) and one is."""
    return _tag_cells(split_line(line))


def tag_note(lines: list[int]) -> str:
    """The note on HXL tag rows skipped at ``lines`` (line numbers of the file)."""
    one = len(lines) == 1
    return (
        f"{'Line' if one else 'Lines'} {', '.join(map(str, lines))} {'holds' if one else 'hold'} HXL "
        f"hashtags (such as '#date+start') under the column names, not data, and {'was' if one else 'were'} "
        "skipped."
    )


def _tag_cells(cells: list[str]) -> bool:
    """True when every non-empty cell is an HXL hashtag (``#date+start``) and one is."""
    fields = [f.strip() for f in cells if f and f.strip()]
    return bool(fields) and all(f.startswith("#") and len(f) > 1 for f in fields)


def footer_lines(lines: list[bytes], header_fields: int) -> list[int]:
    """Indices of trailing lines that are a footer, not data.

    A trailing non-blank line is a footer line when it has fewer than half the header's fields
    (a ``Source: …`` or ``© …`` line) and the header has at least three; the search stops at the
    first line from the end that has the header's shape, or that closes a quoted field broken over
    lines (an odd number of quotes). Trailing rows of empty cells (``,,,,``: rows Excel formatted
    but left empty) are skipped with the footer. A short line directly below the last data line that reads
    like the start of a data row (``_cut_off``) is no footer: the file was cut off in that row, and
    none of its trailing lines is taken for a footer, so the short row is refused, not dropped.
    """
    if header_fields < 3:
        return []
    out: list[int] = []
    k = len(lines) - 1
    while k > 0:
        raw = lines[k]
        if not raw.strip(b"\r \t"):
            k -= 1
            continue
        if raw.count(b'"') % 2:  # the end of a quoted field broken over lines: data, not a footer
            break
        fields = split_line(raw)
        if len(fields) > 1 and not any(fields):  # a row of empty cells (Excel's formatted empty rows)
            out.append(k)
            k -= 1
            continue
        if len([f for f in fields if f]) and len(fields) * 2 <= header_fields:
            out.append(k)
            k -= 1
            continue
        break
    if out and min(out) == k + 1 and _cut_off(split_line(lines[k + 1]), split_line(lines[k])):
        return []
    return out


def _kind(field: str) -> str:
    """ "" for an empty field, "number" for a number, else "text"."""
    return "" if not field else ("number" if _is_number(field) else "text")


def _cut_off(line: list[str], data: list[str]) -> bool:
    """True when ``line`` reads like the first fields of a data row such as ``data`` (the last
    data line): at least three fields, a number among them, and the kind of each field but the
    last (empty, number, text; the last may be cut inside its value) the same as in ``data`` for
    at least 4 in 5 of them. A ``Source: …`` line or a ``Total,,,1234`` line does not."""
    if len(line) < 3 or len(line) >= len(data) or not any(_kind(f) == "number" for f in line):
        return False
    compared = line[:-1]
    same = sum(_kind(a) == _kind(b) for a, b in zip(compared, data, strict=False))
    return same * 5 >= len(compared) * 4


def is_zip(head: bytes) -> bool:
    """True for a ZIP archive that is not an Office document."""
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return False
    return not (b"xl/" in head or b"word/" in head or b"ppt/" in head or b"[Content_Types].xml" in head)


def data_members(data: Bytes) -> list[str]:
    """Names of the data files in a ZIP archive (``__MACOSX/``, dot files and documents left out)."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()
    except (zipfile.BadZipFile, OSError):
        return []
    out = []
    for info in infos:
        path = PurePosixPath(info.filename)
        if info.is_dir() or path.parts[0] == "__MACOSX" or any(p.startswith(".") for p in path.parts):
            continue
        if path.suffix.lower() in _DATA_SUFFIXES:
            out.append(info.filename)
    return out


def unzip(
    data: Bytes, *, member: str | None = None, limit: int | None = None
) -> tuple[bytes, str, list[str]]:
    """The data file inside a ZIP archive: its bytes, its name and notes on what was ignored.

    Raises ``UnreadableFile`` (one sentence) for a damaged archive, one without a data file, one
    with several (naming them, so the user can choose with ``member``) or one whose file is above
    ``limit`` bytes once extracted.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile("This ZIP archive is damaged and cannot be opened; download it again.") from exc
    data_files, ignored = [], []
    for info in infos:
        path = PurePosixPath(info.filename)
        if info.is_dir():
            continue
        if path.parts[0] == "__MACOSX" or any(p.startswith(".") for p in path.parts):
            ignored.append(info.filename)
            continue
        if path.suffix.lower() in _DATA_SUFFIXES:
            data_files.append(info)
        else:
            ignored.append(info.filename)
    if member is not None:
        chosen = [i for i in data_files if i.filename == member or PurePosixPath(i.filename).name == member]
        if not chosen:
            names = ", ".join(i.filename for i in data_files) or "none"
            raise UnreadableFile(
                f"The archive holds no data file named '{member}' (its data files: {names})."
            )
        data_files = chosen[:1]
    if not data_files:
        raise UnreadableFile(
            "This ZIP archive holds no CSV or Excel file"
            + (f" (only {', '.join(ignored[:5])})" if ignored else "")
            + "; extract the data file and upload it."
        )
    if len(data_files) > 1:
        names = ", ".join(i.filename for i in data_files)
        raise UnreadableFile(
            f"This ZIP archive holds several data files ({names}): choose one (the Data page asks which; "
            "on the command line add --member NAME), or extract it and upload it."
        )
    info = data_files[0]
    if limit is not None and info.file_size > limit:
        raise UnreadableFile(
            f"The file {info.filename} in this archive is {info.file_size / 1024 / 1024:.1f} MB once "
            "extracted, above the upload limit; split it or raise the limit with STABILITY_MAX_UPLOAD_MB."
        )
    notes = [f"Read {info.filename} from the ZIP archive."]
    if ignored:
        notes.append(
            f"Ignored in the archive: {', '.join(ignored[:8])}"
            + (f" and {len(ignored) - 8} more" if len(ignored) > 8 else "")
            + " (not data files, or macOS metadata)."
        )
    return archive.read(info), info.filename, notes


def workbook_to_csv(data: Bytes, recognise: Recognise) -> tuple[bytes, str, list[str]]:
    """CSV text (UTF-8) of the sheet holding a table this tool reads, the sheet's name and notes.

    The sheet chosen is the first whose header row (any of its first 30 rows) ``recognise``
    accepts; failing that, the only sheet with at least two rows and two columns. Sheet row r
    becomes CSV line r (rows above the header become blank lines, so line numbers are the sheet's
    row numbers). Later sheets with the same column names (a table split over sheets, as Excel's
    row limit or a split by year makes it) follow as more rows, their header rows left out, and a
    note says which lines are which sheet's rows; a later sheet with another recognised table is
    not read and a note says so. Raises ``UnreadableFile`` when no sheet qualifies or the workbook
    cannot be read.
    """
    import pandas as pd

    try:
        sheets = pd.read_excel(
            io.BytesIO(bytes(data)), engine="calamine", sheet_name=None, header=None, dtype=str
        )
    except Exception as exc:  # a damaged or password-protected workbook
        raise UnreadableFile(
            "This Excel workbook cannot be read (damaged or password-protected): open it in Excel and "
            "save the sheet with the data as 'CSV UTF-8 (comma delimited)', then upload that file."
        ) from exc

    def cells(row: list[object]) -> list[str]:
        out = ["" if not isinstance(v, str) else v.strip() for v in row]
        while out and not out[-1]:
            out.pop()
        return out

    found: list[tuple[str, int, list[str]]] = []  # (sheet, header row, column names) recognised
    tables = []
    for name, frame in sheets.items():
        if frame.shape[0] >= 2 and frame.dropna(how="all", axis=1).shape[1] >= 2:
            tables.append(str(name))
        for r in range(min(30, len(frame))):
            names = cells(frame.iloc[r].tolist())
            if len([n for n in names if n]) >= 2 and recognise(names):
                found.append((str(name), r, names))
                break
    if not found and len(tables) == 1:
        frame = sheets[tables[0]] if tables[0] in sheets else next(iter(sheets.values()))
        first = next((r for r in range(len(frame)) if len(cells(frame.iloc[r].tolist())) >= 2), 0)
        found.append((tables[0], first, cells(frame.iloc[first].tolist())))
    if not found:
        raise UnreadableFile(
            f"No sheet of this workbook ({', '.join(str(s) for s in sheets)}) has column names this tool "
            "recognises: save the sheet with the data as CSV and read it with a column mapping."
        )
    name, r, columns = found[0]
    # a table split over sheets (Excel holds at most 1,048,576 rows a sheet; exports split by year):
    # every sheet with the same column names is read, one after the other
    parts = [
        (s, row) for s, row, names in found if [n.lower() for n in names] == [n.lower() for n in columns]
    ]
    others = [s for s, _row, names in found if [n.lower() for n in names] != [n.lower() for n in columns]]

    def sheet(label: str) -> pd.DataFrame:
        return next(f for k, f in sheets.items() if str(k) == label)

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for _ in range(r):
        out.write("\n")
    line = r  # CSV lines written so far
    spans: list[tuple[str, int, int, int]] = []  # (sheet, first line, last line, its first row)
    width = 0
    tags: list[int] = []  # CSV lines of HXL tag rows left blank
    for k, (label, row) in enumerate(parts):
        frame = sheet(label).iloc[row if k == 0 else row + 1 :]
        if k == 0:  # blank trailing columns dropped; later sheets get the first one's columns
            filled = [c for c in range(frame.shape[1]) if frame.iloc[:, c].notna().any()]
            width = max(filled) + 1 if filled else 0
        first = line + 1
        tag_at = 1 if k == 0 else 0  # the row under the column names: HXL hashtags (HDX) or data
        for j, values in enumerate(frame.itertuples(index=False)):
            cells_out = ["" if not isinstance(v, str) else v for v in values][:width]
            line += 1
            if j == tag_at and _tag_cells(cells_out):
                out.write("\n")  # a blank line: line numbers stay the sheet's rows
                tags.append(line)
                continue
            writer.writerow(cells_out + [""] * (width - len(cells_out)))
        spans.append((label, first + (1 if k == 0 else 0), line, row + 2))
    notes = []
    if tags:
        notes.append(tag_note(tags))
    if len(parts) > 1:
        where = "; ".join(
            f"lines {a}–{b} are sheet '{label}' from its row {first_row}" for label, a, b, first_row in spans
        )
        notes.append(
            f"Read {len(parts)} sheets with the same columns as one table "
            f"({', '.join(repr(p) for p, _ in parts)}): {where}."
        )
    if others:  # another table: read on its own, never mixed into this one
        notes.append(
            f"Sheet{'s' if len(others) > 1 else ''} {', '.join(repr(o) for o in others)} of this workbook "
            f"hold{'' if len(others) > 1 else 's'} another table this tool reads, with other columns: "
            "not read with this one. To read it, save that sheet as a CSV file (or a workbook of its own)."
        )
    read = {p for p, _ in parts} | set(others)
    skipped = [str(s) for s in sheets if str(s) not in read]
    if skipped:
        why = []
        for s in skipped:
            frame_s = sheet(s)
            empty = frame_s.dropna(how="all").empty
            kind = (
                "empty"
                if empty
                else "a table in no layout this tool recognises"
                if s in tables
                else "no table this tool reads (notes, a licence)"
            )
            why.append(f"'{s}' ({kind})")
        read_text = f"sheet '{name}'" if len(parts) == 1 else "the sheets above"
        notes.append(f"Read {read_text} of the workbook; skipped {', '.join(why)}.")
    if r > 0:
        notes.append(f"Rows 1–{r} of sheet '{name}' are notes above the column names and were skipped.")
    return out.getvalue().encode("utf-8"), name, notes
