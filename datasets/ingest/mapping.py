"""A user's column mapping for "any other CSV": which file column feeds which schema column.

A mapping is saved as JSON under the store's ``mappings/`` folder so it can be chosen again for
the next file of the same kind. Example::

    {"name": "Ministry weekly sheet", "table": "incidents",
     "columns": {"event_date": "Date", "country": "Country", "fatalities": "Killed",
                 "event_type": "Type"},
     "constants": {"source": "Ministry of Defence"}}

``columns`` keys are schema columns plus ``country`` (a name or code from which ``iso3`` is
found); values are the file's column names (matched without regard to case). ``constants``
give one value for every row (for instance the ``source`` or a single ``event_type``). ``key``
(optional) lists the schema columns whose values identify a row of a file without event ids
(default: the date, place, actors and type columns the mapping feeds; see
``datasets.ingest.incidents.content_keys``).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ColumnMapping", "list_mappings", "load_mapping", "save_mapping"]


@dataclass(frozen=True)
class ColumnMapping:
    """Schema column -> file column, plus fixed values; ``table`` names the table it feeds."""

    name: str
    table: str = "incidents"
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    key: tuple[str, ...] = ()

    def to_json(self) -> str:
        data: dict[str, object] = {
            "name": self.name,
            "table": self.table,
            "columns": self.columns,
            "constants": self.constants,
        }
        if self.key:
            data["key"] = list(self.key)
        return json.dumps(data, indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: object) -> ColumnMapping:
        """Build from parsed JSON; ``ValueError`` in one sentence when it is not a mapping."""
        if not isinstance(data, dict) or not isinstance(data.get("columns", {}), dict):
            raise ValueError("a column mapping must be a JSON object with a 'columns' object")
        columns = {str(k): str(v) for k, v in data.get("columns", {}).items() if v not in (None, "")}
        constants = {str(k): str(v) for k, v in (data.get("constants") or {}).items() if v not in (None, "")}
        key = data.get("key") or []
        if not isinstance(key, list):
            raise ValueError("a column mapping's 'key' must be a list of column names")
        return cls(
            name=str(data.get("name") or "mapping"),
            table=str(data.get("table") or "incidents"),
            columns=columns,
            constants=constants,
            key=tuple(str(k) for k in key),
        )


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip()).strip("-.")
    return slug or "mapping"


def load_mapping(path: str | os.PathLike[str]) -> ColumnMapping:
    """Read a mapping JSON file; ``ValueError`` in one sentence when it cannot be used."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"mapping file not found: {p}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"mapping file {p} is not valid JSON") from exc
    return ColumnMapping.from_dict(data)


def is_remote(root: str | os.PathLike[str]) -> bool:
    """Whether a store location is on object storage (an ``s3://`` URL), not a folder."""
    return str(root).startswith("s3://")


def save_mapping(root: str | os.PathLike[str], mapping: ColumnMapping) -> Path | str:
    """Write ``mapping`` to ``<root>/mappings/<name>.json`` atomically and return the path; on
    object storage, into the store's ``documents`` table (``DeltaStore.save_document``)."""
    if is_remote(root):
        from datasets.store import Store

        return Store(root).save_document("mappings", _slug(mapping.name), mapping.to_json())  # type: ignore[attr-defined]
    folder = Path(root) / "mappings"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{_slug(mapping.name)}.json"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".mapping-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(mapping.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def list_mappings(root: str | os.PathLike[str], table: str | None = None) -> dict[str, ColumnMapping]:
    """Saved mappings in ``<root>/mappings`` (or, on object storage, the store's ``documents``
    table) by name (those for ``table`` only, when given); unreadable ones are skipped."""
    out: dict[str, ColumnMapping] = {}
    if is_remote(root):
        from datasets.store import Store

        for text in Store(root).documents("mappings").values():  # type: ignore[attr-defined]
            try:
                m = ColumnMapping.from_dict(json.loads(text))
            except (ValueError, TypeError, KeyError):
                continue
            if table is None or m.table == table:
                out[m.name] = m
        return dict(sorted(out.items()))
    folder = Path(root) / "mappings"
    if not folder.is_dir():
        return out
    for p in sorted(folder.glob("*.json")):
        try:
            m = load_mapping(p)
        except ValueError:
            continue
        if table is None or m.table == table:
            out[m.name] = m
    return out
