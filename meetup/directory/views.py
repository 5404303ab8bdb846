"""The directory's pages: an evening's and a series' community, their map and vCards, the
personal directory link and introductions. (A scanned badge and the pin are the attendee's
pages: meetup.attendee.)"""

from __future__ import annotations

from flask import (
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
from flask_login import current_user

from meetup import audit
from meetup.auth.access import can_manage_series
from meetup.auth.forms import ConfirmForm
from meetup.directory import bp, distance, matching, services, viewer
from meetup.directory.cards import card_for, marker_for
from meetup.directory.forms import FilterForm, IntroduceForm
from meetup.directory.models import IntroductionStatus
from meetup.directory.people import Filters, people
from meetup.directory.queries import CommunityDirectory, Directory, EventDirectory
from meetup.directory.vcards import vcard, vcards
from meetup.directory.wording import asked_text, distance_note
from meetup.events import queries as event_queries
from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.responses import private, vcard_response
from meetup.timeutil import utcnow
from meetup.writelock import writes

# -- an evening's directory -----------------------------------------------------------------


def _event(slug: str) -> EventDirectory:
    return EventDirectory(event_queries.event_or_404(slug, with_speakers=False))


@bp.get("/events/<slug>/directory")
def event_page(slug: str):
    return _page(_event(slug))


@bp.get("/events/<slug>/directory/map.json")
def event_map(slug: str):
    return _markers(_event(slug))


@bp.get("/events/<slug>/directory/contacts.vcf")
@writes  # an organiser's export is audited
def event_vcards(slug: str):
    return _all_vcards(_event(slug))


@bp.get("/events/<slug>/directory/<id:registration_id>.vcf")
@writes  # an organiser's export is audited
def event_vcard(slug: str, registration_id: int):
    return _one_vcard(_event(slug), registration_id)


@bp.get("/events/<slug>/directory/<id:registration_id>")
def event_card(slug: str, registration_id: int):
    return _card_page(_event(slug), registration_id)


@bp.post("/events/<slug>/directory/<id:registration_id>/introduce")
def event_introduce(slug: str, registration_id: int):
    return _introduce(_event(slug), registration_id)


# -- a series' community --------------------------------------------------------------------


def _community(slug: str) -> CommunityDirectory:
    return CommunityDirectory(event_queries.series_or_404(slug))


@bp.get("/series/<slug>/community")
def community_page(slug: str):
    return _page(_community(slug))


@bp.get("/series/<slug>/community/map.json")
def community_map(slug: str):
    return _markers(_community(slug))


@bp.get("/series/<slug>/community/contacts.vcf")
@writes  # an organiser's export is audited
def community_vcards(slug: str):
    return _all_vcards(_community(slug))


@bp.get("/series/<slug>/community/<id:registration_id>.vcf")
@writes  # an organiser's export is audited
def community_vcard(slug: str, registration_id: int):
    return _one_vcard(_community(slug), registration_id)


@bp.get("/series/<slug>/community/<id:registration_id>")
def community_card(slug: str, registration_id: int):
    return _card_page(_community(slug), registration_id)


@bp.post("/series/<slug>/community/<id:registration_id>/introduce")
def community_introduce(slug: str, registration_id: int):
    return _introduce(_community(slug), registration_id)


# -- what both directories do -----------------------------------------------------------


def _access(directory: Directory) -> tuple[Registration | None, bool]:
    """(the attendee looking, whether an organiser is looking); 403 for anyone else, with a
    page that says what would open it."""
    looking = viewer.current()
    me = directory.viewer_registration(looking, utcnow())
    organiser = current_user.is_authenticated and can_manage_series(current_user, directory.series)
    if me is None and not organiser:
        if directory.came_without_sharing(looking):
            abort(private(_community_not_shared(directory.series)))
        # Attendees have no account: say what opens the page, not "your account may not".
        page = render_template("directory/not_for_you.html", directory=directory)
        abort(private(current_app.make_response((page, 403))))
    return me, organiser


def _community_not_shared(series):
    """Someone who came but keeps their card out of the community: it is shared among those
    who share theirs, and they may join it from their personal page."""
    page = render_template("directory/community_not_shared.html", series=series)
    return current_app.make_response((page, 403))


def _url(directory: Directory, endpoint: str, **values) -> str:
    """A directory's own page: "page" is directory.event_page or directory.community_page."""
    return url_for(f"directory.{directory.kind}_{endpoint}", slug=directory.slug, **values)


def _filter_form(data) -> FilterForm:
    form = FilterForm(data, meta={"csrf": False})
    form.validate()
    return form


def _page(directory: Directory):
    me, organiser = _access(directory)
    # Whose pin the neighbours are measured from, and whose introductions: the card that
    # stands for the viewer in this directory.
    mine = directory.card_of_viewer(me) if me is not None else None
    form = _filter_form(request.args)
    found = people(
        directory,
        me,
        mine,
        Filters(form.sector.data or "", bool(form.offers.data), form.page.data or 1),
    )
    shown_cards = {f"neighbour-{n.registration.id}" for n in found.neighbours}
    shown_cards |= {f"person-{r.id}" for r in found.shown}
    looking_for = found.looking_for
    response = current_app.make_response(
        render_template(
            "directory/page.html",
            directory=directory,
            kind=directory.kind,
            me=me,
            mine=mine,
            organiser=organiser,
            radius=directory.series.neighbour_radius_m,
            neighbours=[(card_for(n.registration), n) for n in found.neighbours],
            people=[(card_for(r), found.near(r.id)) for r in found.shown],
            total=found.total,
            listed=found.listed,
            page=found.page,
            pages=found.pages,
            form=form,
            looking_for=looking_for,
            asked=services.introductions_asked(mine) if mine is not None else {},
            just_asked=_just_asked(shown_cards),
            asked_text=asked_text,
            note=distance_note,
            walk=distance.walking_minutes,
            url=lambda endpoint, **values: _url(directory, endpoint, **values),
            offers=lambda card: bool(looking_for) and matching.offers(card.help_with, looking_for),
            map_tiles=current_app.config["MAP_TILE_URL"],
            map_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
        )
    )
    return private(response)


def _markers(directory: Directory):
    """The map's people, each with the address of their card (and its "Introduce us");
    the map groups those shown at the same place under one pin with their count."""
    me, _organiser = _access(directory)
    markers = []
    for row in directory.listing():
        marker = marker_for(row)
        if marker is not None:
            marker["me"] = me is not None and row.email.lower() == me.email.lower()
            if not marker["me"]:
                marker["card"] = _url(directory, "card", registration_id=row.id)
                if me is not None and row.accept_introductions:
                    marker["introduce"] = marker["card"] + f"#card-{row.id}-introduce"
            markers.append(marker)
    return private(jsonify({"markers": markers}))


def _card_page(directory: Directory, registration_id: int):
    """One person's card, as the map's pins link to it, with "Save contact" and "Introduce
    us"; the same rules as the list (only those listed, for those allowed)."""
    me, _organiser = _access(directory)
    registration = _card_or_404(directory, registration_id)
    mine = directory.card_of_viewer(me) if me is not None else None
    near = None
    if mine is not None and mine.is_near_located and registration.is_near_located:
        near = next(
            (
                n
                for n in directory.near(
                    mine.near_latitude, mine.near_longitude, directory.series.neighbour_radius_m
                )
                if n.registration.id == registration.id
            ),
            None,
        )
    looking_for = (mine.looking_for if mine else "") or ""
    response = current_app.make_response(
        render_template(
            "directory/card.html",
            directory=directory,
            kind=directory.kind,
            me=me,
            card=card_for(registration),
            near=near,
            asked=services.introductions_asked(mine) if mine is not None else {},
            just_asked=_just_asked({f"card-{registration.id}"}),
            asked_text=asked_text,
            note=distance_note,
            walk=distance.walking_minutes,
            url=lambda endpoint, **values: _url(directory, endpoint, **values),
            offers=lambda card: bool(looking_for) and matching.offers(card.help_with, looking_for),
            form=None,
        )
    )
    return private(response)


def _card_or_404(directory: Directory, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or not directory.lists(registration):
        abort(404)
    return registration


def _audit_if_organiser(me, directory: Directory, people: int) -> None:
    """Organisers' exports of personal data are logged (attendees' own contacts are not)."""
    if me is None:
        audit.record_now("export_vcards", directory.slug, people)


def _one_vcard(directory: Directory, registration_id: int):
    me, _organiser = _access(directory)
    card = card_for(_card_or_404(directory, registration_id))
    _audit_if_organiser(me, directory, 1)
    return vcard_response(vcard(card, note=directory.origin_note()), "contact.vcf")


def _all_vcards(directory: Directory):
    me, _organiser = _access(directory)
    note = directory.origin_note()
    cards = [
        (card_for(r), note)
        for r in directory.members()
        if me is None or r.email.lower() != me.email.lower()
    ]
    _audit_if_organiser(me, directory, len(cards))
    return vcard_response(vcards(cards), "contacts.vcf")


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
        flash(asked_text(asked, recipient.first_name), "success" if asked else "error")
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
    back_to = request.form.get("back_to")
    section = back_to if back_to in ("neighbour", "card") else "person"
    card = f"{section}-{recipient.id}"
    # ... on the page of the list it was on (its filters and page number, sent along), or
    # on the card's own page (a map's pin leads there).
    if section == "card":
        page = _url(directory, "card", registration_id=recipient.id)
    else:
        page = _url(directory, "page", **_filters(_filter_form(request.form)))
    form = IntroduceForm()
    if not form.validate_on_submit():
        if not form.is_submitted() or form.csrf_token.errors:
            return redirect(f"{page}#{card}")
        # The word is too long (or holds control characters): said beside it, as typed.
        html = render_template(
            "directory/introduce.html",
            form=form,
            recipient=card_for(recipient),
            action=request.path,
            hidden={k: v for k, v in request.form.items() if k in ("back_to", "sector", "offers", "page")},
            back=f"{page}#{card}",
        )  # fmt: skip
        return private(current_app.make_response((html, 422)))
    asked = services.ask_introduction(
        directory.card_of_viewer(me), recipient, form.message.data or ""
    )
    session[JUST_ASKED] = {"id": recipient.id, "card": card, "asked": asked}
    return redirect(f"{page}#{card}-answer")


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
        return private(_community_not_shared(community.series))
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
