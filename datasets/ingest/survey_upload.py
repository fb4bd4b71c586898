"""The survey-microdata path of ``datasets.ingest.prepare``: respondent file in, ``Upload`` out."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from datasets.ingest.preread import read_source
from datasets.ingest.report import build_report
from datasets.ingest.sniff import Bytes
from datasets.ingest.survey import ItemChoice, Microdata, import_survey, is_microdata, read_microdata

if TYPE_CHECKING:
    from datasets.ingest import Upload

__all__ = ["prepare_survey"]


def prepare_survey(
    data: Bytes,
    file_name: str,
    items: Sequence[ItemChoice],
    weight: str | None,
    country: str | None,
    year: int | None,
    member: str | None,
) -> Upload:
    """Read a respondent file (SPSS, Stata or CSV) into perception rows; store nothing.

    The survey path of ``datasets.ingest.prepare`` (see ``datasets.ingest.survey``).
    """
    from datasets.ingest import Upload, _recognised, max_upload_bytes

    spec = repr([(c.item, c.safe_answers, c.indicator) for c in items]) + f"|{weight}|{country}|{year}"
    sha = hashlib.sha256(bytes(data) + spec.encode()).hexdigest()  # another item choice: another batch
    parsed = None
    notes: list[str] = []
    refused: list[str] = []  # what the reader refuses the file for (repeated column names, a conflict)
    if is_microdata(bytes(data[:16])):
        md = read_microdata(data, file_name)
    else:
        source = read_source(data, _recognised, member=member, limit=max_upload_bytes())
        parsed, notes, refused = source.parsed, list(source.notes), list(source.problems)
        if refused:  # the columns cannot be told apart (or a conflict is unresolved): nothing is read
            report = build_report(file_name, None, [], file_problems=refused, notes=notes)
            report = dataclasses.replace(report, total_rows=parsed.table.num_rows)
            return Upload(
                file_name, sha, len(data), "perception", "survey_microdata", parsed, None, report, {}
            )
        frame = parsed.table.to_pandas()
        frame.columns = parsed.columns
        for c in frame.columns:  # numbers where a column holds only numbers; text (a country) as it is
            text = frame[c].astype("string").str.strip().replace("", pd.NA)
            numbers = pd.to_numeric(text, errors="coerce")
            frame[c] = numbers if numbers.notna().sum() == text.notna().sum() else text.astype(object)
        md = Microdata(frame, {}, {}, kind="CSV")
    converted = import_survey(md, items, file_name=file_name, weight=weight, country=country, year=year)
    report = build_report(
        file_name, None, [], file_problems=converted.file_problems, notes=[*notes, *converted.notes]
    )
    report = dataclasses.replace(report, total_rows=len(md.frame))
    table = None if converted.file_problems else converted.table
    return Upload(
        file_name,
        sha,
        len(data),
        "perception",
        "survey_microdata",
        parsed,
        table,
        report,
        converted.used,
        info=dict(converted.info),
        microdata=md,
    )
