"""A series' webhooks in the admin: endpoints, their secret, the delivery log, send again."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select

from meetup.auth.access import require_series_access, staff_required
from meetup.auth.forms import ConfirmForm
from meetup.events import queries
from meetup.events.models import Series
from meetup.extensions import db
from meetup.webhooks import admin_bp as bp
from meetup.webhooks.delivery import send_again
from meetup.webhooks.forms import EVENT_LABELS, EndpointForm
from meetup.webhooks.models import WebhookDelivery, WebhookEndpoint

#: Deliveries the log shows, newest first.
LOG_SIZE = 100


def _series(slug: str) -> Series:
    series = queries.series_or_404(slug)
    require_series_access(current_user, series)
    return series


def _endpoint(series: Series, endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.series_id != series.id:
        abort(404)
    return endpoint


def _list(series: Series, form: EndpointForm):
    endpoints = db.session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.series_id == series.id)
        .order_by(WebhookEndpoint.id)
    ).all()
    return render_template(
        "webhooks/endpoints.html",
        series=series,
        endpoints=endpoints,
        form=form,
        labels=EVENT_LABELS,
    )


@bp.route("/series/<slug>/webhooks", methods=["GET", "POST"])
@staff_required
def endpoints(slug: str):
    series = _series(slug)
    form = EndpointForm()
    if form.is_submitted():
        if not form.validate():
            return _list(series, form), 422
        endpoint = WebhookEndpoint(
            series_id=series.id,
            url=form.url.data,
            secret="whsec_" + secrets.token_urlsafe(32),
            events=" ".join(form.events.data),
        )
        db.session.add(endpoint)
        db.session.commit()
        flash(_("Webhook added. Give its secret to the receiver."), "success")
        return redirect(
            url_for("webhooks_admin.endpoint", slug=series.slug, endpoint_id=endpoint.id)
        )
    return _list(series, form)


@bp.get("/series/<slug>/webhooks/<id:endpoint_id>")
@staff_required
def endpoint(slug: str, endpoint_id: int):
    series = _series(slug)
    endpoint = _endpoint(series, endpoint_id)
    deliveries = db.session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(LOG_SIZE)
    ).all()
    return render_template(
        "webhooks/endpoint.html",
        series=series,
        endpoint=endpoint,
        deliveries=deliveries,
        labels=EVENT_LABELS,
        confirm=ConfirmForm(),
    )


@bp.post("/series/<slug>/webhooks/<id:endpoint_id>/deliveries/<id:delivery_id>/again")
@staff_required
def delivery_again(slug: str, endpoint_id: int, delivery_id: int):
    series = _series(slug)
    endpoint = _endpoint(series, endpoint_id)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        send_again(delivery)
        flash(_("It will be sent again in a moment."), "success")
    return redirect(url_for("webhooks_admin.endpoint", slug=series.slug, endpoint_id=endpoint.id))


@bp.post("/series/<slug>/webhooks/<id:endpoint_id>/delete")
@staff_required
def endpoint_delete(slug: str, endpoint_id: int):
    series = _series(slug)
    endpoint = _endpoint(series, endpoint_id)
    if ConfirmForm().validate_on_submit():
        db.session.execute(
            delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        )
        # A statement, not the ORM's delete: two organisers removing it at once both
        # succeed (the second finds nothing), with no warning of a row already gone.
        db.session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id))
        db.session.commit()
        flash(_("Webhook removed: nothing more is sent to it."), "success")
    return redirect(url_for("webhooks_admin.endpoints", slug=series.slug))
