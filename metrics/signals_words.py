"""Plain words for the signals: what each one means and how often it fires by chance.

The figures are those measured by ``benchmarks/calibration.py`` (1,000 simulated series of 120
months per cell; table in ``benchmarks/README.md``), which writes them to ``calibration.json`` beside
this module; the pages, the briefing pack and the Methodology page read them from there, so words and
measured figures cannot drift apart. Re-run the benchmark when a method or a default in
``metrics.signals`` or ``metrics.signals_eval`` changes.
"""

from __future__ import annotations

import json
from pathlib import Path

#: Written by ``benchmarks/calibration.py``: {"series_per_cell", "seconds", "figures"}.
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


def load_calibration(path: Path = CALIBRATION_FILE) -> dict[str, float]:
    """The measured figures (shares, 0–1) by name. "independent": Poisson and negative-binomial
    noise; "persistent": AR(1) on the log rate, ρ 0.5 and 0.7 (runs of busy and quiet months);
    false-alarm figures are the worst cell, power figures the weakest cell."""
    return {str(k): float(v) for k, v in json.loads(path.read_text())["figures"].items()}


CALIBRATION: dict[str, float] = load_calibration()


def _in(share: float, per: int) -> str:
    """'about 6 in 100' style wording of a share."""
    return f"about {round(share * per):d} in {per:,}"


def downward_trend_words(c: dict[str, float] = CALIBRATION) -> str:
    """What the downward-trend flag means and how often it fires by chance."""
    fa_ind, fa_per = _in(c["trend_fa_independent"], 100), _in(c["trend_fa_persistent"], 100)
    p50, p50_runs = round(100 * c["trend_power_step_50"]), round(100 * c["trend_power_step_50_persistent"])
    p5 = round(100 * c["trend_power_step_5"])
    return (
        "Downward trend over the last 36 months: incidents fell steadily enough, in three months in "
        "a row, or the last 12 months fell clearly below what the 36 months before them predict, "
        "that chance alone rarely produces such a fall, after allowing for the seasons, for "
        "how much the region's counts usually swing and for runs of busy and quiet months. How often "
        "it fires by chance: on simulated series with no change at all, the flag appeared at least "
        f"once in ten years in {fa_ind} regions or fewer when months vary independently, and in "
        f"{fa_per} or fewer when busy and quiet months come in long runs. The flag is cautious, so it is "
        "slow: a real 40 % drop was flagged within 18 months in at least "
        f"{p50} in 100 regions with about 50 incidents a month (at least {p50_runs} in 100 with long "
        f"runs) and in at least {p5} in 100 with about 5. No flag does not mean no decline. When many "
        "regions are shown together, some flags will still be chance."
    )


def yearly_signals_words(years: int = 8, c: dict[str, float] = CALIBRATION) -> str:
    """Why yearly incident data get no downward-trend flag and no alarm, with the measured figures
    of a yearly trend rule over the last ``years`` (``TREND_YEARS`` = 8) years
    (``benchmarks/calibration.py``: ``yearly_trend``, 30-year simulated series)."""
    fa = _in(c["yearly_trend_fa"], 100)
    swinging, steady = (
        round(100 * c["yearly_trend_power_swinging"]),
        round(100 * c["yearly_trend_power_poisson_50"]),
    )
    return (
        "These incident data are yearly, so no downward-trend flag and no alarm are raised for them; "
        "the dashed trend line is for reading by eye, not a test. Why: on simulated 30-year series, a flag "
        f"on the last {years} years that appeared by chance in {fa} regions or fewer found a real "
        f"40 % fall within five years in at most {swinging} in 100 when years swing as much as real "
        f"ones do ({steady} in 100 with about 50 incidents a year and no extra swings). With so few "
        "points a year-by-year flag would mostly stay silent or mislead. Alarms read single months. "
        "For flags, load a monthly source of incidents (ACLED or UCDP GED)."
    )


def alarm_words(c: dict[str, float] = CALIBRATION) -> str:
    """What the alarm means and how often it fires by chance."""
    fa_ind, fa_per = _in(c["alarm_fa_independent"], 1000), _in(c["alarm_fa_persistent"], 1000)
    p50, p5 = round(100 * c["alarm_power_50"]), round(100 * c["alarm_power_5"])
    return (
        "Alarm: this month had more incidents than the region's previous 36 months make plausible "
        "(above the upper limit shown, allowing for the season, a clear recent trend, a run of busy "
        "or quiet months just before, and how much the region's counts usually swing), and at least "
        "5, so a single incident after quiet months "
        f"is not an alarm. How often it fires by chance: {fa_ind} months or fewer on series with no "
        f"change when months vary independently, and {fa_per} or fewer when busy and quiet months "
        "come in runs. A month with three times the usual count raised an alarm at least "
        f"{p50} % of the time at about 50 incidents a month and at least {p5} % at about 5: with few "
        "incidents a month, even a tripling is often within the usual range."
    )


def evaluation_words(c: dict[str, float] = CALIBRATION) -> str:
    """What the evaluation's intervals and p-values mean and how often they mislead by chance."""
    lo, hi = round(100 * c["rr_cover_low"]), round(100 * c["rr_cover_high"])
    placebo, leadlag = round(100 * c["placebo_fa"]), _in(c["leadlag_fa"], 100)
    return (
        "Before and after a milestone: the ranges (95 % intervals) are measured against how much the "
        "region's own counts moved at other times, so a region with large swings gets wide ranges. "
        f"On simulated series the range held the true change in {lo}–{hi} % of runs, also when busy "
        "and quiet months come in runs. The placebo p asks how often a change as large happened at "
        "other times in the region's history; with no real change it fell to 0.05 or below in at "
        f"most {placebo} in 100 runs (with under one event a month, fewer still: the placebo p is then "
        "cautious). Lead–lag: the strongest of nine lags is adjusted for having "
        f"been picked, so on unrelated series its range excluded zero in {leadlag} runs. A pre-trend "
        "warning means the region and its comparison were already moving apart before the milestone."
    )


def across_regions_words(regions: int, flagged: list[str], q: float = 0.10) -> str:
    """One plain paragraph on the downward trend read across ``regions`` regions at once
    (Benjamini–Hochberg at false-discovery rate ``q``), naming the ``flagged`` ones."""
    per = round(1 / q)
    which = (
        f"{', '.join(flagged)} show{'s' if len(flagged) == 1 else ''} a downward trend over the last "
        "36 months"
        if flagged
        else "None of them shows a downward trend over the last 36 months"
    )
    return (
        f"Read across the {regions} regions shown: {which}, once the number of regions is allowed "
        f"for. Across the {regions} regions shown, at most about 1 in {per} flags is expected to be a "
        "false discovery."
    )


def plain_words() -> list[tuple[str, str]]:
    """(title, text) for each signal, for the Methodology page and the briefing pack."""
    return [
        ("Downward trend", downward_trend_words()),
        ("Alarm", alarm_words()),
        ("Yearly incident data", yearly_signals_words()),
        ("Did it work? (evaluation)", evaluation_words()),
    ]


def signals_method() -> str:
    """The statistics behind the trend and the alarm (the docstring of ``metrics.signals``)."""
    import inspect

    from metrics import signals

    return inspect.getdoc(signals) or ""


def evaluation_method() -> str:
    """The statistics behind the evaluation's intervals (the docstring of ``metrics.signals_eval``)."""
    import inspect

    from metrics import signals_eval

    return inspect.getdoc(signals_eval) or ""
