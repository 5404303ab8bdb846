"""The directory's pages: an evening's and a series' community, their map and vCards, the
personal directory link, introductions, and pins."""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from meetup import audit
from meetup.auth.access import can_manage_series
from meetup.auth.forms import ConfirmForm
from meetup.directory import bp, matching, services, spatial, viewer
from meetup.directory.cards import Card, card_for, marker_for, shown_metres
from meetup.directory.forms import FilterForm, PinForm
from meetup.directory.models import IntroductionStatus
from meetup.directory.queries import (
    CommunityDirectory,
    EventDirectory,
    Nearby,
    directory_is_open,
    load,
)
from meetup.directory.vcards import vcard, vcards
from meetup.events import queries as event_queries
from meetup.events.models import EventStatus
from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.registrations.queries import registration_by_link, registrations_of
from meetup.responses import private
from meetup.timeutil import utcnow
from meetup.writelock import writes

#: People a page lists under "Everyone" (a phone scrolls through them).
PAGE_SIZE = 24

Directory = EventDirectory | CommunityDirectory


def _directory(kind: str, slug: str) -> Directory:
    if kind == "event":
        event = event_queries.event_or_404(slug, with_speakers=False)
        return EventDirectory(event)
    return CommunityDirectory(event_queries.series_or_404(slug))


def _access(directory: Directory) -> tuple[Registration | None, bool]:
    """(the attendee looking, whether an organiser is looking); 403 for anyone else, with a
    page that says what would open it."""
    looking = viewer.current()
    me = directory.viewer_registration(looking, utcnow())
    organiser = current_user.is_authenticated and can_manage_series(current_user, directory.series)
    if me is None and not organiser:
        if isinstance(directory, CommunityDirectory) and directory.came_without_sharing(looking):
            abort(private(_community_not_shared(directory)))
        # Attendees have no account: say what opens the page, not "your account may not".
        page = render_template("directory/not_for_you.html", directory=directory)
        abort(private(current_app.make_response((page, 403))))
    return me, organiser


def _community_not_shared(directory: CommunityDirectory):
    """Someone who came but keeps their card out of the community: it is shared among those
    who share theirs, and they may join it from their personal page."""
    page = render_template("directory/community_not_shared.html", series=directory.series)
    return current_app.make_response((page, 403))


def _my_card_registration(directory: Directory, me: Registration | None):
    """Whose pin the neighbours are measured from: the card the directory would show."""
    if me is None:
        return None
    if isinstance(directory, CommunityDirectory):
        return directory.card_of(me) or me
    return me


def _note(nearby: Nearby | None) -> str:
    if nearby is None:
        return ""
    if nearby.next_door:
        return _("Next door")
    return _("≈ %(metres)d m away", metres=shown_metres(nearby.metres, nearby.exact))


def _url(directory: Directory, endpoint: str, **values) -> str:
    return url_for(f"directory.{directory.kind}_{endpoint}", slug=directory.slug, **values)


