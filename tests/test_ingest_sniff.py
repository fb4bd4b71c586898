"""Recognising a file: encoding, delimiter, quoting, line numbers, size limit."""

from __future__ import annotations

import pytest

from datasets.ingest import FileTooLarge, UnreadableFile, prepare
from datasets.ingest.sniff import decode, parse, sniff_delimiter


def test_encodings() -> None:
    assert decode(b"a,b\n1,2\n") == (b"a,b\n1,2\n", "UTF-8")
    assert decode("a,b\nü,2\n".encode()) == ("a,b\nü,2\n".encode(), "UTF-8")
    assert decode(b"\xef\xbb\xbfa\n") == (b"a\n", "UTF-8 with byte-order mark")
    # 0xF4 is ô in Windows-1252, 0x92 its right single quote; 0x81 is undefined there (read as Latin-1)
    text, enc = decode(b"C\xf4te d\x92Ivoire \x81\n")
    assert enc == "Windows-1252" and text.decode() == "Côte d\u2019Ivoire \x81\n"
    utf16 = "a\tb\nCôte\t2\n".encode("utf-16")
    parsed = parse(utf16)
    assert parsed.encoding == "UTF-16" and parsed.delimiter == "\t"
    assert parsed.table.to_pydict() == {"a": ["Côte"], "b": ["2"]}


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ('"x;y",b,c', ","), ("single", ",")],
)
def test_delimiter(header: str, delimiter: str) -> None:
    assert sniff_delimiter(header) == delimiter


def test_line_numbers_follow_the_file() -> None:
    data = (
        b"id,note,n\n"  # line 1
        b'1,"two\nlines",5\n'  # lines 2-3
        b"\n"  # line 4 (blank)
        b"2,plain,6\n"  # line 5
        b"3,short\n"  # line 6: ragged
        b'4,"a ""quoted"" word, and\r\nmore",7\n'  # lines 7-8
        b"5,last,8"  # line 9, no final newline
    )
    parsed = parse(data)
    assert parsed.table.column("id").to_pylist() == ["1", "2", "4", "5"]
    assert parsed.lines.tolist() == [2, 5, 7, 9] and parsed.lines_exact
    (ragged,) = parsed.ragged
    assert (ragged.line, ragged.fields, ragged.expected, ragged.text) == (6, 2, 3, "3,short")
    assert parsed.table.column("note").to_pylist()[2] == 'a "quoted" word, and\r\nmore'


def test_old_mac_line_endings_number_records() -> None:
    upload = prepare(
        b"event_id,event_date,iso3,event_type,fatalities,source\r"
        b"a,2020-01-01,FRA,Battles,1,x\rb,2020-01-02,FRA,Battles,-1,x\r",
        "mac.csv",
    )
    assert not upload.report.lines_exact
    assert upload.report.summary().loc[0, "first rows"] == "record 2"
    text = upload.report.to_text()
    assert "(record numbers as in the file; the header is line 1)" in text
    assert text.rstrip().endswith(": record 2")  # never "records record 2"


def test_duplicate_and_blank_column_names_are_kept_apart() -> None:
    parsed = parse(b" a ,a,,b\n1,2,3,4\n")
    assert parsed.columns == ["a", "a", "", "b"]
    assert parsed.table.column_names == ["a", "a.2", "column_3", "b"]


def test_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STABILITY_MAX_UPLOAD_MB", "0.001")  # 1,048 bytes
    with pytest.raises(FileTooLarge, match=r"above the upload limit of 1\.0 KB.*STABILITY_MAX_UPLOAD_MB"):
        prepare(b"a,b\n" + b"1,2\n" * 400, "big.csv")
    prepare(
        b"event_id,event_date,iso3,event_type,fatalities,source\na,2020-01-01,FRA,Battles,1,x\n", "ok.csv"
    )


def test_default_limit_is_one_gigabyte(monkeypatch: pytest.MonkeyPatch) -> None:
    from datasets.ingest import max_upload_bytes

    monkeypatch.delenv("STABILITY_MAX_UPLOAD_MB", raising=False)
    assert max_upload_bytes() == 1024 * 1024 * 1024


def test_zip_that_is_not_a_workbook() -> None:
    import io
    import zipfile

    # a ZIP archive is opened and its one data file read (here in no layout this tool knows: the
    # user is asked for a column mapping, as for any CSV); an archive without one is refused
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("data/export.csv", "a,b\n1,2\n")
    upload = prepare(buf.getvalue(), "export.zip")
    assert upload.parsed is not None and upload.parsed.columns == ["a", "b"]
    assert "Read data/export.csv from the ZIP archive." in upload.report.notes
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("codebook.pdf", b"%PDF-1.4")
    with pytest.raises(UnreadableFile, match="holds no CSV or Excel file"):
        prepare(buf.getvalue(), "export.zip")
