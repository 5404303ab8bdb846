"""The series' dashboard (charts, each with its table) and its impact report (PDF)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from meetup.auth.access import require_series_access, staff_required
from meetup.events import queries as event_queries
from meetup.impact import bp, charts, services
from meetup.impact.districts import MIN_COUNT
from meetup.impact.figures import VISIT_BUCKETS
from meetup.impact.forms import PeriodForm
from meetup.responses import pdf_response
from meetup.timeutil import utcnow


def _series(slug: str):
    series = event_queries.series_or_404(slug)
    require_series_access(current_user, series)
    return series


def _dashboard(series, form: PeriodForm, status: int = 200):
    history = services.history(series, utcnow())
    f = history.figures()
    label = lambda e: services.evening_label(series, e.evening)  # noqa: E731
    count = services.count
    rows = list(reversed(f.evenings))  # the latest evening first
    figures = {
        "attendance": charts.bars(
            [
                charts.Row(label(e), (e.first_visits, e.regulars, e.not_known), count(e.came))
                for e in rows
            ],
            [_("First visits"), _("Regulars"), _("No longer known")],
        ),
        "came_back": charts.bars(
            [
                charts.Row(
                    _("%(n)s evenings or more", n=count(n))
                    if n == VISIT_BUCKETS[-1]
                    else ngettext("%(num)d evening", "%(num)d evenings", n),
                    (people,),
                    count(people),
                )
                for n, people in f.visits
            ]
        ),
        "no_shows": charts.bars(
            [
                charts.Row(
                    label(e),
                    (e.no_shows,),
                    f"{count(e.no_shows)} ({services.percent(e.no_show_rate)})",
                )
                for e in rows
                if e.no_shows is not None
            ]
        ),
        "sectors": charts.bars(
            [charts.Row(services.sector_name(key), (n,), count(n)) for key, n in f.sectors]
        ),
        "pairs": charts.bars(
            [charts.Row(label(e), (e.neighbour_pairs,), count(e.neighbour_pairs)) for e in rows]
        ),
        "introductions": charts.bars(
            [
                charts.Row(
                    label(e),
                    (e.introductions_asked, e.introductions_accepted),
                    f"{count(e.introductions_asked)} / {count(e.introductions_accepted)}",
                )
                for e in rows
            ],
            [_("Asked"), _("Accepted")],
            grouped=True,
        ),
    }
    html = render_template(
        "impact/dashboard.html",
        series=series,
        f=f,
        rows=rows,
        charts=figures,
        form=form,
        definitions=services.definitions(series),
        label=label,
        count=count,
        percent=services.percent,
        sector_name=services.sector_name,
        min_count=MIN_COUNT,
    )
    return html, status


@bp.get("/series/<slug>/impact")
@staff_required
def dashboard(slug: str):
    return _dashboard(_series(slug), PeriodForm(formdata=None))


@bp.get("/series/<slug>/impact/report.pdf")
@staff_required
def report(slug: str):
    series = _series(slug)
    form = PeriodForm(request.args)
    if not form.validate():
        return _dashboard(series, form, 422)
    history = services.history(series, utcnow())
    pdf = services.impact_report(series, history, form.start.data, form.end.data)
    return pdf_response(pdf, f"impact-{series.slug}.pdf")
