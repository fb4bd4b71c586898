"""Rank sensitivity to the weights (Monte Carlo, seeded) on a literal three-region example."""

import numpy as np
import pandas as pd
import pytest

from metrics.sensitivity import rank_sensitivity

W = {"conflict": 0.5, "collaboration": 0.5, "perception": 0.0}


@pytest.fixture
def composite():
    rows = []
    for region, c, k in (("A", 90.0, 10.0), ("B", 10.0, 88.0), ("C", 20.0, 20.0)):
        rows += [
            (region, "2024-06", "score_conflict", c),
            (region, "2024-06", "score_collaboration", k),
            (region, "2024-06", "stability_index", (c + k) / 2),
        ]
    rows.append(("D", "2024-06", "stability_index", np.nan))  # no index: not ranked
    return pd.DataFrame(rows, columns=["region", "period", "indicator", "value"])


def test_ranks_under_varied_weights(composite):
    out = rank_sensitivity(composite, "2024-06", weights=W, draws=20000).set_index("region")
    # at the given weights: A (90 + 10)/2 = 50, B (10 + 88)/2 = 49, C 20
    assert out["rank"].to_dict() == {"A": 1, "B": 2, "C": 3}
    # with factors u_c, u_k ~ U(0.8, 1.2) and r = u_c/u_k: A beats B iff (90r + 10) > (10r + 88),
    # i.e. r > 78/80. P(u_c > 0.975·u_k) worked out on a fine grid, independently of the code:
    grid = np.linspace(0.8, 1.2, 2001)
    p_same = float(np.mean(grid[:, None] > 0.975 * grid[None, :]))
    assert out.loc["A", "share_same_rank"] == pytest.approx(p_same, abs=0.015)
    assert out.loc["B", "share_same_rank"] == pytest.approx(p_same, abs=0.015)
    # C is last whatever the weights
    assert (out.loc["C", "rank_low"], out.loc["C", "rank_high"], out.loc["C", "share_same_rank"]) == (3, 3, 1)
    assert "D" not in out.index


def test_seeded_and_no_spread_means_no_change(composite):
    a = rank_sensitivity(composite, "2024-06", weights=W, draws=200)
    b = rank_sensitivity(composite, "2024-06", weights=W, draws=200)
    pd.testing.assert_frame_equal(a, b)
    still = rank_sensitivity(composite, "2024-06", weights=W, spread=0.0, draws=50)
    assert (still["share_same_rank"] == 1).all()
    with pytest.raises(ValueError, match="spread"):
        rank_sensitivity(composite, "2024-06", spread=1.5)


def test_sensitivity_chart_properties(composite):
    from reports.charts import BLACK, Caption
    from reports.charts import rank_sensitivity as chart

    frame = rank_sensitivity(composite, "2024-06", weights=W, draws=500)
    fig = chart(frame, "B", title="t", caption=Caption("S", "2024-01", "2024-06", False))
    ranges, chosen = fig.data
    assert list(chosen.y) == ["A", "B", "C"] and list(chosen.x) == [1, 2, 3]
    assert list(chosen.marker.color).index(BLACK) == 1  # the selected region stands out
    low = frame["rank_median"] - frame["rank_low"]
    assert list(ranges.error_x.arrayminus) == pytest.approx(list(low))
    assert fig.layout.yaxis.autorange == "reversed"
