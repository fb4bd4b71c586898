"""The plain words quote the figures the calibration benchmark measured, and those figures are the
ones in the benchmark's per-cell table."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd

from metrics import signals_words

ROOT = Path(__file__).resolve().parents[1]


def _benchmark():
    spec = importlib.util.spec_from_file_location("calibration", ROOT / "benchmarks" / "calibration.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_calibration_figures_are_the_worst_cells_of_the_per_cell_table():
    record = json.loads(signals_words.CALIBRATION_FILE.read_text())
    assert record["series_per_cell"] >= 1000
    table = pd.read_csv(ROOT / "benchmarks" / "calibration_results.csv")
    figures = record["figures"]
    # worst no-change cells by hand: the largest trend false-alarm share among AR(1) cells …
    ar = table["noise"].str.startswith("ar")
    assert figures["trend_fa_persistent"] == round(float(table.loc[ar, "trend_fa"].max()), 4)
    # … and the weakest alarm power at mean 5
    assert figures["alarm_power_5"] == round(float(table.loc[table["mean"] == 5, "alarm_power"].min()), 4)
    # every figure is what the benchmark's summary makes of the table
    expected = _benchmark().summary(table, figures["leadlag_fa"])
    yearly = pd.read_csv(ROOT / "benchmarks" / "calibration_yearly.csv")
    expected |= _benchmark().yearly_summary(yearly)
    assert figures == {k: round(v, 4) for k, v in expected.items()}
    # the yearly figures by hand: the largest false-alarm share, the largest power where years swing
    assert figures["yearly_trend_fa"] == round(float(yearly["fa"].max()), 4)
    swinging = yearly["noise"] != "poisson"
    assert figures["yearly_trend_power_swinging"] == round(float(yearly.loc[swinging, "power"].max()), 4)


def test_the_words_quote_the_measured_figures():
    c = signals_words.load_calibration()
    trend = signals_words.downward_trend_words()
    assert f"about {round(100 * c['trend_fa_persistent'])} in 100 or fewer" in trend
    assert f"at least {round(100 * c['trend_power_step_5'])} in 100 with about 5" in trend
    alarm = signals_words.alarm_words()
    assert f"about {round(1000 * c['alarm_fa_persistent'])} in 1,000 or fewer" in alarm
    assert f"at least {round(100 * c['alarm_power_5'])} % at about 5" in alarm
    # the targets hold in the measured figures: ≤ 10 % of series, ≤ 1 % of months
    assert max(c["trend_fa_independent"], c["trend_fa_persistent"]) <= 0.10
    assert max(c["alarm_fa_independent"], c["alarm_fa_persistent"]) <= 0.01
