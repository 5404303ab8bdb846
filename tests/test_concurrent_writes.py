"""Every route, sent several times at once while another connection keeps writing: no 500.

SQLite lets one writer in at a time, and a transaction that began by reading cannot become
a writer once another connection has committed since: it fails at once with "database is
locked", whatever the busy timeout. Any route that reads and then writes in one transaction
fails that way under load (gunicorn's workers are other connections), unless it takes the
writer lock first (meetup.writelock). Here each route of the URL map is called CONCURRENCY
times at once, on both databases; on SQLite a thread of this process keeps committing small
writes through a connection of its own meanwhile, as another worker would. On PostgreSQL
the same calls at once show the races between requests (a unique index, a row changed).

A route's calls may all fail for good reasons (a second erasure finds nobody): the test
asks for no answer of 500 or more, and for each route's first answer to be what the route
gives when all goes well, so that the call really reaches its write.
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from meetup.accounts.models import Invitation, PasswordReset
from meetup.api import keys
from meetup.auth.models import ApiToken, Role, User
from meetup.checkin import pairing
from meetup.directory import seating
from meetup.directory import services as directory_services
from meetup.directory.models import Encounter, Introduction
from meetup.events.models import Event, Series, Speaker
from meetup.extensions import db
from meetup.images.processing import Kind, clean
from meetup.images.store import store
from meetup.mail.models import OutboxMessage, OutboxStatus
from meetup.registrations.models import LinkPurpose, OneTapLink, Registration
from meetup.registrations.tokens import hash_token
from meetup.timeutil import utcnow
from meetup.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.helpers import csrf_from, log_in, signup_data
from tests.pictures import photo_on_its_side, transparent_logo

CONCURRENCY = 4
CARLA = "token-carla-0123456789abcdefghijklmn"  # an attendee of the evening to come
TINA = "token-tina-0123456789abcdefghijklmno"  # in the room tonight
ALICE = "token-alice-0123456789abcdefghijklmn"  # came to last night's evening
ALICE_DIRECTORY = "directory-alice-0123456789abcdefghij"
INTRODUCTION = "introduction-bruno-to-alice-0123456789"
JOIN = "join-alice-upcoming-0123456789abcdefghij"  # Alice's one-tap signup for the evening to come
UNSUBSCRIBE = "unsubscribe-alice-0123456789abcdefghij"
RESET = "reset-victim-0123456789abcdefghijklmnop"  # the victim's forgotten password
INVITE = "invite-newcomer-0123456789abcdefghijklmn"  # a newcomer invited to the door


@dataclass
class World:
    """What the calls need: the evenings' slugs, people's ids, codes and tokens."""

    ids: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


@pytest.fixture
def world(app, make) -> World:
    w = World()
    w.emails = {
        "organiser": make.user("organiser"),
        "door": make.user("door"),
        "admin": make.user("admin"),
        "victim": make.user("organiser"),
    }
    series = make.series(team=(w.emails["organiser"], w.emails["door"]))
    now = utcnow().replace(microsecond=0)
    upcoming = make.event(series, capacity=3)
    tonight = make.event(series, starts_at=now - timedelta(minutes=30))
    past = make.event(series, starts_at=now - timedelta(hours=20))
    near = {"latitude": 45.5226, "longitude": 4.8743, "visibility": "community"}
    came = now - timedelta(hours=19)
    people = {
        "carla": make.registration(
            upcoming, token=CARLA, first_name="Carla", street="3 rue X", email="carla@example.org"
        ),
        "dan": make.registration(upcoming, first_name="Dan", street="1 rue Y", city="Vienne"),
        "wanda": make.registration(upcoming, status="waitlisted", first_name="Wanda"),
        "tom": make.registration(tonight, first_name="Tom"),
        "tina": make.registration(
            tonight, token=TINA, first_name="Tina", checked_in_at=now - timedelta(minutes=5),
            visibility="attendees", **{k: near[k] for k in ("latitude", "longitude")},
        ),
        "wilma": make.registration(tonight, status="waitlisted", first_name="Wilma"),
        "alice": make.registration(
            past, token=ALICE, first_name="Alice", checked_in_at=came, accept_introductions=True,
            news=True, **near,
        ),
        "bruno": make.registration(
            past, first_name="Bruno", checked_in_at=came, accept_introductions=True, **near
        ),
        "colin": make.registration(
            past, first_name="Colin", checked_in_at=came, accept_introductions=True, **near
        ),
    }  # fmt: skip
    w.tokens = {
        "organiser": make.api_token(w.emails["organiser"]),
        "door": make.api_token(w.emails["door"]),
    }
    with app.app_context():
        registration = {name: db.session.get(Registration, i) for name, i in people.items()}
        db.session.add(
            Introduction(
                requester=registration["bruno"],
                recipient=registration["alice"],
                token_hash=hash_token(INTRODUCTION),
            )
        )
        event = db.session.scalar(select(Event).where(Event.slug == upcoming))
        speaker = Speaker(name="Julien Mercier", event=event)
        db.session.add(speaker)
        db.session.add_all(
            [
                OneTapLink(
                    token_hash=hash_token(JOIN),
                    purpose=LinkPurpose.SIGNUP,
                    registration_id=people["alice"],
                    event_id=event.id,
                    expires_at=event.starts_at,
                ),
                OneTapLink(
                    token_hash=hash_token(UNSUBSCRIBE),
                    purpose=LinkPurpose.UNSUBSCRIBE,
                    registration_id=people["alice"],
                ),
            ]
        )
        invitation = Invitation(
            series=event.series,
            email="newcomer@example.org",
            role=Role.DOOR,
            token_hash=hash_token(INVITE),
            expires_at=now + timedelta(days=7),
        )
        db.session.add(invitation)
        db.session.add(Encounter(scanner=registration["alice"], met=registration["colin"]))
        db.session.add(
            PasswordReset(
                user=db.session.scalar(select(User).where(User.email == w.emails["victim"])),
                token_hash=hash_token(RESET),
                expires_at=now + timedelta(hours=1),
            )
        )
        db.session.add(
            OutboxMessage(
                message_id="<failed@example.org>",
                recipient="dan@example.org",
                subject="Your ticket",
                kind="confirmation",
                registration_id=people["dan"],
                raw=b"Subject: x\r\n\r\nx",
                status=OutboxStatus.FAILED,
            )
        )
        db.session.commit()
        phone, pairing_code = pairing.add_phone(
            db.session.scalar(select(Event).where(Event.slug == tonight)),
            db.session.scalar(select(User).where(User.email == w.emails["organiser"])),
        )
        w.tokens["pairing"] = pairing_code
        directory_services.open_directory(
            db.session.scalar(select(Event).where(Event.slug == past))
        )
        registration["alice"].directory_token_hash = hash_token(ALICE_DIRECTORY)
        db.session.commit()
        seating.seat_by_neighbourhood(  # the upcoming evening's tables, for moves by hand
            db.session.scalar(select(Event).where(Event.slug == upcoming)), 2
        )
        _key, signup_key = keys.create_signup_key(
            db.session.scalar(select(User).where(User.email == w.emails["organiser"])),
            db.session.scalar(select(Series).where(Series.slug == series)),
            "club website",
        )
        webhook = WebhookEndpoint(
            series_id=db.session.scalar(select(Series.id).where(Series.slug == series)),
            url="https://crm.example.org/hooks",
            secret="whsec_x",
            events="registration.created",
        )
        db.session.add(webhook)
        db.session.flush()
        sent = WebhookDelivery(
            endpoint_id=webhook.id,
            event_type="registration.created",
            sequence_key="registration:1",
            body="{}",
            status=DeliveryStatus.DELIVERED,
        )
        db.session.add(sent)
        logo = store(clean(transparent_logo(), Kind.LOGO))
        db.session.scalar(select(Series).where(Series.slug == series)).logo_sha256 = logo.sha256
        db.session.commit()
        w.ids = {
            "logo": logo.sha256,
            "series": series,
            "upcoming": upcoming,
            "tonight": tonight,
            "past": past,
            "speaker": str(speaker.id),
            "invitation": str(invitation.id),
            "phone": str(phone.id),
            "pairing": pairing_code,
            "door_id": str(db.session.scalar(select(User.id).where(User.email == w.emails["door"]))),
            "victim": str(db.session.scalar(select(User.id).where(User.email == w.emails["victim"]))),
            "api_token": str(db.session.scalar(select(ApiToken.id).order_by(ApiToken.id))),
            "signup_key": str(signup_key.id),
            "webhook": str(webhook.id),
            "delivery": str(sent.id),
            "message": str(db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.FAILED))),
            **{name: str(i) for name, i in people.items()},
            **{f"{name}_code": r.ticket_code for name, r in registration.items()},
        }  # fmt: skip
    return w


# -- the calls --------------------------------------------------------------------------------


@dataclass
class Call:
    """One route's request. `url` and `page` are templates filled from the world; `data`
    (a form, CSRF added) or `json` may be a function of the call's number (0 to
    CONCURRENCY - 1) for requests that must differ."""

    url: str
    method: str = "GET"
    #: anonymous, organiser, door, admin, attendee (Alice's browser), api (organiser's
    #: token), api_door, or visitor:<url> (an anonymous browser that opened that page)
    who: str = "anonymous"
    data: dict | Callable[[int], dict] | None = None
    json: dict | Callable[[int], dict] | None = None
    #: The page holding the form (for its CSRF token); `url` itself when None.
    page: str | None = None
    #: What the first call answers when all goes well.
    ok: tuple[int, ...] = (200, 302)


def _with_page(call: Call) -> tuple[Call, Call]:
    """A form and its page: the form's URL opened by the same person."""
    return replace(call, method="GET", data=None, ok=(200,)), call


