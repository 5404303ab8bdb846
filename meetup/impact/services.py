"""The dashboard's and the report's figures for a series, worded in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from flask_babel import format_number, format_percent
from flask_babel import gettext as _

from meetup.events.models import Series
from meetup.i18n import format_date_in_zone
from meetup.impact import districts as district_rules
from meetup.impact import figures, queries
from meetup.registrations.sectors import sector_label

if TYPE_CHECKING:
    # imported where the PDF is made: reportlab is 6 MB a web worker need not load at start
    from meetup.impact import report


@dataclass(frozen=True)
class History:
    """Everything the figures are made of, for one series (four queries)."""

    series: Series
    evenings: list[figures.Evening]
    counts: list[figures.EveningCounts]
    attendances: list[figures.Attendance]
    introductions: list[figures.IntroductionRow]
    now: datetime

    def figures(self, start: datetime | None = None, end: datetime | None = None):
        return figures.compute(
            self.evenings,
            self.counts,
            self.attendances,
            self.introductions,
            radius_m=self.series.neighbour_radius_m,
            now=self.now,
            start=start,
            end=end,
        )

    def offices(self, start: datetime | None, end: datetime | None) -> list:
        chosen = [
            e.id
            for e in self.evenings
            if (start is None or e.starts_at >= start) and (end is None or e.starts_at < end)
        ]
        return [
            district_rules.Office(a.postcode, a.city, a.latitude, a.longitude)
            for a in figures.latest_cards(chosen, self.evenings, self.attendances)
        ]


def history(series: Series, now: datetime) -> History:
    return History(
        series,
        queries.evenings(series, now),
        queries.counts(series),
        queries.attendances(series),
        queries.introductions(series),
        now,
    )


def evening_label(series: Series, evening: figures.Evening) -> str:
    return format_date_in_zone(evening.starts_at, series.zone, "medium")


def sector_name(key: str) -> str:
    return sector_label(key) or _("Not said")


def count(n: int) -> str:
    return format_number(n)


def percent(rate: float | None) -> str:
    return format_percent(rate, "#,##0 %") if rate is not None else "—"


def local_midnight(series: Series, day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=series.zone)


# -- the report ----------------------------------------------------------------------------


def _small(n: int) -> str:
    return district_rules.shown_count(n) or count(n)


def key_figures(f: figures.Figures) -> list[tuple[str, str]]:
    return [
        (_("Evenings"), count(len(f.evenings))),
        (_("Check-ins"), count(f.attendances)),
        (_("of which walk-ins"), count(f.walk_ins)),
        (_("Different people"), count(f.people)),
        (_("First visits"), count(f.first_visits)),
        (_("Visits of regulars"), count(f.regulars)),
        (
            _("Came back (2 evenings or more)"),
            f"{count(f.came_back)} ({percent(f.came_back_rate)})",
        ),
        (_("No-shows"), f"{count(f.no_shows)} ({percent(f.no_show_rate)})"),
        (
            _("Neighbour pairs who met (within %(radius)s m)", radius=count(f.radius_m)),
            count(f.neighbour_pairs),
        ),
        (_("Introductions asked"), count(f.introductions_asked)),
        (_("Introductions accepted"), count(f.introductions_accepted)),
    ]


def _page(history: History, heading: str, start: datetime, end: datetime) -> report.Page:
    from meetup.impact import report

    f = history.figures(start, end)
    found, unknown = district_rules.districts(history.offices(start, end))
    rows = [(d.label, _small(d.people)) for d in found[: report.MAX_ROWS - 1]]
    rest = sum(d.people for d in found[report.MAX_ROWS - 1 :])
    if rest:
        rows.append((_("Other districts"), _small(rest)))
    if unknown:
        rows.append((_("District not known"), _small(unknown)))
    sectors = [(sector_name(key), _small(n)) for key, n in f.sectors[: report.MAX_ROWS - 1]]
    rest = sum(n for _key, n in f.sectors[report.MAX_ROWS - 1 :])
    if rest:
        sectors.append((_("Other sectors"), _small(rest)))
    return report.Page(
        heading=heading,
        figures=key_figures(f),
        evenings=[
            (evening_label(history.series, e.evening), e.came, count(e.came)) for e in f.evenings
        ],
        sectors=sectors,
        district_rows=rows,
        districts=[d for d in found if d.drawn],
    )


def periods(history: History) -> list[tuple[str, datetime, datetime]]:
    """A page per calendar year (in the series' time zone) with evenings."""
    zone = history.series.zone
    years = sorted({e.starts_at.astimezone(zone).year for e in history.evenings})
    return [
        (
            str(year),
            local_midnight(history.series, date(year, 1, 1)),
            local_midnight(history.series, date(year + 1, 1, 1)),
        )
        for year in years
    ]


def notes(series: Series) -> list[str]:
    minimum = district_rules.MIN_COUNT
    return [
        _(
            "Anonymous figures only: this report names nobody and shows nobody's office. "
            "People are counted by district (postcode or town), and a count under %(n)s is "
            "shown as “< %(n)s” and not drawn on the map, so that nobody can be singled out. "
            "A district's circle stands at the rounded centre of at least %(n)s offices.",
            n=minimum,
        ),
        *definitions(series),
    ]


def definitions(series: Series) -> list[str]:
    return [
        _(
            "Evenings: the series' published evenings that have taken place; cancelled "
            "evenings are left out. Check-ins: people checked in at the door, walk-ins "
            "included."
        ),
        _(
            "First visit: the first evening of the series the person came to; a regular had "
            "come to an earlier one. People who erased their data still count as check-ins, "
            "anonymously, but no longer as first visits or regulars, nor in the other "
            "figures about people."
        ),
        _("Came back: people who came to at least two of the evenings counted."),
        _(
            "No-show: a confirmed seat, the evening over, never checked in; the rate is out "
            "of the seats booked ahead (walk-ins excluded)."
        ),
        _(
            "Neighbour pairs who met: two people whose offices are within %(radius)s m of "
            "each other, both checked in at the same evening, counted once per pair.",
            radius=count(series.neighbour_radius_m),
        ),
        _(
            "Introductions: the directory's “introduce us” requests, at the last evening "
            "before the request, and those the other person accepted. Requests are deleted "
            "with an erased person's data, and unanswered ones after 90 days."
        ),
    ]


def impact_report(
    series: Series, history: History, start: date | None = None, end: date | None = None
) -> bytes:
    """The PDF: a page per year, or one for the dates given (both included)."""
    from meetup.impact import report

    if start is not None and end is not None:
        period = (
            f"{format_date_in_zone(local_midnight(series, start), series.zone, 'long')} – "
            f"{format_date_in_zone(local_midnight(series, end), series.zone, 'long')}"
        )
        pages = [
            _page(
                history,
                period,
                local_midnight(series, start),
                local_midnight(series, end + timedelta(days=1)),
            )
        ]
    else:
        chosen = periods(history)
        pages = [_page(history, heading, s, e) for heading, s, e in chosen]
        period = (
            f"{chosen[0][0]} – {chosen[-1][0]}" if len(chosen) > 1 else (chosen or [("",)])[0][0]
        )
    return report.render(
        report.Report(
            title=series.name,
            subtitle=_("Impact report"),
            period=period or _("No evening yet."),
            generated=_(
                "Made on %(date)s", date=format_date_in_zone(history.now, series.zone, "long")
            ),
            notes=notes(series),
            pages=pages,
            words=report.Words(
                key_figures=_("Key figures"),
                attendance=_("Attendance per evening"),
                sectors=_("Sectors (different people)"),
                districts=_("Where offices are (different people)"),
                map_note=_(
                    "Circle area: people per district. Districts under %(n)s are not drawn. "
                    "A schematic map: no streets, no single office.",
                    n=district_rules.MIN_COUNT,
                ),
                no_evening=_("No evening in this period."),
                no_map=_("No district has enough people on the map to be drawn."),
                kilometres=_("{n} km"),
                page=_("Page {n} of {total}"),
            ),
            footer=series.name,
        )
    )
