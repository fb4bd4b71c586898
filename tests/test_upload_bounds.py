"""Bounded uploads: the file is checked from a temporary file on disk, and each person may check only a
few files at the same time."""

from __future__ import annotations

import io
import mmap

import pytest

from dashboard import upload
from datasets.ingest import UnreadableFile, prepare


def test_upload_is_spooled_to_disk_and_checked_from_there() -> None:
    content = b"event_id,event_date\n" + b"x" * (3 * 1024 * 1024)
    data = upload._spool(io.BytesIO(content))
    assert isinstance(data, mmap.mmap)  # pages of a file on disk, not another copy in memory
    assert data[:] == content
    assert upload._spool(io.BytesIO(b"")) == b""


def test_an_mmapped_file_is_checked_like_its_bytes(tmp_path) -> None:
    from pathlib import Path

    acled = (Path(__file__).parent / "fixtures" / "incidents" / "acled_current.csv").read_bytes()
    from_disk = prepare(upload._spool(io.BytesIO(acled)), "a.csv")
    in_memory = prepare(acled, "a.csv")
    assert from_disk.sha256 == in_memory.sha256 and from_disk.data.equals(in_memory.data)  # type: ignore[union-attr]


def test_each_person_checks_at_most_the_limit_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STABILITY_UPLOADS_PER_USER", "2")
    with upload._checking("user:amina"), upload._checking("user:amina"):
        with pytest.raises(UnreadableFile, match="already checking 2 file"), upload._checking("user:amina"):
            pass
        with upload._checking("user:bo"):  # another person is not held up
            pass
    with upload._checking("user:amina"):  # once done, the slots are free again
        pass
    assert upload._CHECKS == {}


def test_the_spooled_file_is_hashed_on_the_way_and_read_as_a_stream_from_disk() -> None:
    import hashlib

    from datasets.ingest.sniff import SpooledFile

    content = b"event_id,event_date\n" + b"".join(b"E%d,2024-01-01\n" % k for k in range(200_000))
    spooled = upload._spool(io.BytesIO(content))
    assert isinstance(spooled, SpooledFile)
    assert spooled.sha256 == hashlib.sha256(content).hexdigest()
    first, second = spooled.reopen(), spooled.reopen()  # each stream has its own position
    assert first.read(20) == content[:20]
    assert second.read() == content
    assert first.read() == content[20:]


def test_a_checked_file_keeps_only_its_preview_rows_of_text_when_every_row_passed() -> None:
    from pathlib import Path

    from datasets.ingest import PREVIEW_ROWS

    template = Path(__file__).parent / "fixtures" / "incidents" / "acled_current.csv"
    header, row = template.read_text(encoding="utf-8").splitlines()[:2]
    event = row.split(",", 1)[1]
    lines = [header] + [f"X{k},{event}" for k in range(PREVIEW_ROWS + 500)]
    checked = upload.check_file(io.BytesIO(("\n".join(lines) + "\n").encode()), "big.csv")
    assert checked.report.ok and checked.total_rows == PREVIEW_ROWS + 500
    assert checked.data is not None and checked.data.num_rows == PREVIEW_ROWS + 500  # what is stored
    assert checked.parsed is not None and checked.parsed.table.num_rows == PREVIEW_ROWS
    assert list(checked.preview(3).iloc[:, 0]) == ["X0", "X1", "X2"]