def _csv(_n: int) -> dict:
    text = "First name,Last name,Email\nNadia,Import,nadia.import@example.org\n"
    return {"file": (io.BytesIO(text.encode()), "people.csv")}


def _confirm(_n: int) -> dict:
    return {"csv_text": "First name,Last name,Email\nNadia,Import,nadia.import@example.org\n"}


CALLS: dict[str, Call | tuple[Call, ...]] = {
    # Public pages and signup.
    "public.home": Call("/"),
    "public.series_page": Call("/series/{series}"),
    "public.event_page": Call("/events/{upcoming}"),
    "public.event_calendar": Call("/events/{upcoming}/calendar.ics"),
    "public.series_calendar": Call("/series/{series}/calendar.ics"),
    "public.image": Call("/images/{logo}.png"),
    "public.set_language": Call("/language/fr?next=/"),
    "privacy.privacy_page": Call("/privacy"),
    "privacy.erased": Call("/erased"),
    "ops.healthz": Call("/healthz"),
    # From other addresses without METRICS_TOKEN: 404 (its reads: tests/test_metrics.py).
    "ops.prometheus_metrics": Call("/metrics", ok=(404,)),
    "registrations.signup": (
        Call("/events/{upcoming}/signup"),
        Call(
            "/events/{upcoming}/signup",
            "POST",
            data=lambda n: signup_data(email=f"signup{n}@example.org"),
        ),
    ),
    "registrations.signed_up": Call("/events/{upcoming}/signed-up"),
    # The monthly loop: an announcement's one tap, unsubscribing, the link again.
    "registrations.one_tap": _with_page(Call("/events/{upcoming}/join/" + JOIN, "POST")),
    "registrations.unsubscribe": (
        Call("/news/unsubscribe/" + UNSUBSCRIBE),
        Call(
            "/news/unsubscribe/" + UNSUBSCRIBE,
            "POST",
            data={"List-Unsubscribe": "One-Click"},
            page="/r/",  # (a mail client sends no CSRF token: none is asked for)
        ),
    ),
    "registrations.link_again": _with_page(
        Call("/r/", "POST", data={"email": "carla@example.org"}, ok=(302,))
    ),
    "registrations.event_link_again": _with_page(
        Call("/events/{upcoming}/link", "POST", data={"email": "carla@example.org"}, ok=(302,))
    ),
    "registrations.give_seat": _with_page(Call(f"/r/{CARLA}/give-seat", "POST")),
    "registrations.tonight_now": Call(f"/r/{TINA}/tonight"),
    "registrations.encounters_vcards": Call(f"/r/{ALICE}/encounters.vcf"),
    "registrations.encounter_introduce": Call(
        "/r/" + ALICE + "/encounters/{colin}/introduce", "POST", page=f"/r/{ALICE}", ok=(302,)
    ),
    "registrations.leave": Call(f"/r/{TINA}/leave", "POST", page=f"/r/{TINA}", ok=(302,)),
    "registrations.come_back": Call(f"/r/{TINA}/back", "POST", page=f"/r/{TINA}", ok=(302,)),
    "api.openapi": Call("/api/v1/openapi.json"),
    "api.registration_create": Call(
        "/api/v1/events/{upcoming}/registrations",
        "POST",
        json=lambda n: {**signup_data(email=f"api{n}@example.org"), "visibility": "nobody"},
        ok=(201,),
    ),
    # The attendee's own pages (Carla's link; Alice's for the directory).
    "registrations.manage": (
        Call(f"/r/{CARLA}"),
        Call(
            f"/r/{CARLA}",
            "POST",
            data={**signup_data(email="ignored@example.org"), "company": "Neuve"},
        ),
    ),
    "registrations.cancel": Call(f"/r/{CARLA}/cancel", "POST", page=f"/r/{CARLA}"),
    "registrations.ticket_pdf": Call(f"/r/{CARLA}/ticket.pdf"),
    "registrations.ticket": Call("/b/{carla_code}"),
    "registrations.ticket_scan": Call("/B/{carla_code}"),
    "privacy.erase_me": (Call(f"/r/{CARLA}/erase"), Call(f"/r/{CARLA}/erase", "POST")),
    "privacy.my_data": Call(f"/r/{CARLA}/my-data"),
    "privacy.my_data_json": Call(f"/r/{CARLA}/my-data.json"),
    "directory.place_pin": Call(
        f"/r/{CARLA}/pin",
        "POST",
        data={"latitude": "45.52", "longitude": "4.87"},
        page=f"/r/{CARLA}",
    ),
    "directory.forget": Call("/attendee/forget", "POST", who="attendee", page=f"/r/{ALICE}"),
    "directory.open_link": Call(f"/d/{ALICE_DIRECTORY}"),
    "directory.introduction": (
        Call(f"/introductions/{INTRODUCTION}"),
        Call(f"/introductions/{INTRODUCTION}", "POST", data={"answer": "accept"}),
    ),
    "directory.event_page": Call("/events/{past}/directory", who="attendee"),
    "directory.event_map": Call("/events/{past}/directory/map.json", who="attendee"),
    "directory.event_vcards": (
        Call("/events/{past}/directory/contacts.vcf", who="attendee"),
        Call("/events/{past}/directory/contacts.vcf", who="organiser"),  # audited
    ),
    "directory.event_vcard": Call("/events/{past}/directory/{colin}.vcf", who="attendee"),
    "directory.event_card": Call("/events/{past}/directory/{colin}", who="attendee"),
    "directory.event_introduce": Call(
        "/events/{past}/directory/{colin}/introduce",
        "POST",
        who="attendee",
        page="/events/{past}/directory",
    ),
    "directory.community_page": Call("/series/{series}/community", who="attendee"),
    "directory.community_map": Call("/series/{series}/community/map.json", who="attendee"),
    "directory.community_vcards": (
        Call("/series/{series}/community/contacts.vcf", who="attendee"),
        Call("/series/{series}/community/contacts.vcf", who="organiser"),  # audited
    ),
    "directory.community_vcard": Call("/series/{series}/community/{colin}.vcf", who="attendee"),
    "directory.community_card": Call("/series/{series}/community/{colin}", who="attendee"),
    "directory.community_introduce": Call(
        "/series/{series}/community/{colin}/introduce",
        "POST",
        who="attendee",
        page="/series/{series}/community",
    ),
    "directory.scan_vcard": Call("/b/{colin_code}/contact.vcf", who="attendee"),
    "directory.scan_introduce": Call(
        "/b/{colin_code}/introduce", "POST", who="attendee", page="/b/{colin_code}"
    ),
    # Staff: login and their pages.
    "auth.login": (
        Call("/login"),
        Call(
            "/login",
            "POST",
            data={"email": "{organiser_email}", "password": "correct horse battery"},
        ),
    ),
    "auth.logout": Call("/logout", "POST", who="organiser", page="/admin/"),
    "accounts.forgot_password": _with_page(
        Call("/login/forgot", "POST", data={"email": "{victim_email}"}, ok=(302,))
    ),
    "accounts.reset_password": _with_page(
        Call(
            f"/login/reset/{RESET}",
            "POST",
            data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"},
            ok=(302,),
        )
    ),
    "accounts.invitation": (
        Call(f"/invitations/{INVITE}"),
        Call(
            f"/invitations/{INVITE}",
            "POST",
            data={
                "name": "Newcomer",
                "password": "a long passphrase",
                "confirm": "a long passphrase",
            },
            ok=(302,),
        ),
    ),
    "accounts.team": _with_page(
        Call(
            "/admin/series/{series}/team",
            "POST",
            who="organiser",
            data=lambda n: {"email": f"invited{n}@example.org", "role": "door"},
            ok=(302,),
        )
    ),
    "accounts.invitation_resend": Call(
        "/admin/series/{series}/team/invitations/{invitation}/resend",
        "POST",
        who="organiser",
        page="/admin/series/{series}/team",
    ),
    "accounts.invitation_withdraw": Call(
        "/admin/series/{series}/team/invitations/{invitation}/withdraw",
        "POST",
        who="organiser",
        page="/admin/series/{series}/team",
    ),
    "accounts.member_remove": Call(
        "/admin/series/{series}/team/members/{door_id}/remove",
        "POST",
        who="organiser",
        page="/admin/series/{series}/team",
    ),
    # Roles one way and the other at once: each request sees the team as the one before
    # left it (the series' row lock), and the organiser stays.
    "accounts.member_role": Call(
        "/admin/series/{series}/team/members/{door_id}/role",
        "POST",
        who="organiser",
        data=lambda n: {"role": ("organiser", "door")[n % 2]},
        page="/admin/series/{series}/team",
    ),
    "door.offline_list": Call("/door/{tonight}/offline.json", who="door"),
    "door.service_worker": Call("/door/sw.js"),
    "door.manifest": Call("/door/manifest.webmanifest"),
    "door_admin.phones": _with_page(
        Call("/admin/events/{tonight}/door-phones", "POST", who="organiser", ok=(200,))
    ),
    "door_admin.phone_code": Call(
        "/admin/events/{tonight}/door-phones/{phone}/code",
        "POST",
        who="organiser",
        page="/admin/events/{tonight}/door-phones",
    ),
    "door_admin.phone_revoke": Call(
        "/admin/events/{tonight}/door-phones/{phone}/revoke",
        "POST",
        who="organiser",
        page="/admin/events/{tonight}/door-phones",
    ),
    "pairing.pair": (
        Call("/p/{pairing}"),
        Call("/p/{pairing}", "POST", page="/login", ok=(302,)),
    ),
    "admin.dashboard": Call("/admin/", who="organiser"),
    "admin.series_list": Call("/admin/series", who="organiser"),
    "admin.series_detail": Call("/admin/series/{series}", who="organiser"),
    "admin.series_new": _with_page(
        Call(
            "/admin/series/new",
            "POST",
            who="organiser",
            data=lambda n: {
                "name": f"Club {n}",
                "timezone": "Europe/Paris",
                "default_capacity": "40",
            },
        )
    ),
    "admin.series_edit": _with_page(
        Call(
            "/admin/series/{series}/edit",
            "POST",
            who="organiser",
            # The same new logo from every call at once: one row under its hash.
            data=lambda _n: {
                "name": "Renamed",
                "timezone": "Europe/Paris",
                "default_capacity": "30",
                "logo": (io.BytesIO(transparent_logo((320, 120))), "logo.png"),
            },
        )
    ),
    "admin.event_new": _with_page(
        Call(
            "/admin/series/{series}/events/new",
            "POST",
            who="organiser",
            data={
                "title": "Soirée",
                "theme": "Réseaux",
                "date": "2027-03-11",
                "start_time": "19:00",
                "end_time": "21:00",
                "capacity": "40",
            },
        )
    ),
    "admin.event_detail": Call("/admin/events/{upcoming}", who="organiser"),
    "admin.event_edit": _with_page(
        Call(
            "/admin/events/{upcoming}/edit",
            "POST",
            who="organiser",
            data=lambda _n: {
                "title": "Soirée",
                "theme": "Réseaux",
                "date": "2027-03-11",
                "start_time": "19:00",
                "end_time": "21:00",
                "capacity": "50",
                "cover": (io.BytesIO(photo_on_its_side()), "cover.jpg"),
            },
        )
    ),
    "admin.event_status": Call(
        "/admin/events/{upcoming}/cancel", "POST", who="organiser", page="/admin/events/{upcoming}"
    ),
    "admin.event_duplicate": Call(
        "/admin/events/{upcoming}/duplicate",
        "POST",
        who="organiser",
        page="/admin/events/{upcoming}",
    ),
    "admin.speaker_add": Call(
        "/admin/events/{upcoming}/speakers",
        "POST",
        who="organiser",
        data={"name": "Inès Orateur"},
        page="/admin/events/{upcoming}",
    ),
    "admin.speaker_edit": _with_page(
        Call(
            "/admin/events/{upcoming}/speakers/{speaker}/edit",
            "POST",
            who="organiser",
            data={"name": "J. M."},
        )
    ),
    "admin.speaker_delete": Call(
        "/admin/events/{upcoming}/speakers/{speaker}/delete",
        "POST",
        who="organiser",
        page="/admin/events/{upcoming}",
    ),
    "registrations_admin.registrations": Call(
        "/admin/events/{upcoming}/registrations", who="organiser"
    ),
    "registrations_admin.announce": _with_page(
        Call("/admin/events/{upcoming}/announce", "POST", who="organiser")
    ),
    # Four presses of one form: one campaign (the form's nonce), the others told it went.
    "registrations_admin.write": _with_page(
        Call(
            "/admin/events/{upcoming}/write",
            "POST",
            who="organiser",
            data={
                "segment": "registered",
                "subject": "Parking",
                "body": "The car park is closed tonight.",
                "nonce": "nonce-of-the-sweep-0123456789",
                "action": "send",
            },
        )
    ),
    "registrations_admin.registrations_csv": Call(
        "/admin/events/{upcoming}/registrations.csv", who="organiser"
    ),
    "registrations_admin.registration_new": _with_page(
        Call(
            "/admin/events/{upcoming}/registrations/new",
            "POST",
            who="organiser",
            data=lambda n: signup_data(email=f"added{n}@example.org"),
        )
    ),
    "registrations_admin.registrations_import": _with_page(
        Call("/admin/events/{upcoming}/registrations/import", "POST", who="organiser", data=_csv)
    ),
    "registrations_admin.registrations_import_confirm": Call(
        "/admin/events/{upcoming}/registrations/import/confirm",
        "POST",
        who="organiser",
        data=_confirm,
        page="/admin/events/{upcoming}/registrations/import",
    ),
    "registrations_admin.registration_action": Call(
        "/admin/events/{upcoming}/registrations/{dan}/cancel",
        "POST",
        who="organiser",
        page="/admin/events/{upcoming}/registrations",
    ),
    "privacy_admin.erase_on_request": Call(
        "/admin/events/{upcoming}/registrations/{dan}/erase",
        "POST",
        who="organiser",
        page="/admin/events/{upcoming}/registrations",
    ),
    "privacy_admin.audit_log": Call("/admin/audit", who="admin"),
    "badges.badges": _with_page(
        Call(
            "/admin/events/{upcoming}/badges",
            "POST",
            who="organiser",
            data={"layout": "a4-2x5", "which": "all", "order": "name", "mark_printed": "y"},
        )
    ),
    "badges.calibration": Call("/admin/badges/calibration/a4-2x5.pdf", who="organiser"),
    "directory_admin.directory": Call("/admin/events/{past}/directory", who="organiser"),
    "directory_admin.directory_action": Call(
        "/admin/events/{past}/directory/close",
        "POST",
        who="organiser",
        page="/admin/events/{past}/directory",
    ),
    "directory_admin.fix_address": Call(
        "/admin/events/{upcoming}/directory/addresses/{dan}",
        "POST",
        who="organiser",
        data={
            "r{dan}-street": "5 rue Marchande",
            "r{dan}-postcode": "38200",
            "r{dan}-city": "Vienne",
        },
        page="/admin/events/{upcoming}/directory",
    ),
    "directory_admin.tables": Call("/admin/events/{upcoming}/tables", who="organiser"),
    "directory_admin.digest_settings": _with_page(
        Call(
            "/admin/series/{series}/digest",
            "POST",
            who="organiser",
            data=lambda n: {"enabled": "y" if n % 2 else "", "day": str(1 + n % 28)},
            ok=(302,),
        )
    ),
    "directory_admin.seat": Call(
        "/admin/events/{upcoming}/tables",
        "POST",
        who="organiser",
        data=lambda n: {"tables": str(2 + n % 3)},
        page="/admin/events/{upcoming}/tables",
        ok=(302,),
    ),
    "directory_admin.move_to_table": Call(
        "/admin/events/{upcoming}/tables/{dan}",
        "POST",
        who="organiser",
        data={"r{dan}-table": "1"},
        page="/admin/events/{upcoming}/tables",
        ok=(302,),
    ),
    "mail_admin.outbox": Call("/admin/outbox", who="organiser"),
    "mail_admin.message_detail": Call("/admin/outbox/{message}", who="organiser"),
    "mail_admin.message_eml": Call("/admin/outbox/{message}.eml", who="organiser"),
    "mail_admin.message_retry": Call(
        "/admin/outbox/{message}/retry", "POST", who="organiser", page="/admin/outbox/{message}"
    ),
    "auth.users": Call("/admin/users", who="admin"),
    "auth.user_new": _with_page(
        Call(
            "/admin/users/new",
            "POST",
            who="admin",
            data=lambda n: {
                "email": f"new{n}@example.org",
                "role": "door",
                "password": "long enough pass",
            },
        )
    ),
    "auth.user_deactivate": Call(
        "/admin/users/{victim}/deactivate", "POST", who="admin", page="/admin/users"
    ),
    "auth.user_reactivate": Call(
        "/admin/users/{victim}/reactivate", "POST", who="admin", page="/admin/users"
    ),
    "auth.tokens": _with_page(
        Call(
            "/admin/tokens",
            "POST",
            who="organiser",
            data={"name": "site du club", "scopes": "read"},
        )
    ),
    "auth.token_revoke": Call(
        "/admin/tokens/{api_token}/revoke", "POST", who="organiser", page="/admin/tokens"
    ),
    # The series' website and tools.
    "api_admin.website": Call("/admin/series/{series}/website", who="organiser"),
    "impact.dashboard": Call("/admin/series/{series}/impact", who="organiser"),
    "impact.report": Call("/admin/series/{series}/impact/report.pdf", who="organiser"),
    "api_admin.signup_key_new": Call(
        "/admin/series/{series}/website/keys",
        "POST",
        who="organiser",
        data={"name": "widget"},
        page="/admin/series/{series}/website",
    ),
    "api_admin.signup_key_revoke": Call(
        "/admin/series/{series}/website/keys/{signup_key}/revoke",
        "POST",
        who="organiser",
        page="/admin/series/{series}/website",
    ),
    "api_admin.signup_limit": Call(
        "/admin/series/{series}/website/limit",
        "POST",
        who="organiser",
        data={"api_signups_per_hour": "50"},
        page="/admin/series/{series}/website",
    ),
    "api_admin.allowed_origins": Call(
        "/admin/series/{series}/website/origins",
        "POST",
        who="organiser",
        data={"allowed_origins": "https://www.club.fr"},
        page="/admin/series/{series}/website",
    ),
    "webhooks_admin.endpoints": (
        Call("/admin/series/{series}/webhooks", who="organiser"),
        Call(
            "/admin/series/{series}/webhooks",
            "POST",
            who="organiser",
            data={"url": "https://crm.example.org/hooks", "events": "registration.created"},
        ),
    ),
    "webhooks_admin.endpoint": Call("/admin/series/{series}/webhooks/{webhook}", who="organiser"),
    "webhooks_admin.delivery_again": Call(
        "/admin/series/{series}/webhooks/{webhook}/deliveries/{delivery}/again",
        "POST",
        who="organiser",
        page="/admin/series/{series}/webhooks/{webhook}",
    ),
    "webhooks_admin.endpoint_delete": Call(
        "/admin/series/{series}/webhooks/{webhook}/delete",
        "POST",
        who="organiser",
        page="/admin/series/{series}/webhooks/{webhook}",
    ),
    "api.public_event": Call("/api/v1/public/events/{upcoming}"),
    "embed.series_signup": Call("/embed/series/{series}?lang=en"),
    "embed.event_signup": (
        Call("/embed/events/{upcoming}?lang=en"),
        Call(
            "/embed/events/{upcoming}?lang=en",
            "POST",
            data=lambda n: signup_data(email=f"embed{n}@example.org"),
            page="/r/",  # (no CSRF token in a frame on another site: none is asked for)
        ),
    ),
    "api.public_series_events": Call("/api/v1/public/series/{series}/events"),
    # The door.
    "door.home": Call("/door/", who="door"),
    "door.screen": Call("/door/{tonight}", who="door"),
    "door.search": Call("/door/{tonight}/search?q=tom", who="door"),
    "door.counts": Call("/door/{tonight}/counts", who="door"),
    "door.scan": Call(
        "/door/{tonight}/scan",
        "POST",
        who="door",
        data={"code": "{tom_code}"},
        page="/door/{tonight}",
    ),
    "door.undo": Call(
        "/door/{tonight}/undo",
        "POST",
        who="door",
        data={"code": "{tom_code}"},
        page="/door/{tonight}",
    ),
    "door.admit": Call(
        "/door/{tonight}/admit",
        "POST",
        who="door",
        data={"code": "{wilma_code}"},
        page="/door/{tonight}",
    ),
    "door.badge": Call(
        "/door/{tonight}/badge",
        "POST",
        who="door",
        data={"code": "{tom_code}", "layout": "a6"},
        page="/door/{tonight}",
    ),
    "door.walk_in": _with_page(
        Call(
            "/door/{tonight}/walk-in",
            "POST",
            who="door",
            data=lambda n: {
                "first_name": "Paul",
                "last_name": f"Passant {n}",
                "email": f"walkin{n}@example.org",
            },
        )
    ),
    # The API.
    "api.series_index": Call("/api/v1/series", who="api"),
    "api.series_show": Call("/api/v1/series/{series}", who="api"),
    "api.series_create": Call(
        "/api/v1/series",
        "POST",
        who="api",
        json=lambda n: {"name": f"Club API {n}", "timezone": "Europe/Paris"},
        ok=(201,),
    ),
    "api.series_update": Call(
        "/api/v1/series/{series}", "PATCH", who="api", json={"reminder_hours": 12}
    ),
    "api.events_index": Call("/api/v1/events", who="api"),
    "api.event_show": Call("/api/v1/events/{upcoming}", who="api"),
    "api.events_create": Call(
        "/api/v1/events",
        "POST",
        who="api",
        json=lambda n: {
            "series": "{series}",
            "title": f"Soirée {n}",
            "starts_at": "2027-03-11T19:00:00+01:00",
            "ends_at": "2027-03-11T21:00:00+01:00",
        },
        ok=(201,),
    ),
    "api.event_update": Call(
        "/api/v1/events/{upcoming}", "PATCH", who="api", json={"capacity": 50}
    ),
    "api.registration_index": Call("/api/v1/events/{upcoming}/registrations", who="api"),
    "api.checkin_create": Call(
        "/api/v1/checkins",
        "POST",
        who="api_door",
        json={"code": "{tom_code}", "event": "{tonight}"},
    ),
    "api.checkin_delete": Call(
        "/api/v1/checkins/{tom_code}?event={tonight}", "DELETE", who="api_door"
    ),
}

