"""Tables about a store's batches: one row per batch (``sources``), one per change (``history``)."""

from __future__ import annotations

import pandas as pd

from datasets.coverage import batch_grain

__all__ = ["HISTORY_COLUMNS", "SOURCES_COLUMNS", "history_frame", "sources_frame"]

SOURCES_COLUMNS = [
    "batch_id",
    "table",
    "format",
    "file_name",
    "sha256",
    "rows_stored",
    "duplicates_skipped",
    "rows_rejected",
    "countries",
    "first_period",
    "last_period",
    "attribution",
    "ingested_at",
    "user",
    "withdrawn",
    "new",
    "revised",
    "removed",
]

HISTORY_COLUMNS = [
    "seq",
    "at",
    "action",
    "user",
    "batch_id",
    "table",
    "file_name",
    "new",
    "revised",
    "removed",
    "duplicates_skipped",
]


def _width(record: dict[str, object]) -> int:
    """Characters of a date that make its period: 4 (``YYYY``) for annual sources (the batch's
    ``period_grain``, or its coverage's grain: UCDP ACD and BRD, COW), else 7 (``YYYY-MM``)."""
    return 4 if batch_grain(record) == "year" else 7


def _new(b: dict[str, object]) -> int:
    """New rows of a batch; batches stored before revisions existed hold only new rows."""
    if "new" in b:
        return int(b["new"])  # type: ignore[call-overload]
    return int(b.get("rows_stored") or 0)  # type: ignore[call-overload]


def sources_frame(records: list[dict[str, object]]) -> pd.DataFrame:
    """One row per batch: table, format, file name, SHA-256, rows, countries, period, attribution,
    and what the batch changed (``new``, ``revised``, ``removed`` events)."""
    rows = []
    for b in records:
        rows.append(
            {
                "batch_id": b["id"],
                "table": b["table"],
                "format": b.get("format_label", b.get("format")),
                "file_name": b.get("file_name"),
                "sha256": b.get("sha256"),
                "rows_stored": b.get("rows_stored"),
                "duplicates_skipped": b.get("duplicates_skipped"),
                "rows_rejected": b.get("rows_rejected"),
                "countries": " ".join(b.get("countries") or []),  # type: ignore[arg-type]
                "first_period": (b.get("first_date") or "")[: _width(b)] or None,  # type: ignore[index]
                "last_period": (b.get("last_date") or "")[: _width(b)] or None,  # type: ignore[index]
                "attribution": b.get("attribution"),
                "ingested_at": b.get("ingested_at"),
                "user": b.get("user"),
                "withdrawn": bool(b.get("withdrawn")),
                "new": _new(b),
                "revised": int(b.get("revised") or 0),  # type: ignore[call-overload]
                "removed": int(b.get("removed") or 0),  # type: ignore[call-overload]
            }
        )
    return pd.DataFrame(rows, columns=SOURCES_COLUMNS)


def history_frame(records: list[dict[str, object]]) -> pd.DataFrame:
    """One row per change to the store, in the order made: each ingest (with the events it added,
    revised and removed), withdrawal and restoration, with who made it and when.

    ``seq`` numbers the changes (empty for changes made before the store numbered them); a change
    can be reproduced with ``stability metrics --as-of BATCH_ID`` or ``--as-of TIME``.
    """
    rows = []
    for order, b in enumerate(records):
        base = {"batch_id": b["id"], "table": b["table"], "file_name": b.get("file_name")}
        rows.append(
            {
                **base,
                "seq": b.get("seq"),
                "at": b.get("ingested_at"),
                "action": "ingested",
                "user": b.get("user"),
                "new": _new(b),
                "revised": int(b.get("revised") or 0),  # type: ignore[call-overload]
                "removed": int(b.get("removed") or 0),  # type: ignore[call-overload]
                "duplicates_skipped": b.get("duplicates_skipped"),
                "_order": (b.get("ingested_at") or "", order, 0),
            }
        )
        for k, h in enumerate(b.get("history") or []):  # type: ignore[union-attr, arg-type]
            rows.append(
                {
                    **base,
                    "seq": h.get("seq"),
                    "at": h.get("at"),
                    "action": h.get("action"),
                    "user": h.get("user"),
                    "new": None,
                    "revised": None,
                    "removed": None,
                    "duplicates_skipped": None,
                    "_order": (h.get("at") or "", order, k + 1),
                }
            )
    numbered = [r for r in rows if r["seq"] is not None]
    legacy = [r for r in rows if r["seq"] is None]
    legacy.sort(key=lambda r: r["_order"])
    numbered.sort(key=lambda r: r["seq"])
    frame = pd.DataFrame(legacy + numbered, columns=[*HISTORY_COLUMNS, "_order"]).drop(columns="_order")
    for col in ("seq", "new", "revised", "removed", "duplicates_skipped"):
        frame[col] = frame[col].astype("Int64")
    return frame
