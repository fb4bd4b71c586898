"""Shared fixtures: tiny literal tables whose indicators are worked out by hand in the tests."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest


def incidents_frame(rows: list[dict]) -> pd.DataFrame:
    """An incidents frame with defaults for the columns a test does not care about."""
    out = []
    for k, r in enumerate(rows):
        base = {
            "event_id": f"T{k}",
            "event_date": dt.date(2020, 1, 15),
            "iso3": "FRA",
            "country": None,
            "admin1": None,
            "event_type": "Battles",
            "sub_event_type": None,
            "actor1": None,
            "actor2": None,
            "fatalities": 0,
            "civilian_targeting": None,
            "latitude": None,
            "longitude": None,
            "source": "test",
            "notes": None,
        }
        base.update(r)
        out.append(base)
    frame = pd.DataFrame(out)
    frame["fatalities"] = frame["fatalities"].astype("int64")
    frame["civilian_targeting"] = frame["civilian_targeting"].astype("boolean")
    return frame


def monthly_incidents(
    iso3: str, counts: list[int], first: str = "2020-01", fatalities: int = 0
) -> list[dict]:
    """``counts[k]`` incidents in month first + k, each with ``fatalities`` deaths."""
    rows = []
    start = pd.Period(first, "M")
    for k, n in enumerate(counts):
        day = (start + k).to_timestamp().date() + dt.timedelta(days=9)
        rows += [{"iso3": iso3, "event_date": day, "fatalities": fatalities} for _ in range(n)]
    return rows


@pytest.fixture
def regions() -> pd.DataFrame:
    # FRA sits in two regions: North and Both.
    return pd.DataFrame(
        {
            "region": ["North", "North", "South", "Both", "Both", "Empty"],
            "iso3": ["FRA", "DEU", "ITA", "FRA", "ITA", "ISL"],
        }
    )


def value(frame: pd.DataFrame, region: str, period: str, indicator: str) -> float:
    """The one value of (region, period, indicator) in a tidy frame."""
    sel = frame.loc[
        (frame["region"] == region) & (frame["period"] == period) & (frame["indicator"] == indicator), "value"
    ]
    assert len(sel) == 1, f"expected one row for {region} {period} {indicator}, found {len(sel)}"
    return float(sel.iloc[0])


@pytest.fixture(scope="session")
def sample_bundle():
    """The bundled illustrative sample data and regions."""
    from datasets.bundle import load_bundle

    return load_bundle()


@pytest.fixture(scope="session")
def sample_indicators(sample_bundle):
    """All indicators of every bundled region on the sample data (computed once per session)."""
    from metrics.indicators import compute_indicators

    b = sample_bundle
    return compute_indicators(b.incidents.table, b.collaboration.table, b.perception.table, b.regions)


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A local S3 endpoint (moto in server mode on 127.0.0.1, no network) with a bucket "team";
    the ``AWS_*`` variables that reach it."""
    import moto  # noqa: F401  (the test extra installs it: the S3 path always runs)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
    }
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "moto server did not start"
                time.sleep(0.2)
        import boto3

        boto3.client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        ).create_bucket(Bucket="team")
        yield env
    finally:
        proc.terminate()
        proc.wait(timeout=15)
