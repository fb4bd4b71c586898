"""The briefing pack: one region and period as a PowerPoint deck (``.pptx``) and the same content as
a PDF.

Slides, in order: a title slide (region, period, "Illustrative sample data, not real" when so, else
the sources of each loaded family, the date and the tool's version); one slide per family (conflict
incidents, military collaboration, public perception) with its chart and three key findings
(``reports.export.findings``), or for a family without data the sentence saying so; the
composite index with its weights; with a milestone, an evaluation slide whose findings are the
``finding`` sentences of ``metrics.evaluation.evaluate_milestone`` for the loaded families, as on the
Evaluation page (more than six continue on a second slide); and a sources and methodology slide.

``build_pack`` assembles the content once (charts rendered to PNG through ``render_image``);
``to_pptx`` and ``to_pdf`` lay it out. The PDF uses Liberation Sans (Debian's ``fonts-liberation``)
or DejaVu Sans when installed, else the PDF core font Helvetica with the few characters it lacks
spelled in ASCII.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from datasets.bundle import FAMILY_TABLES, Bundle
from datasets.loaders import NO_DATA_LABEL
from metrics.provenance import measure_families
from metrics.signals import TREND_YEARS
from metrics.signals_words import alarm_words, downward_trend_words, evaluation_words, yearly_signals_words
from reports import __version__, figures
from reports.compute import Frames, attribution
from reports.export import findings as fd
from reports.export.catalog import selection_for
from reports.export.render import render_image
from reports.selection import DEFAULT_WEIGHTS, Selection

FORMATS: tuple[str, ...] = ("pptx", "pdf")
MEDIA_TYPES: dict[str, str] = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}
SAMPLE_NOTE = "Illustrative sample data, not real"
NO_DATA = f"{NO_DATA_LABEL}: load it on the Data page of the dashboard or with `stability ingest`."
TOOL = "Regional Stability Monitor"
EVALUATION_PER_SLIDE = 6
#: Chart images on slides: 1600 × 900 CSS pixels drawn at 1.5× (2400 × 1350 px).
IMAGE_SCALE = 1.5
FONT_DIRS: tuple[str, ...] = ("/usr/share/fonts/truetype/liberation", "/usr/share/fonts/truetype/dejavu")
FONT_FILES: tuple[tuple[str, str], ...] = (
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
)
METHODS: tuple[str, ...] = (
    "Conflict: incidents and deaths per month in the region's member countries. " + downward_trend_words(),
    alarm_words(),
    "Military collaboration: engagements started by kind, per month (per year where a source dates "
    "them by year), and agreements in force counted apart, never added to them; network "
    "density is the share of member pairs tied by at least one engagement over the trailing 12 months; "
    "external partners are the non-members engaged over the same months.",
    "Public perception: national survey shares pooled per region, weighted by population, with 95 % "
    "intervals; a change between waves is significant when its 95 % interval excludes zero.",
    "Composite index: each family's indicators scaled 0–100 over all regions and the selected months "
    "(100 = most stable), then averaged with the weights shown; missing families are left out, never "
    "counted as zero.",
    "Full formulas: the Methodology page of the dashboard and the command `stability metrics`.",
)
#: The first two of ``METHODS`` for a region whose incident data are yearly: no flags, and why.
YEARLY_CONFLICT_METHOD = (
    "Conflict: incidents and deaths per year in the region's member countries. "
    + yearly_signals_words(TREND_YEARS),
)
EVALUATION_METHOD = (
    "Evaluation around a milestone: incidents and deaths in the K months after ÷ the K months before "
    "(rate ratio), the same against comparison regions (difference in differences) and against other "
    "times in the region's history (placebo p). " + evaluation_words() + " Association, not proof of cause."
)


@dataclass(frozen=True)
class Slide:
    """One slide (one PDF page): a title, an optional subtitle, bullets, an optional chart image
    (PNG) and a footer line (source, span and the sample note)."""

    title: str
    subtitle: str = ""
    bullets: tuple[str, ...] = ()
    image: bytes | None = None
    chart: str = ""
    footer: str = ""
    kind: str = "content"  # "title", "family", "evaluation", "sources"


@dataclass(frozen=True)
class Pack:
    """A briefing on one region and period."""

    region: str
    start: str
    end: str
    illustrative: bool
    slides: tuple[Slide, ...]
    created: str = field(default_factory=lambda: dt.date.today().isoformat())
    version: str = __version__

    @property
    def title(self) -> str:
        return f"Regional stability briefing: {self.region}"


# --- content ----------------------------------------------------------------------------------------


def _filters(sel: Selection, frames: Frames) -> str:
    parts = []
    if sel.countries:
        parts.append("countries " + ", ".join(sel.countries))
    if sel.event_types:
        parts.append("event types " + ", ".join(sel.event_types))
    if sel.min_fatalities:
        parts.append(f"incidents with at least {sel.min_fatalities} deaths")
    return "Filters: " + "; ".join(parts) + "." if parts else ""


def _chart_slide(title: str, chart: figures.Chart, bullets: Sequence[str], subtitle: str, name: str) -> Slide:
    from reports.charts import shown_caption_lines

    if chart.missing:  # no empty chart beside the findings: the sentence saying what is missing
        return Slide(
            title=title,
            subtitle=subtitle,
            bullets=(*bullets, chart.missing),
            image=None,
            chart=name,
            footer=" ".join(shown_caption_lines(chart.figure)),
            kind="family",
        )
    image = render_image(chart.figure, "png", scale=IMAGE_SCALE)
    return Slide(
        title=title,
        subtitle=subtitle,
        bullets=tuple(bullets),
        image=image,
        chart=name,
        footer=" ".join(shown_caption_lines(chart.figure)),
        kind="family",
    )


def sources_line(bundle: Bundle) -> str:
    """The title slide's line on real data: each loaded family with its sources, then the families
    without data, e.g. "Sources: conflict — UCDP GED. No data loaded for collaboration, perception."."""
    loaded = bundle.loaded_families()
    used = "; ".join(f"{f} — {bundle.provenance(f)}" for f in loaded)
    line = f"Sources: {used}." if used else "No data loaded."
    missing = [f for f in FAMILY_TABLES if f not in loaded]
    if missing and loaded:
        line += f" No data loaded for {', '.join(missing)}."
    return line


def _sources(frames: Frames) -> list[str]:
    return attribution(frames.bundle)


def methods_for(*, yearly: bool, evaluation: bool) -> list[str]:
    """The method bullets of the last slide: ``METHODS`` (its conflict and alarm bullets replaced by
    ``YEARLY_CONFLICT_METHOD`` when the region's incident data are yearly), with
    ``EVALUATION_METHOD`` before the last bullet when the pack holds an evaluation."""
    conflict = YEARLY_CONFLICT_METHOD if yearly else METHODS[:2]
    return [*conflict, *METHODS[2:-1], *([EVALUATION_METHOD] if evaluation else []), METHODS[-1]]


def build_pack(
    frames: Frames,
    sel: Selection,
    *,
    milestone: str | None = None,
    label: str | None = None,
    window: int = 12,
    comparison: Sequence[str] | None = None,
) -> Pack:
    """The briefing on ``sel`` (its region, months, filters and weights) drawn from ``frames``.

    With ``milestone`` (``YYYY-MM``) an evaluation slide is added: ``evaluate_milestone`` with
    ``label``, ``window`` months and ``comparison`` regions (default: its own choice) under the
    selection's incident filters. Raises ``ValueError`` for a milestone outside the incident data
    and ``ChromiumMissing`` when chart images cannot be drawn."""
    evaluation = None
    if milestone:
        from metrics.evaluation import evaluate_milestone

        b = frames.bundle
        evaluation = evaluate_milestone(
            b.incidents.table,
            b.collaboration.table,
            b.perception.table,
            b.regions,
            region=sel.region,
            milestone=milestone,
            label=label or None,
            window=window,
            compare=list(comparison) if comparison else None,
            event_types=sel.types_filter,
            min_fatalities=sel.min_fatalities,
            coverage=b.incidents_coverage(),
        )
    illustrative = bool(frames.illustrative_tables())
    period = f"{sel.start} to {sel.end}"
    created = dt.date.today().isoformat()
    title_lines = [period]
    if illustrative:
        title_lines.append(SAMPLE_NOTE)
    else:
        title_lines.append(sources_line(frames.bundle))
    filters = _filters(sel, frames)
    if filters:
        title_lines.append(filters)
    title_lines.append(f"Prepared {created} with {TOOL} {__version__}")
    slides = [
        Slide(title=f"Regional stability briefing: {sel.region}", bullets=tuple(title_lines), kind="title")
    ]
    loaded = frames.bundle.loaded_families()
    family_slides = (
        ("conflict", "Conflict incidents", figures.conflict_trend, fd.conflict_findings, "conflict-trend"),
        (
            "collaboration",
            "Military collaboration",
            figures.collaboration_chart,
            fd.collaboration_findings,
            "engagements-by-kind",
        ),
        ("perception", "Public perception", figures.perception_shares, fd.perception_findings, "perception"),
    )
    for family, title, draw, say, name in family_slides:
        if family not in loaded:  # a family without data: one sentence, no chart
            slides.append(
                Slide(title=title, subtitle=f"{sel.region}, {period}", bullets=(NO_DATA,), kind="family")
            )
            continue
        slides.append(
            _chart_slide(title, draw(sel, frames), say(frames, sel), f"{sel.region}, {period}", name)  # type: ignore[operator]
        )
    slides.append(
        _chart_slide(
            "Stability index",
            figures.family_scores(sel, frames),
            fd.composite_findings(frames, sel),
            f"{sel.region}, {period}. {fd.weights_text(sel)} Families with data: {', '.join(loaded)}.",
            "family-scores",
        )
    )
    if evaluation is not None:
        sentences = [  # only measures of loaded families
            r.finding for r in evaluation.results if set(measure_families(r.measure)) <= set(loaded)
        ]
        chunks = [
            sentences[k : k + EVALUATION_PER_SLIDE] for k in range(0, len(sentences), EVALUATION_PER_SLIDE)
        ] or [[]]
        what = f"{evaluation.milestone}" + (f" ({evaluation.label})" if evaluation.label else "")
        used = evaluation.comparison_regions
        subtitle = (
            f"{sel.region}, milestone {what}, windows of {evaluation.window} months; comparison: "
            + (", ".join(used) if used else "none")
            + ". Association, not proof of cause."
        )
        for k, chunk in enumerate(chunks):
            slides.append(
                Slide(
                    title="Evaluation around the milestone" + (" (continued)" if k else ""),
                    subtitle=subtitle,
                    bullets=tuple(chunk),
                    footer=f"Incidents from {evaluation.span[0]} to {evaluation.span[1]}"
                    + (f" · {SAMPLE_NOTE}" if illustrative else ""),
                    kind="evaluation",
                )
            )
    methods = methods_for(yearly=frames.yearly(sel), evaluation=evaluation is not None)
    slides.append(
        Slide(
            title="Sources and methodology",
            bullets=tuple([*_sources(frames), *methods]),
            footer=SAMPLE_NOTE if illustrative else "",
            kind="sources",
        )
    )
    return Pack(sel.region, sel.start, sel.end, illustrative, tuple(slides), created=created)


def briefing_pack(
    bundle: Bundle,
    region: str,
    start: str | None = None,
    end: str | None = None,
    *,
    milestone: str | None = None,
    label: str | None = None,
    window: int = 12,
    weights: tuple[int, int, int] = DEFAULT_WEIGHTS,
) -> Pack:
    """The briefing on ``region`` from ``start`` to ``end`` (default: the data's span) with the
    dashboard's default filters; ``ValueError`` for an unknown region or a bad month."""
    frames = Frames(bundle)
    sel = selection_for(frames, region, start, end)
    if weights != DEFAULT_WEIGHTS:
        from dataclasses import replace

        sel = replace(sel, weights=weights)
    return build_pack(frames, sel, milestone=milestone, label=label, window=window)


# --- PowerPoint -------------------------------------------------------------------------------------


def to_pptx(pack: Pack) -> bytes:
    """The pack as a 16:9 PowerPoint deck: one slide per ``Slide``, its title in the title placeholder,
    the chart as a picture on the left, the findings as paragraphs on the right."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    prs.core_properties.title = pack.title
    prs.core_properties.author = TOOL
    prs.core_properties.subject = f"{pack.region}, {pack.start} to {pack.end}"
    grey, red = RGBColor(0x55, 0x55, 0x55), RGBColor(0xD5, 0x5E, 0x00)

    def text_box(slide, left, top, width, height, lines, size, *, colour=None, bold_first=False):  # type: ignore[no-untyped-def]
        frame = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height)).text_frame
        frame.word_wrap = True
        for k, line in enumerate(lines):
            para = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
            para.text = line
            para.space_after = Pt(8)
            for run in para.runs:
                run.font.size = Pt(size)
                run.font.bold = bold_first and k == 0
                if colour is not None:
                    run.font.color.rgb = colour
        return frame

    for s in pack.slides:
        if s.kind == "title":
            slide = prs.slides.add_slide(prs.slide_layouts[0])
            slide.shapes.title.text = s.title
            title = slide.shapes.title
            title.left, title.top, title.width, title.height = (
                Inches(0.8),
                Inches(2.0),
                Inches(11.7),
                Inches(1.5),
            )
            body = slide.placeholders[1]
            body.left, body.top, body.width, body.height = Inches(0.8), Inches(3.7), Inches(11.7), Inches(2.8)
            body.text_frame.text = s.bullets[0] if s.bullets else ""
            for line in s.bullets[1:]:
                para = body.text_frame.add_paragraph()
                para.text = line
                if line == SAMPLE_NOTE:
                    for run in para.runs:
                        run.font.bold, run.font.color.rgb = True, red
            continue
        slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only
        title = slide.shapes.title
        title.text = s.title
        title.left, title.top, title.width, title.height = (
            Inches(0.5),
            Inches(0.25),
            Inches(12.3),
            Inches(0.8),
        )
        for run in title.text_frame.paragraphs[0].runs:
            run.font.size = Pt(30)
        if s.subtitle:
            text_box(slide, 0.5, 1.0, 12.3, 0.5, [s.subtitle], 14, colour=grey)
        if s.image is not None:
            slide.shapes.add_picture(io.BytesIO(s.image), Inches(0.4), Inches(1.55), width=Inches(8.3))
            text_box(slide, 8.9, 1.55, 4.1, 5.2, ["Key findings", *s.bullets], 13, bold_first=True)
        else:
            text_box(slide, 0.5, 1.6, 12.3, 5.2, list(s.bullets), 14 if s.kind == "content" else 12)
        if s.footer:
            text_box(slide, 0.5, 6.85, 12.3, 0.5, [s.footer], 10, colour=grey)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


# --- PDF --------------------------------------------------------------------------------------------

_ASCII = str.maketrans(
    {"–": "-", "—": "-", "−": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "≥": ">=", "≤": "<=", "…": "..."}
)


def _font_files() -> tuple[str, str] | None:
    for regular, bold in FONT_FILES:
        for folder in FONT_DIRS:
            r, b = os.path.join(folder, regular), os.path.join(folder, bold)
            if os.path.isfile(r) and os.path.isfile(b):
                return r, b
    return None


def to_pdf(pack: Pack) -> bytes:
    """The pack as a PDF, one A4 landscape page per slide, laid out like the deck."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(pack.title)
    pdf.set_author(TOOL)
    pdf.set_creator(f"{TOOL} {pack.version}")
    files = _font_files()
    if files is not None:
        pdf.add_font("body", "", files[0])
        pdf.add_font("body", "B", files[1])
        family = "body"

        def clean(text: str) -> str:
            return text
    else:
        family = "helvetica"

        def clean(text: str) -> str:
            return text.translate(_ASCII).encode("latin-1", "replace").decode("latin-1")

    width = pdf.w - 2 * 12

    def para(text: str, size: float, *, x: float, w: float, bold: bool = False, colour: int = 20) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.set_text_color(colour, colour, colour)
        pdf.set_x(x)
        pdf.multi_cell(w, size * 0.45, clean(text), align="L", new_x="LMARGIN", new_y="NEXT")

    for s in pack.slides:
        pdf.add_page()
        pdf.set_margins(12, 10, 12)
        if s.kind == "title":
            pdf.set_y(60)
            para(s.title, 28, x=20, w=width - 16, bold=True)
            pdf.ln(6)
            for line in s.bullets:
                para(line, 15, x=20, w=width - 16, bold=line == SAMPLE_NOTE, colour=20)
                pdf.ln(2)
            continue
        pdf.set_y(10)
        para(s.title, 22, x=12, w=width, bold=True)
        if s.subtitle:
            para(s.subtitle, 11, x=12, w=width, colour=85)
        top = pdf.get_y() + 3
        if s.image is not None:
            pdf.image(io.BytesIO(s.image), x=12, y=top, w=178)
            pdf.set_y(top)
            para("Key findings", 13, x=196, w=width - 184, bold=True)
            pdf.ln(1)
            for line in s.bullets:
                para(line, 10.5, x=196, w=width - 184)
                pdf.ln(2)
        else:
            pdf.set_y(top)
            for line in s.bullets:
                para(line, 11 if s.kind != "sources" else 10, x=12, w=width)
                pdf.ln(2)
        if s.footer:
            pdf.set_y(pdf.h - 16)
            para(s.footer, 8.5, x=12, w=width, colour=85)
    return bytes(pdf.output())


def write_pack(pack: Pack, fmt: str) -> bytes:
    """The pack as ``fmt`` ("pptx" or "pdf"); ``ValueError`` for another format."""
    if fmt == "pptx":
        return to_pptx(pack)
    if fmt == "pdf":
        return to_pdf(pack)
    raise ValueError(f"briefing format must be one of {', '.join(FORMATS)}, not '{fmt}'")
