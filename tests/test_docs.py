"""Docs and code stay in step: every schema column is documented, every indicator is catalogued."""

import re
from pathlib import Path

import pytest

from datasets.schema import SCHEMAS
from metrics import catalog

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_schema_column_is_documented(name):
    text = (ROOT / "datasets" / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {name}\n", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \| (\w+) \| (yes[^|]*|no) \|", section, re.M)
    schema = SCHEMAS[name]
    assert [(c, k) for c, k, _ in documented] == [(c.name, c.kind) for c in schema.columns]
    for (_, _, req), col in zip(documented, schema.columns, strict=True):
        assert req.startswith("yes") == col.required


def test_every_emitted_indicator_is_in_the_catalogue_and_methodology(sample_indicators):
    texts = "\n".join(t for _, t in catalog.methodology())
    for name in sorted(sample_indicators["indicator"].unique()):
        ind = catalog.describe(name)
        assert ind.label and ind.unit
        base = re.sub(r"_(change_significant|change|sample_size)$", "", name)
        if ind.family in ("conflict", "composite") or name in ("network_density", "collaboration_score"):
            assert f"``{name}``" in texts, f"{name} is not defined on the Methodology page"
        elif ind.family == "perception":
            assert f"``<j>{name[len(base) :]}``" in texts or "``<j>``" in texts
