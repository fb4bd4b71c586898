"""``stability export`` and ``stability brief``: listing, files written, and one-line errors."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation

from reports.export.catalog import chart_catalog
from stability.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_exit(capsys, *argv: str) -> tuple[int, str, str]:
    """``run`` for arguments argparse refuses itself (it exits)."""
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exc.value.code), out, err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_list_prints_one_chart_per_line(capsys) -> None:
    code, out, _ = run(capsys, "export", "--list")
    assert code == 0
    lines = out.splitlines()
    names = [line.split(" ", 1)[0] for line in lines]
    assert names == [spec.name for spec in chart_catalog()]
    assert {"conflict-trend", "world-map", "network", "incidents-by-type", "event-map"} <= set(names)
    assert len(set(names)) == len(names)
    for line in lines:
        name, description = line.split(" ", 1)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name) and description.strip()


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--chart", "pie", "--region", "Sahel", "--out", "x.png"], 1, "unknown chart 'pie'"),
        (["--chart", "network", "--region", "Atlantis", "--out", "x.png"], 1, "unknown region 'Atlantis'"),
        (["--chart", "network", "--region", "Sahel", "--out", "x.txt"], 2, "--out must end in one of"),
        (
            ["--chart", "network", "--region", "Sahel", "--format", "svg", "--out", "x.png"],
            2,
            "must end in .svg",
        ),
        (
            ["--chart", "network", "--region", "Sahel", "--start", "2030-01", "--out", "x.csv"],
            1,
            "outside the data",
        ),
        (
            [
                "--chart",
                "network",
                "--region",
                "Sahel",
                "--start",
                "2020-05",
                "--end",
                "2019-01",
                "--out",
                "x.csv",
            ],
            1,
            "--start 2020-05 is after --end 2019-01",
        ),
        (["--region", "Sahel", "--out", "x.png"], 2, "--chart is required"),
    ],
)
def test_export_errors_are_one_line(capsys, tmp_path: Path, argv: list[str], code: int, message: str) -> None:
    argv = [a if a not in ("x.png", "x.txt", "x.csv") else str(tmp_path / a) for a in argv]
    got, out, err = run(capsys, "export", *argv)
    assert got == code
    assert message in one_error_line(err)
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_malformed_month_is_refused_by_the_parser(capsys, tmp_path: Path) -> None:
    code, _, err = run_exit(
        capsys,
        "export",
        "--chart",
        "network",
        "--region",
        "Sahel",
        "--start",
        "2020-13",
        "--out",
        str(tmp_path / "x.csv"),
    )
    assert code == 2 and "YYYY-MM" in one_error_line(err)


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--region", "Sahel", "--out", "x.docx"], 2, "--out must end in .pptx or .pdf"),
        (["--region", "Atlantis", "--out", "x.pptx"], 1, "unknown region 'Atlantis'"),
        (["--region", "Sahel", "--label", "pact", "--out", "x.pptx"], 2, "--label needs --milestone"),
        (["--out", "x.pptx"], 2, "--region is required"),
    ],
)
def test_brief_errors_are_one_line(capsys, tmp_path: Path, argv: list[str], code: int, message: str) -> None:
    argv = [str(tmp_path / a) if a.startswith("x.") else a for a in argv]
    got, _, err = run(capsys, "brief", *argv)
    assert got == code
    assert message in one_error_line(err)


def test_export_csv_and_png(capsys, tmp_path: Path) -> None:
    csv = tmp_path / "network.csv"
    code, out, err = run(
        capsys, "export", "--chart", "network", "--region", "sahel", "--start", "2020-01", "--out", str(csv)
    )
    assert code == 0 and str(csv) in out
    assert "Illustrative sample data" in err  # the sample is named on standard error
    text = csv.read_text(encoding="utf-8-sig")
    assert text.startswith("Title,Sahel · Who engaged with whom · 2020–2025\n")
    table = pd.read_csv(io.StringIO(text), skiprows=8)
    assert list(table.columns) == ["source", "target", "engagements", "source_member", "target_member"]
    assert (table["engagements"] > 0).all()

    png = tmp_path / "trend.png"
    code, _, _ = run(
        capsys,
        "export",
        "--chart",
        "conflict-trend",
        "--region",
        "Sahel",
        "--format",
        "png",
        "--out",
        str(png),
    )
    assert code == 0
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") == 3200


def test_brief_pptx(capsys, tmp_path: Path) -> None:
    out = tmp_path / "sahel.pptx"
    code, text, _ = run(capsys, "brief", "--region", "Sahel", "--start", "2018-01", "--out", str(out))
    assert code == 0 and "6 slides" in text
    deck = Presentation(str(out))
    titles = [s.shapes.title.text for s in deck.slides]
    assert titles == [
        "Regional stability briefing: Sahel",
        "Conflict incidents",
        "Military collaboration",
        "Public perception",
        "Stability index",
        "Sources and methodology",
    ]


def test_exports_load_without_streamlit() -> None:
    """The export layer and its commands are Streamlit-free (a scheduled job needs no web app)."""
    import subprocess
    import sys

    code = (
        "import sys, reports.export, reports.compute, reports.figures, stability.cmd_export; "
        "sys.exit(1 if 'streamlit' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
