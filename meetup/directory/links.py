"""What the personal page (registrations) shows of the directory: the office's pin and links
to the directories the person may open. Imported lazily by registrations.views, since the
directory builds on registrations."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from meetup.directory.forms import PinForm
from meetup.directory.queries import CommunityDirectory, EventDirectory
from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow

#: Where a map with no pin starts: the middle of France, the whole of it in view.
DEFAULT_CENTRE = (46.6, 2.5)
COUNTRY_ZOOM = 6
#: A town, around the evening's offices.
TOWN_ZOOM = 13


#: The town's centre is taken from the evening's offices only when there are this many, and
#: only to about 2 km: nothing about any one of them can be read from it.
CENTRE_MIN_OFFICES = 10
CENTRE_ROUNDING_DEGREES = 0.02


def _centre(registration: Registration) -> tuple[float, float]:
    if registration.is_located:
        return registration.latitude, registration.longitude
    # Near the evening's other offices: most likely the same town.
    count, latitude, longitude = db.session.execute(
        select(
            func.count(Registration.id),
            func.avg(Registration.latitude),
            func.avg(Registration.longitude),
        ).where(Registration.event_id == registration.event_id, Registration.latitude.is_not(None))
    ).one()
    if count < CENTRE_MIN_OFFICES:
        return DEFAULT_CENTRE
    step = CENTRE_ROUNDING_DEGREES
    return round(latitude / step) * step, round(longitude / step) * step


def map_view(registration: Registration) -> tuple[tuple[float, float], int]:
    """Where a map to place this person's pin opens: (centre, zoom)."""
    centre = _centre(registration)
    return centre, COUNTRY_ZOOM if centre == DEFAULT_CENTRE else TOWN_ZOOM


def for_personal_page(registration: Registration, pin_form: PinForm | None = None) -> dict:
    """The pin form (the one sent back with its errors, if given) and the directory links."""
    now = utcnow()
    links = []
    event = registration.event
    if EventDirectory(event).viewer_registration(registration, now):
        links.append(
            (
                _("Who came to “%(title)s”", title=event.one_line_title),
                url_for("directory.event_page", slug=event.slug),
            )
        )
    if CommunityDirectory(event.series).viewer_registration(registration, now):
        links.append(
            (
                _("The %(name)s community", name=event.series.name),
                url_for("directory.community_page", slug=event.series.slug),
            )
        )
    return {
        "pin_form": pin_form
        or PinForm(
            formdata=None,
            data={"latitude": registration.latitude, "longitude": registration.longitude},
        ),
        "map_tiles": current_app.config["MAP_TILE_URL"],
        "map_attribution": current_app.config["MAP_TILE_ATTRIBUTION"],
        "map_centre": (centre := _centre(registration)),
        "map_zoom": COUNTRY_ZOOM if centre == DEFAULT_CENTRE else TOWN_ZOOM,
        "directory_links": links,
        "geocoder_on": current_app.config["GEOCODER"] != "none",
    }