def _page(directory: Directory):
    me, organiser = _access(directory)
    mine = _my_card_registration(directory, me)
    radius = directory.series.neighbour_radius_m
    neighbours: list[Nearby] = []
    if mine is not None and mine.is_located:
        neighbours = [
            n
            for n in directory.near(mine.latitude, mine.longitude, radius)
            if n.registration.email.lower() != mine.email.lower()
        ]
    form = FilterForm(request.args, meta={"csrf": False})
    form.validate()
    rows = [
        row for row in directory.listing() if me is None or row.email.lower() != me.email.lower()
    ]
    listed = len(rows)  # before the filters: an empty directory says so, not "no match"
    if form.sector.data:
        rows = [row for row in rows if row.sector == form.sector.data]
    looking_for = (mine.looking_for if mine else "") or ""
    if form.offers.data and looking_for:
        rows = [row for row in rows if matching.offers(row.help_with, looking_for)]
    page = max(form.page.data or 1, 1)
    shown = load([row.id for row in rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]])
    # Asked under the card the introductions go out from (_introduce: the community card).
    asked = services.introductions_asked(mine) if mine is not None else {}
    near_ids = {n.registration.id: n for n in neighbours}
    shown_cards = {f"neighbour-{rid}" for rid in near_ids} | {f"person-{r.id}" for r in shown}
    just_asked = _just_asked(shown_cards)
    response = current_app.make_response(
        render_template(
            "directory/page.html",
            directory=directory,
            kind=directory.kind,
            me=me,
            mine=mine,
            organiser=organiser,
            radius=radius,
            neighbours=[(card_for(n.registration), n) for n in neighbours],
            people=[(card_for(r), near_ids.get(r.id)) for r in shown],
            total=len(rows),
            listed=listed,
            page=page,
            pages=max(1, -(-len(rows) // PAGE_SIZE)),
            form=form,
            looking_for=looking_for,
            asked=asked,
            just_asked=just_asked,
            asked_text=_asked_text,
            note=_note,
            walk=spatial.walking_minutes,
            url=lambda endpoint, **values: _url(directory, endpoint, **values),
            offers=lambda card: bool(looking_for) and matching.offers(card.help_with, looking_for),
            map_tiles=current_app.config["MAP_TILE_URL"],
            map_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
        )
    )
    return private(response)


def _markers(directory: Directory):
    me, _organiser = _access(directory)
    markers = []
    for row in directory.listing():
        marker = marker_for(row)
        if marker is not None:
            marker["me"] = me is not None and row.email.lower() == me.email.lower()
            markers.append(marker)
    return private(jsonify({"markers": markers}))


def _card_or_404(directory: Directory, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or not directory.lists(registration):
        abort(404)
    return registration


def _origin_note(directory: Directory) -> str:
    if isinstance(directory, EventDirectory):
        return _("Met at %(title)s", title=directory.event.one_line_title)
    return _("Member of %(name)s", name=directory.series.name)


def _vcard_response(text: str, filename: str) -> Response:
    response = Response(text, mimetype="text/vcard")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return private(response)


def _audit_if_organiser(me, directory: Directory, people: int) -> None:
    """Organisers' exports of personal data are logged (attendees' own contacts are not)."""
    if me is None:
        audit.record_now("export_vcards", directory.slug, people)


def _one_vcard(directory: Directory, registration_id: int):
    me, _organiser = _access(directory)
    card = card_for(_card_or_404(directory, registration_id))
    _audit_if_organiser(me, directory, 1)
    return _vcard_response(vcard(card, note=_origin_note(directory)), "contact.vcf")


def _all_vcards(directory: Directory):
    me, _organiser = _access(directory)
    note = _origin_note(directory)
    cards = [
        (card_for(r), note)
        for r in directory.members()
        if me is None or r.email.lower() != me.email.lower()
    ]
    _audit_if_organiser(me, directory, len(cards))
    return _vcard_response(vcards(cards), "contacts.vcf")


def _ask(requester: Registration, recipient: Registration) -> bool:
    """Ask for the introduction; False when it cannot be asked for."""
    try:
        services.request_introduction(requester, recipient)
    except services.IntroductionRefused:
        return False
    return True


def _asked_text(asked: bool, recipient_first_name: str) -> str:
    if asked:
        return _(
            "Asked. %(name)s gets an email; if they accept, you both receive each other's contact.",
            name=recipient_first_name,
        )
    return _("This introduction cannot be asked for.")


#: The directory page's card an introduction was just asked from, for the next page only:
#: its answer is said in that card, where the page opens, not at the top of a long page.
JUST_ASKED = "directory_just_asked"


def _just_asked(shown_cards: set[str]) -> dict:
    """The answer to "Introduce us" for the card it was asked from, said in that card; when
    the card is not on this page (the person moved out of the neighbours, say), at the top."""
    just_asked = session.pop(JUST_ASKED, None)
    if not isinstance(just_asked, dict) or just_asked.get("card") in shown_cards:
        return just_asked or {}
    recipient = db.session.get(Registration, just_asked.get("id") or 0)
    if recipient is not None:
        asked = bool(just_asked.get("asked"))
        flash(_asked_text(asked, recipient.first_name), "success" if asked else "error")
    return {}


def _filters(form: FilterForm) -> dict:
    """The directory's filters and page as the page's URL carries them."""
    return {
        "sector": form.sector.data or None,
        "offers": "y" if form.offers.data else None,
        "page": form.page.data if (form.page.data or 1) > 1 else None,
    }


def _introduce(directory: Directory, registration_id: int):
    me, _organiser = _access(directory)
    if me is None:
        abort(403)  # organisers have the list already; introductions are between attendees
    recipient = _card_or_404(directory, registration_id)
    # Back to the card it was asked from: among the neighbours or in everyone (the anchor
    # is one of the two, never what the form says).
    section = "neighbour" if request.form.get("back_to") == "neighbour" else "person"
    card = f"{section}-{recipient.id}"
    # ... on the page of the list it was on (its filters and page number, sent along).
    filters = FilterForm(request.form, meta={"csrf": False})
    filters.validate()
    page = _url(directory, "page", **_filters(filters))
    if not ConfirmForm().validate_on_submit():
        return redirect(f"{page}#{card}")
    requester = directory.card_of(me) or me if isinstance(directory, CommunityDirectory) else me
    asked = _ask(requester, recipient)
    session[JUST_ASKED] = {"id": recipient.id, "card": card, "asked": asked}
    return redirect(f"{page}#{card}-answer")


# -- the routes: an evening's directory and a series' community -------------------------

#: Where each directory lives, and what is found there: endpoint "<kind>_<name>", e.g.
#: directory.event_page (/events/<slug>/directory) or directory.community_vcard.
_PLACES = {"event": "/events/<slug>/directory", "community": "/series/<slug>/community"}
_ACTIONS = (
    ("page", "", "GET", _page),
    ("map", "/map.json", "GET", _markers),
    ("vcards", "/contacts.vcf", "GET", _all_vcards),
    ("vcard", "/<id:registration_id>.vcf", "GET", _one_vcard),
    ("introduce", "/<id:registration_id>/introduce", "POST", _introduce),
)


def _route(kind: str, action):
    def view(slug: str, **values):
        return action(_directory(kind, slug), **values)

    if action in (_all_vcards, _one_vcard):
        writes(view)  # an organiser's export is audited
    return view


for _kind, _place in _PLACES.items():
    for _name, _suffix, _method, _action in _ACTIONS:
        bp.add_url_rule(
            _place + _suffix, f"{_kind}_{_name}", _route(_kind, _action), methods=[_method]
        )


# -- links from emails ----------------------------------------------------------------------


@bp.get("/d/<token>")
def open_link(token: str):
    """The personal directory link: remembered in this browser, then the directory without
    the token in the address bar."""
    registration = services.by_directory_token(token)
    if registration is None:
        abort(404)
    viewer.remember(registration)
    now = utcnow()
    event_directory = EventDirectory(registration.event)
    if request.args.get("to") != "community" and event_directory.viewer_registration(
        registration, now
    ):
        return private(redirect(url_for("directory.event_page", slug=registration.event.slug)))
    community = CommunityDirectory(registration.event.series)
    if community.viewer_registration(registration, now):
        return private(
            redirect(url_for("directory.community_page", slug=registration.event.series.slug))
        )
    if community.came_without_sharing(registration):
        return private(_community_not_shared(community))
    abort(404)


@bp.route("/introductions/<token>", methods=["GET", "POST"])
def introduction(token: str):
    """The person asked answers: accept (both get the other's contact) or decline."""
    found = services.introduction_by_token(token)
    if found is None:
        abort(404)
    viewer.remember(found.recipient)
    form = ConfirmForm()
    if form.validate_on_submit() and request.form.get("answer") in ("accept", "decline"):
        services.answer_introduction(found, request.form["answer"] == "accept")
        return private(redirect(url_for("directory.introduction", token=token)))
    response = current_app.make_response(
        render_template(
            "directory/introduction.html",
            introduction=found,
            requester=card_for(found.requester),
            event=found.recipient.event,
            form=form,
            statuses=IntroductionStatus,
        )
    )
    return private(response)


# -- pins -----------------------------------------------------------------------------------


@bp.post("/r/<token>/pin")
def place_pin(token: str):
    """From the personal page's map: the office is here."""
    from meetup.registrations.views import personal_page

    registration = registration_by_link(token)
    form = PinForm()
    if not form.validate_on_submit():
        return personal_page(registration, token, pin_form=form)  # what was typed, and why
    services.place_pin(registration, form.latitude.data, form.longitude.data)
    flash(_("Your office's pin is saved."), "success")
    return private(redirect(url_for("registrations.manage", token=token) + "#office-map"))


@bp.post("/attendee/forget")
def forget():
    """Forget, in this browser, whose personal link was opened here."""
    if ConfirmForm().validate_on_submit():
        viewer.forget()
        flash(_("This browser no longer remembers you."), "success")
    return redirect(url_for("public.home"))


@dataclass(frozen=True)
class ScanView:
    """What an attendee who scanned a badge may see and do: the person's card, and the
    scanning attendee's registration that asks for introductions."""

    card: Card
    target: Registration
    requester: Registration


def scan_page(registration: Registration):
    """What a scanned badge shows an attendee allowed to see the person's card (their
    personal link was opened on this phone), or their own card to its owner, else None."""
    looking = viewer.current()
    if looking is not None and looking.email.lower() == registration.email.lower():
        return _own_badge_page(registration)
    found = card_for_scan(registration, looking)
    if found is None:
        return None
    code = registration.ticket_code
    endpoints = {"vcard": "directory.scan_vcard", "introduce": "directory.scan_introduce"}
    response = current_app.make_response(
        render_template(
            "directory/scan_card.html",
            card=found.card,
            event=registration.event,
            own=False,
            me=found.requester,
            asked=services.introductions_asked(found.requester),
            note=_note,
            walk=spatial.walking_minutes,
            offers=None,
            url=lambda endpoint, **values: url_for(endpoints[endpoint], code=code),
        )
    )
    return private(response)


def _own_badge_page(registration: Registration):
    """Someone scanning their own badge (trying it out): the card that people who came see
    when they scan it now (by the same rules as card_for_scan), without the actions meant
    for someone else; or that nobody sees one yet."""
    now = utcnow()
    if _listed_tonight(registration, now):
        shown = registration
    else:
        shown = CommunityDirectory(registration.event.series).card_of(registration)
    from meetup.registrations import tickets  # the directory builds on registrations

    image = tickets.ticket_image(registration) if tickets.shows_ticket(registration, now) else ""
    response = current_app.make_response(
        render_template(
            "directory/scan_card.html",
            own=True,
            ticket_image=image,
            card=card_for(shown) if shown is not None else None,
            event=registration.event,
            note=_note,
            walk=spatial.walking_minutes,
            offers=None,
        )
    )
    return private(response)


def _listed_tonight(registration: Registration, now) -> bool:
    """Scanning this badge shows its card to those who came to its evening (checked in,
    and a card shown to them), while scans of that evening are allowed."""
    return _scans_allowed(registration.event, now) and EventDirectory(registration.event).lists(
        registration
    )


def _scans_allowed(event, now) -> bool:
    """At the evening (badges are scanned in the room), or while its directory is open; not
    once an organiser closed it, not for evenings that are not published."""
    from meetup.checkin.services import on_now

    if directory_is_open(event, now):
        return True
    return (
        event.status is EventStatus.PUBLISHED
        and event.directory_announced_at is None
        and event.directory_opened_at is None
        and on_now(event.starts_at, event.ends_at, now)
    )


def card_for_scan(registration: Registration, looking: Registration | None) -> ScanView | None:
    """A scanned badge, for the attendee scanning it (`looking`: viewer.current()): the card
    they may see, else None."""
    now = utcnow()
    if looking is None or looking.email.lower() == registration.email.lower():
        return None
    event = registration.event
    if _listed_tonight(registration, now):
        mine = _came_to(looking, event)
        if mine is not None:
            return ScanView(card_for(registration), registration, mine)
    community = CommunityDirectory(event.series)
    card = community.card_of(registration)
    mine = community.viewer_registration(looking, now)
    if card is not None and mine is not None:
        return ScanView(card_for(card), card, community.card_of(mine) or mine)
    return None


def _scanned_or_404(code: str) -> ScanView:
    from meetup.registrations import tickets

    registration = tickets.by_code(code)
    found = card_for_scan(registration, viewer.current()) if registration is not None else None
    if found is None:
        abort(404)
    return found


@bp.get("/b/<code>/contact.vcf")
def scan_vcard(code: str):
    """ "Save contact" from a scanned badge (the evening's directory may not be open yet)."""
    found = _scanned_or_404(code)
    note = _("Met at %(title)s", title=found.target.event.one_line_title)
    return _vcard_response(vcard(found.card, note=note), "contact.vcf")


@bp.post("/b/<code>/introduce")
def scan_introduce(code: str):
    found = _scanned_or_404(code)
    if ConfirmForm().validate_on_submit():
        asked = _ask(found.requester, found.target)
        # One card on that page, under the message: a message at the top is seen.
        flash(_asked_text(asked, found.target.first_name), "success" if asked else "error")
    return redirect(url_for("registrations.ticket", code=code))


def _came_to(looking: Registration, event) -> Registration | None:
    """The looking person's registration for that evening, if they came to it."""
    from meetup.directory.queries import came

    for registration in registrations_of(looking, {event.series_id}):
        if registration.event_id == event.id and came(registration):
            return registration
    return None
