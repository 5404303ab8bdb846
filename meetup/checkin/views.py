from __future__ import annotations

from datetime import timedelta

from flask import render_template
from flask_login import current_user

from meetup.auth.access import door_required
from meetup.checkin import bp
from meetup.events import queries
from meetup.events.models import Event, EventStatus
from meetup.extensions import db
from meetup.registrations.queries import counts_for
from meetup.timeutil import utcnow


@bp.get("/")
@door_required
def home():
    """The evenings a volunteer may run the door for: from yesterday to the next two weeks."""
    now = utcnow()
    events = db.session.scalars(
        queries.events_for(current_user)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.ends_at >= now - timedelta(hours=12),
            Event.starts_at <= now + timedelta(days=14),
        )
        .order_by(Event.starts_at)
    ).all()
    return render_template(
        "door/home.html", events=events, counts=counts_for(event.id for event in events)
    )
