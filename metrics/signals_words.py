"""Plain words for the signals: what each one means and how often it fires by chance.

The figures are those measured by ``benchmarks/calibration.py`` (1,000 simulated series of 120
months per cell; table in ``benchmarks/README.md``) and are restated here so that the pages, the
briefing pack and the Methodology page say the same thing. Re-run the benchmark and update
``CALIBRATION`` when a method or a default in ``metrics.signals`` or ``metrics.signals_eval``
changes.
"""

from __future__ import annotations

#: Measured figures (shares, 0–1). "independent": Poisson and negative-binomial noise;
#: "persistent": AR(1) on the log rate, ρ 0.5 and 0.7 (runs of busy and quiet months).
CALIBRATION: dict[str, float] = {
    "trend_fa_independent": 0.06,
    "trend_fa_persistent": 0.33,
    "trend_power_step_50": 0.98,
    "trend_power_step_5": 0.45,
    "alarm_fa_independent": 0.005,
    "alarm_fa_persistent": 0.022,
    "alarm_power_50": 1.0,
    "alarm_power_5": 0.67,
    "rr_cover_low": 0.93,
    "rr_cover_high": 0.97,
    "placebo_fa": 0.035,
    "leadlag_fa": 0.05,
}


def _in(share: float, per: int) -> str:
    """'about 6 in 100' style wording of a share."""
    return f"about {round(share * per):d} in {per:,}"


def downward_trend_words(c: dict[str, float] = CALIBRATION) -> str:
    """What the downward-trend flag means and how often it fires by chance."""
    return (
        "Downward trend over the last 36 months: incidents fell steadily enough that chance alone "
        "rarely produces such a fall, after allowing for the seasons and for runs of busy and quiet "
        "months. How often it fires by chance: on simulated series with no change at all, the flag "
        f"appeared at least once in ten years in {_in(c['trend_fa_independent'], 100)} regions when "
        "months vary independently, but in up to "
        f"{_in(c['trend_fa_persistent'], 100)} when busy and quiet months come in long runs. "
        f"A real 40 % drop was flagged within 18 months in {_in(c['trend_power_step_50'], 100)} "
        f"regions with about 50 incidents a month, and {_in(c['trend_power_step_5'], 100)} with "
        "about 5. Treat one flag among many regions with care: some will be chance."
    )


def alarm_words(c: dict[str, float] = CALIBRATION) -> str:
    """What the alarm means and how often it fires by chance."""
    return (
        "Alarm: this month had more incidents than the region's previous 36 months make plausible "
        "(above the upper limit shown, allowing for the season and the recent trend), and at least "
        "5, so a single incident after quiet months is not an alarm. How often it fires by chance: "
        f"{_in(c['alarm_fa_independent'], 1000)} months on series with no change when months vary "
        f"independently, up to {_in(c['alarm_fa_persistent'], 1000)} when busy and quiet months come "
        f"in runs. A month with three times the usual count raised an alarm "
        f"{round(100 * c['alarm_power_50']):d} % of the time at about 50 incidents a month and "
        f"{round(100 * c['alarm_power_5']):d} % at about 5."
    )


def evaluation_words(c: dict[str, float] = CALIBRATION) -> str:
    """What the evaluation's intervals and p-values mean and how often they mislead by chance."""
    return (
        "Before and after a milestone: the ranges (95 % intervals) are measured against how much the "
        "region's own counts moved at other times, so a region with large swings gets wide ranges. "
        "On simulated series the range held the true change in "
        f"{round(100 * c['rr_cover_low']):d}–{round(100 * c['rr_cover_high']):d} % of runs, also when "
        "busy and quiet months come in runs. The placebo p asks how often a change as large happened "
        "at other times in the region's history; with no real change it fell to 0.05 or below in "
        f"{_in(c['placebo_fa'], 100)} runs. Lead–lag: the strongest of nine lags is adjusted for having "
        f"been picked, so on unrelated series its range excluded zero in {_in(c['leadlag_fa'], 100)} "
        "runs. A pre-trend warning means the region and its comparison were already moving apart "
        "before the milestone."
    )


def plain_words() -> list[tuple[str, str]]:
    """(title, text) for each signal, for the Methodology page and the briefing pack."""
    return [
        ("Downward trend", downward_trend_words()),
        ("Alarm", alarm_words()),
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
