"""What a shared link shows (description, Open Graph and Twitter card tags) for the public
pages of an evening and of a series, in the reader's language."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _

from meetup.events.models import Event, EventStatus, Series
from meetup.i18n import format_date_in_zone, format_event_when, format_time_in_zone
from meetup.images.models import StoredImage
from meetup.links import absolute_url
from meetup.markup import markdown_to_text

#: Search engines show about 160 characters of a description; link previews about as much.
DESCRIPTION_LENGTH = 200

_WHITE_SPACE = re.compile(r"[ \t\r\n\f\v]+")

#: Open Graph wants a territory in og:locale.
_OG_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


@dataclass(frozen=True)
class ShareCard:
    title: str
    description: str
    url: str
    locale: str
    #: The same tags in the other language, for og:locale:alternate.
    alternate_locale: str
    #: The evening's cover, else the series' logo; None: a text-only card.
    image: StoredImage | None = None
    #: Its alt text (twitter:image:alt, og:image:alt).
    image_alt: str = ""
    #: A cover fills a large card; a logo (square-ish, 512 px at most) would be cropped to
    #: 2:1 there, and shows whole as the small card's thumbnail.
    large_image: bool = False


def shorten(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """`text` on one line, cut at a word before `limit` characters with an ellipsis."""
    # Ordinary white space only: the no-break spaces of French typography stay.
    text = _WHITE_SPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.–—-")
    return cut + "…"


def _place(event: Event) -> str:
    return ", ".join(part for part in (event.venue_name, event.venue_address) if part)


def _card(
    title: str,
    parts: list[str],
    url: str,
    image: StoredImage | None,
    image_alt: str,
    large_image: bool = False,
) -> ShareCard:
    language = str(get_locale() or "fr")[:2]
    locale = _OG_LOCALES.get(language, "fr_FR")
    other = next(value for key, value in _OG_LOCALES.items() if value != locale)
    return ShareCard(
        title=title,
        description=shorten(" · ".join(part for part in parts if part)),
        url=url,
        locale=locale,
        alternate_locale=other,
        image=image,
        image_alt=image_alt if image is not None else "",
        large_image=large_image and image is not None,
    )


def event_card(event: Event) -> ShareCard:
    """The evening's name, then when, where and the start of its description."""
    when = format_event_when(event)
    if event.status is EventStatus.CANCELLED:
        when = _("Cancelled: %(when)s", when=when)
    return _card(
        title=f"{event.one_line_title} — {event.series.name}",
        parts=[when, _place(event), markdown_to_text(event.shown_description)],
        url=absolute_url("public.event_page", slug=event.slug),
        image=event.cover or event.series.logo,
        image_alt=(
            _("The logo of %(series)s", series=event.series.name)
            if event.cover is None
            else event.one_line_title
        ),
        large_image=event.cover is not None,
    )


def series_card(series: Series, next_event: Event | None) -> ShareCard:
    """The series' name, its next evening (when and where) if one is announced, then the
    start of its description."""
    parts = []
    if next_event is not None:
        # Mid-sentence: the weekday keeps the language's own case ("jeudi", "Thursday").
        when = "{date}, {start}–{end}".format(
            date=format_date_in_zone(next_event.starts_at, next_event.zone, "full"),
            start=format_time_in_zone(next_event.starts_at, next_event.zone),
            end=format_time_in_zone(next_event.ends_at, next_event.zone),
        )
        parts.append(_("Next evening: %(when)s", when=when))
        parts.append(_place(next_event))
    elif series.city:
        parts.append(series.city)
    parts.append(markdown_to_text(series.description or ""))
    return _card(
        title=series.name,
        parts=parts,
        url=absolute_url("public.series_page", slug=series.slug),
        image=series.logo,
        image_alt=_("The logo of %(series)s", series=series.name),
    )