#: Routes outside the sweep, with the reason.
LEFT_OUT = {"static": "files from disk"}


# -- running them ------------------------------------------------------------------------------


def _fill(value, world: World, n: int):
    if callable(value):
        value = value(n)
    if isinstance(value, str):
        names = {**world.ids, **{f"{k}_email": v for k, v in world.emails.items()}}
        return value.format(**names)
    if isinstance(value, dict):
        return {_fill(k, world, n): _fill(v, world, n) for k, v in value.items()}
    return value


def _browser(app, call: Call, world: World):
    """A logged-in (or remembered) browser; its session cookie and the form's CSRF token."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if call.who in ("organiser", "door", "admin"):
        assert log_in(client, world.emails[call.who]).status_code == 302
    elif call.who == "attendee":
        assert client.get(f"/r/{ALICE}").status_code == 200  # remembered in this browser
    token = None
    if call.method == "POST" and call.json is None:
        page = _fill(call.page or call.url, world, 0)
        token = csrf_from(client.get(page).get_data(as_text=True))
    cookie = client.get_cookie("session")
    return (cookie.value if cookie else None), token


def _send(app, call: Call, world: World, n: int, cookie: str | None, token: str | None):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.environ_base["REMOTE_ADDR"] = f"10.9.0.{n + 1}"  # rate limits are per address
    if cookie:
        client.set_cookie("session", cookie)
    headers = {}
    if call.who in ("api", "api_door"):
        headers["Authorization"] = (
            f"Bearer {world.tokens['door' if call.who == 'api_door' else 'organiser']}"
        )
    url = _fill(call.url, world, n)
    if call.json is not None:
        return client.open(
            url, method=call.method, json=_fill(call.json, world, n), headers=headers
        )
    if call.method == "GET" or call.method == "DELETE":
        return client.open(url, method=call.method, headers=headers)
    data = _fill(call.data or {}, world, n) | {"csrf_token": token}
    return client.open(url, method=call.method, data=data, headers=headers)


class NoiseWriter:
    """Another connection committing a small write every half millisecond, as a second
    gunicorn worker would: SQLite only (PostgreSQL's row locks have no such trap)."""

    def __init__(self, path: str) -> None:
        self.path, self.stop, self.commits = path, threading.Event(), 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            while not self.stop.is_set():
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(
                    "INSERT OR REPLACE INTO worker_heartbeats (worker, started_at, beat_at) "
                    "VALUES ('noise', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
                connection.execute("COMMIT")
                self.commits += 1
                self.stop.wait(0.0005)
        finally:
            connection.close()

    def __enter__(self) -> NoiseWriter:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def _noise(app):
    with app.app_context():
        url = make_url(str(db.engine.url))
    if url.get_backend_name() != "sqlite":
        return None
    return NoiseWriter(url.database)


def _methods(app) -> set[tuple[str, str]]:
    """(endpoint, method) for every route of the app."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in LEFT_OUT
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def _sweep() -> dict[tuple[str, str], Call]:
    """Every call by (endpoint, method)."""
    calls = {}
    for endpoint, listed in CALLS.items():
        for call in listed if isinstance(listed, tuple) else (listed,):
            calls.setdefault((endpoint, call.method), call)
    return calls


SWEEP = _sweep()


def test_every_route_is_in_the_sweep(app):
    """A new route joins CALLS (or LEFT_OUT, with its reason)."""
    assert _methods(app) == set(SWEEP)


@pytest.mark.parametrize(
    ("endpoint", "method"), sorted(SWEEP), ids=[f"{e}-{m}" for e, m in sorted(SWEEP)]
)
def test_concurrent_calls_never_fail_with_a_server_error(app, world, endpoint, method):
    call = SWEEP[(endpoint, method)]
    cookie, token = _browser(app, call, world)
    answers: list = [None] * CONCURRENCY
    start = threading.Barrier(CONCURRENCY)

    def one(n: int) -> None:
        start.wait()
        try:
            answers[n] = _send(app, call, world, n, cookie, token).status_code
        except Exception as error:
            answers[n] = repr(error)

    noise = _noise(app)
    threads = [threading.Thread(target=one, args=(n,)) for n in range(CONCURRENCY)]
    with noise or contextlib.nullcontext():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    broken = [a for a in answers if not isinstance(a, int) or a >= 500]
    assert not broken, f"{endpoint}: {answers}"
    assert any(a in call.ok for a in answers), f"{endpoint}: no call went through: {answers}"


@pytest.mark.sqlite_only
def test_the_noise_writer_writes(app, world):
    """The control: the other connection really commits while a route runs."""
    noise = _noise(app)
    with noise:
        threading.Event().wait(0.2)
    assert noise.commits > 10
    assert Path(noise.path).exists()
