"""Who may open what: every staff route × every role, and CSRF on every form POST."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from meetup.accounts import invitations
from meetup.api import keys
from meetup.auth.models import ApiToken, Role, User
from meetup.auth.services import find_user_by_email
from meetup.checkin import pairing
from meetup.events.models import Event, Series, Speaker
from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.helpers import csrf_from, log_in, post_form

ROLES = (
    "anonymous",
    "door",
    "organiser",
    "outsider",
    "admin",
    "phone",
    "door_here",
    "organiser_here",
)
LOGIN = "login"  # expected answer: a redirect to the login page
OWN_DOOR = "own door"  # expected answer: a redirect to its evening's door screen

# endpoint -> (url template, {role: expected}); `outsider` is an organiser of another series;
# `phone` a door phone paired to the evening (meetup.checkin.pairing): the door role's
# rights for that evening, nothing else. Roles are per team: `door_here` is a door
# volunteer of this series and an organiser of another (an organiser's account);
# `organiser_here` an organiser of this series and a door volunteer of another (a door
# volunteer's account, so it creates no series).
SERIES_SCOPED = {"anonymous": LOGIN, "door": 403, "organiser": 200, "outsider": 403, "admin": 200, "phone": 403, "door_here": 403, "organiser_here": 200}  # fmt: skip
STAFF_ANY = {"anonymous": LOGIN, "door": 403, "organiser": 200, "outsider": 200, "admin": 200, "phone": 403, "door_here": 200, "organiser_here": 200}  # fmt: skip
CREATE_SERIES = STAFF_ANY | {"organiser_here": 403}
ADMIN_ONLY = {"anonymous": LOGIN, "door": 403, "organiser": 403, "outsider": 403, "admin": 200, "phone": 403, "door_here": 403, "organiser_here": 403}  # fmt: skip
DOOR_UP = {"anonymous": LOGIN, "door": 200, "organiser": 200, "outsider": 200, "admin": 200, "phone": OWN_DOOR, "door_here": 200, "organiser_here": 200}  # fmt: skip
DOOR_SCOPED = {"anonymous": LOGIN, "door": 200, "organiser": 200, "outsider": 403, "admin": 200, "phone": 200, "door_here": 200, "organiser_here": 200}  # fmt: skip
#: The organiser's own API token: its owner (and admins) only.
OWN_TOKEN = SERIES_SCOPED | {"organiser_here": 403}

GET_ROUTES = {
    "admin.dashboard": ("/admin/", STAFF_ANY),
    "admin.series_list": ("/admin/series", STAFF_ANY),
    "admin.series_new": ("/admin/series/new", CREATE_SERIES),
    "admin.series_detail": ("/admin/series/{series}", SERIES_SCOPED),
    "admin.series_edit": ("/admin/series/{series}/edit", SERIES_SCOPED),
    "admin.event_new": ("/admin/series/{series}/events/new", SERIES_SCOPED),
    "admin.event_detail": ("/admin/events/{event}", SERIES_SCOPED),
    "admin.event_edit": ("/admin/events/{event}/edit", SERIES_SCOPED),
    "admin.speaker_edit": ("/admin/events/{event}/speakers/{speaker}/edit", SERIES_SCOPED),
    "auth.users": ("/admin/users", ADMIN_ONLY),
    "auth.user_new": ("/admin/users/new", ADMIN_ONLY),
    "auth.tokens": ("/admin/tokens", STAFF_ANY),
    "door.home": ("/door/", DOOR_UP),
    "door.screen": ("/door/{event}", DOOR_SCOPED),
    "door.search": ("/door/{event}/search?q=camille", DOOR_SCOPED),
    "door.counts": ("/door/{event}/counts", DOOR_SCOPED),
    "door.walk_in": ("/door/{event}/walk-in", DOOR_SCOPED),
    "door.offline_list": ("/door/{event}/offline.json", DOOR_SCOPED),
    "registrations_admin.registrations": ("/admin/events/{event}/registrations", SERIES_SCOPED),
    "registrations_admin.registrations_import": (
        "/admin/events/{event}/registrations/import",
        SERIES_SCOPED,
    ),
    "registrations_admin.registrations_csv": (
        "/admin/events/{event}/registrations.csv",
        SERIES_SCOPED,
    ),
    "registrations_admin.registration_new": (
        "/admin/events/{event}/registrations/new",
        SERIES_SCOPED,
    ),
    "badges.badges": ("/admin/events/{event}/badges", SERIES_SCOPED),
    "registrations_admin.announce": ("/admin/events/{event}/announce", SERIES_SCOPED),
    "registrations_admin.write": ("/admin/events/{event}/write", SERIES_SCOPED),
    "badges.calibration": ("/admin/badges/calibration/a4-2x5.pdf", STAFF_ANY),
    "directory_admin.directory": ("/admin/events/{event}/directory", SERIES_SCOPED),
    "directory_admin.digest_settings": ("/admin/series/{series}/digest", SERIES_SCOPED),
    "directory_admin.tables": ("/admin/events/{event}/tables", SERIES_SCOPED),
    "privacy_admin.audit_log": ("/admin/audit", ADMIN_ONLY),
    "accounts.team": ("/admin/series/{series}/team", SERIES_SCOPED),
    "door_admin.phones": ("/admin/events/{event}/door-phones", SERIES_SCOPED),
    "api_admin.website": ("/admin/series/{series}/website", SERIES_SCOPED),
    "impact.dashboard": ("/admin/series/{series}/impact", SERIES_SCOPED),
    "impact.report": ("/admin/series/{series}/impact/report.pdf", SERIES_SCOPED),
    "webhooks_admin.endpoints": ("/admin/series/{series}/webhooks", SERIES_SCOPED),
    "webhooks_admin.endpoint": ("/admin/series/{series}/webhooks/{webhook}", SERIES_SCOPED),
}

# POSTs change things: a refused role must get 403 (or the login redirect) and change nothing.
POST_ROUTES = {
    "admin.series_new": ("/admin/series/new", CREATE_SERIES),
    "admin.series_edit": ("/admin/series/{series}/edit", SERIES_SCOPED),
    "admin.event_new": ("/admin/series/{series}/events/new", SERIES_SCOPED),
    "admin.event_edit": ("/admin/events/{event}/edit", SERIES_SCOPED),
    "admin.event_status": ("/admin/events/{event}/cancel", SERIES_SCOPED),
    "admin.event_duplicate": ("/admin/events/{event}/duplicate", SERIES_SCOPED),
    "admin.speaker_add": ("/admin/events/{event}/speakers", SERIES_SCOPED),
    "admin.speaker_edit": ("/admin/events/{event}/speakers/{speaker}/edit", SERIES_SCOPED),
    "admin.speaker_delete": ("/admin/events/{event}/speakers/{speaker}/delete", SERIES_SCOPED),
    "auth.user_new": ("/admin/users/new", ADMIN_ONLY),
    "auth.user_deactivate": ("/admin/users/{victim}/deactivate", ADMIN_ONLY),
    "auth.user_reactivate": ("/admin/users/{victim}/reactivate", ADMIN_ONLY),
    "auth.tokens": ("/admin/tokens", STAFF_ANY),
    "auth.token_revoke": ("/admin/tokens/{token}/revoke", OWN_TOKEN),
    "registrations_admin.registration_new": (
        "/admin/events/{event}/registrations/new",
        SERIES_SCOPED,
    ),
    "registrations_admin.registrations_import": (
        "/admin/events/{event}/registrations/import",
        SERIES_SCOPED,
    ),
    "registrations_admin.registrations_import_confirm": (
        "/admin/events/{event}/registrations/import/confirm",
        SERIES_SCOPED,
    ),
    "registrations_admin.registration_action": (
        "/admin/events/{event}/registrations/{registration}/cancel",
        SERIES_SCOPED,
    ),
    "badges.badges": ("/admin/events/{event}/badges", SERIES_SCOPED),
    "registrations_admin.announce": ("/admin/events/{event}/announce", SERIES_SCOPED),
    "registrations_admin.write": ("/admin/events/{event}/write", SERIES_SCOPED),
    "door.scan": ("/door/{event}/scan", DOOR_SCOPED),
    "door.admit": ("/door/{event}/admit", DOOR_SCOPED),
    "door.undo": ("/door/{event}/undo", DOOR_SCOPED),
    "door.walk_in": ("/door/{event}/walk-in", DOOR_SCOPED),
    "door.badge": ("/door/{event}/badge", DOOR_SCOPED),
    "directory_admin.digest_settings": ("/admin/series/{series}/digest", SERIES_SCOPED),
    "directory_admin.directory_action": ("/admin/events/{event}/directory/close", SERIES_SCOPED),
    "directory_admin.fix_address": (
        "/admin/events/{event}/directory/addresses/{registration}",
        SERIES_SCOPED,
    ),
    "directory_admin.seat": ("/admin/events/{event}/tables", SERIES_SCOPED),
    "directory_admin.move_to_table": (
        "/admin/events/{event}/tables/{registration}",
        SERIES_SCOPED,
    ),
    "privacy_admin.erase_on_request": (
        "/admin/events/{event}/registrations/{registration}/erase",
        SERIES_SCOPED,
    ),
    "accounts.team": ("/admin/series/{series}/team", SERIES_SCOPED),
    "accounts.invitation_resend": (
        "/admin/series/{series}/team/invitations/{invitation}/resend",
        SERIES_SCOPED,
    ),
    "accounts.invitation_withdraw": (
        "/admin/series/{series}/team/invitations/{invitation}/withdraw",
        SERIES_SCOPED,
    ),
    "accounts.member_remove": (
        "/admin/series/{series}/team/members/{member}/remove",
        SERIES_SCOPED,
    ),
    "accounts.member_role": (
        "/admin/series/{series}/team/members/{member}/role",
        SERIES_SCOPED,
    ),
    "door_admin.phones": ("/admin/events/{event}/door-phones", SERIES_SCOPED),
    "door_admin.phone_code": ("/admin/events/{event}/door-phones/{phone}/code", SERIES_SCOPED),
    "door_admin.phone_revoke": (
        "/admin/events/{event}/door-phones/{phone}/revoke",
        SERIES_SCOPED,
    ),
    "api_admin.signup_key_new": ("/admin/series/{series}/website/keys", SERIES_SCOPED),
    "api_admin.signup_key_revoke": (
        "/admin/series/{series}/website/keys/{signup_key}/revoke",
        SERIES_SCOPED,
    ),
    "api_admin.signup_limit": ("/admin/series/{series}/website/limit", SERIES_SCOPED),
    "api_admin.allowed_origins": ("/admin/series/{series}/website/origins", SERIES_SCOPED),
    "webhooks_admin.endpoints": ("/admin/series/{series}/webhooks", SERIES_SCOPED),
    "webhooks_admin.delivery_again": (
        "/admin/series/{series}/webhooks/{webhook}/deliveries/{delivery}/again",
        SERIES_SCOPED,
    ),
    "webhooks_admin.endpoint_delete": (
        "/admin/series/{series}/webhooks/{webhook}/delete",
        SERIES_SCOPED,
    ),
}

#: Routes outside the matrix on purpose, with the reason: logging in and out, and the
#: links sent by email (a forgotten password, an invitation), whose token is the proof
#: (tests/test_password_reset.py, tests/test_invitations.py).
PUBLIC_OR_SELF = {
    "auth.login",
    "auth.logout",
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.invitation",
    "pairing.pair",  # the pairing QR code's link (tests/test_door_phones.py)
    # The offline door's service worker script and web app manifest: files, no data.
    "door.service_worker",
    "door.manifest",
}
#: POSTs without a CSRF token, with the reason (each is tested where it is defined).
CSRF_EXEMPT = {
    # RFC 8058: a mail client POSTs "List-Unsubscribe=One-Click" with no session; the
    # 256-bit token in the address is the proof (tests/test_monthly_loop.py).
    "registrations.unsubscribe",
    # The signup embedded in a club's page: in another site's frame no cookie of ours is
    # sent, so there is no session to hold a token; it is the public signup, rate-limited
    # per address (tests/test_embed.py).
    "embed.event_signup",
}


@dataclass
class World:
    emails: dict[str, str]
    ids: dict[str, str]


@pytest.fixture
def world(app, make) -> World:
    organiser = make.user("organiser")
    door = make.user("door")
    outsider = make.user("organiser")
    admin = make.user("admin")
    victim = make.user("organiser")
    door_here, organiser_here = make.user("organiser"), make.user("door")
    series = make.series(team=(organiser, door))
    make.on_team(series, door_here, "door")
    make.on_team(series, organiser_here, "organiser")
    elsewhere = make.series(team=(outsider,))
    make.on_team(elsewhere, door_here, "organiser")
    make.on_team(elsewhere, organiser_here, "door")
    elsewhere_event = make.event(elsewhere)
    make.registrations(elsewhere_event, 1)
    event = make.event(series)
    make.registrations(event, 1)
    make.api_token(organiser)
    with app.app_context():
        series_obj = db.session.scalar(select(Series).where(Series.slug == series))
        invitation = invitations.invite(
            series_obj, "invited@example.org", Role.DOOR, find_user_by_email(organiser)
        )
        _key, signup_key = keys.create_signup_key(
            db.session.scalar(select(User).where(User.email == organiser)),
            series_obj,
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
        db.session.commit()
        event_obj = db.session.scalar(select(Event).where(Event.slug == event))
        phone, pairing_code = pairing.add_phone(event_obj, find_user_by_email(organiser))
        speaker = Speaker(name="Julien Mercier", event=event_obj)
        db.session.add(speaker)
        db.session.commit()
        ids = {
            "series": series,
            "event": event,
            "speaker": str(speaker.id),
            "victim": str(db.session.scalar(select(User.id).where(User.email == victim))),
            "token": str(db.session.scalar(select(ApiToken.id).order_by(ApiToken.id))),
            "signup_key": str(signup_key.id),
            "webhook": str(webhook.id),
            "delivery": str(sent.id),
            "registration": str(
                db.session.scalar(
                    select(Registration.id).where(Registration.event_id == event_obj.id)
                )
            ),
            "invitation": str(invitation.id),
            "member": str(find_user_by_email(door).id),
            "phone": str(phone.id),
            "pairing": pairing_code,
            "elsewhere": elsewhere,
            "elsewhere_event": elsewhere_event,
        }
    emails = {
        "door": door,
        "organiser": organiser,
        "outsider": outsider,
        "admin": admin,
        "door_here": door_here,
        "organiser_here": organiser_here,
    }
    return World(emails, ids)


#: The other series, where the two people with a role per series swap roles: `door_here`
#: organises it, `organiser_here` only runs its door.
ELSEWHERE_MANAGED = (
    "/admin/series/{elsewhere}",
    "/admin/series/{elsewhere}/edit",
    "/admin/series/{elsewhere}/team",
    "/admin/events/{elsewhere_event}",
    "/admin/events/{elsewhere_event}/registrations",
    "/admin/events/{elsewhere_event}/registrations.csv",
    "/admin/events/{elsewhere_event}/badges",
    "/admin/events/{elsewhere_event}/door-phones",
)
ELSEWHERE_DOOR = ("/door/{elsewhere_event}", "/door/{elsewhere_event}/search?q=camille")


@pytest.mark.parametrize(("role", "organises_elsewhere"), [("door_here", True), ("organiser_here", False)])  # fmt: skip
def test_a_role_holds_in_its_series_only(client, world, role, organises_elsewhere):
    """The matrix above is the series where `door_here` is a door volunteer and
    `organiser_here` an organiser; in the other series their rights swap."""
    _as(client, world, role)
    for url in ELSEWHERE_MANAGED:
        answer = client.get(url.format(**world.ids))
        assert answer.status_code == (200 if organises_elsewhere else 403), url
    for url in ELSEWHERE_DOOR:
        assert client.get(url.format(**world.ids)).status_code == 200, url
    # The organisers' lists hold the series they organise, not those whose door they run.
    organised = world.ids["elsewhere" if organises_elsewhere else "series"]
    door_only = world.ids["series" if organises_elsewhere else "elsewhere"]
    for url in ("/admin/series", "/admin/"):
        page = client.get(url).get_data(as_text=True)
        assert f"/admin/series/{organised}" in page, url
        assert f"/admin/series/{door_only}" not in page, url
    # The door's home holds both series' evenings.
    door_home = client.get("/door/").get_data(as_text=True)
    assert f"/door/{world.ids['event']}" in door_home
    assert f"/door/{world.ids['elsewhere_event']}" in door_home


def _api(client, method: str, path: str, token: str, **kwargs):
    headers = {"Authorization": f"Bearer {token}"}
    return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)


def _ticket(app, event_slug: str) -> str:
    with app.app_context():
        return db.session.scalar(
            select(Registration.ticket_code).join(Event).where(Event.slug == event_slug)
        )


@pytest.mark.parametrize("role", ["door_here", "organiser_here"])
def test_an_api_token_acts_with_its_users_role_in_each_series(app, client, make, world, role):
    token = make.api_token(world.emails[role])
    ids = world.ids
    if role == "door_here":
        managed, door_only = ids["elsewhere"], ids["series"]
        managed_event, door_event = ids["elsewhere_event"], ids["event"]
    else:
        managed, door_only = ids["series"], ids["elsewhere"]
        managed_event, door_event = ids["event"], ids["elsewhere_event"]
    listed = _api(client, "GET", "/series", token).get_json()["items"]
    assert [series["slug"] for series in listed] == [managed]
    events = _api(client, "GET", "/events", token).get_json()["items"]
    assert {event["slug"] for event in events} == {managed_event}
    assert _api(client, "GET", f"/series/{managed}", token).status_code == 200
    assert _api(client, "GET", f"/series/{door_only}", token).status_code == 403
    assert _api(client, "GET", f"/events/{managed_event}", token).status_code == 200
    assert _api(client, "GET", f"/events/{door_event}", token).status_code == 403
    assert _api(client, "GET", f"/events/{managed_event}/registrations", token).status_code == 200
    assert _api(client, "GET", f"/events/{door_event}/registrations", token).status_code == 403
    rename = {"json": {"city": "Lyon"}}
    assert _api(client, "PATCH", f"/series/{door_only}", token, **rename).status_code == 403
    assert _api(client, "PATCH", f"/series/{managed}", token, **rename).status_code == 200
    signup = {"json": {"first_name": "Ada", "last_name": "L", "email": "ada@example.org"}}
    path = "/events/{}/registrations"
    assert _api(client, "POST", path.format(door_event), token, **signup).status_code == 403
    assert _api(client, "POST", path.format(managed_event), token, **signup).status_code == 201
    # The door: both series' evenings.
    for event in (managed_event, door_event):
        scan = {"json": {"code": _ticket(app, event), "event": event}}
        answer = _api(client, "POST", "/checkins", token, **scan)
        assert answer.status_code == 200, event
        assert answer.get_json()["status"] == "ok"
    # A new series: an organiser's account may, a door volunteer's may not.
    new = {"json": {"name": "Café de Grenoble", "timezone": "Europe/Paris"}}
    assert _api(client, "POST", "/series", token, **new).status_code == (
        201 if role == "door_here" else 403
    )


def _expectations(routes):
    for endpoint, (url, expected) in routes.items():
        for role in ROLES:
            yield pytest.param(endpoint, url, role, expected[role], id=f"{endpoint}-{role}")


def _as(client, world: World, role: str) -> None:
    if role == "phone":  # paired by opening the QR code's link
        paired = post_form(client, f"/p/{world.ids['pairing']}", {})
        assert paired.headers["Location"] == f"/door/{world.ids['event']}"
    elif role != "anonymous":
        assert log_in(client, world.emails[role]).status_code == 302


def _assert_answer(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif expected == OWN_DOOR:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/door/")
    elif expected == 200:
        assert response.status_code in (200, 302, 422), response.status_code
        assert not response.headers.get("Location", "").startswith("/login")
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(("endpoint", "url", "role", "expected"), list(_expectations(GET_ROUTES)))
def test_get_matrix(client, world, endpoint, url, role, expected):
    _as(client, world, role)
    response = client.get(url.format(**world.ids))
    if expected == 200:
        assert response.status_code == 200
    else:
        _assert_answer(response, expected)


@pytest.mark.parametrize(("endpoint", "url", "role", "expected"), list(_expectations(POST_ROUTES)))
def test_post_matrix(app, client, world, endpoint, url, role, expected):
    _as(client, world, role)
    page = {
        "door": "/door/",
        "anonymous": "/login",
        "phone": f"/door/{world.ids['event']}",
    }.get(role, "/admin/tokens")
    token = csrf_from(client.get(page).get_data(as_text=True))
    before = _snapshot(app)
    response = client.post(url.format(**world.ids), data={"csrf_token": token})
    _assert_answer(response, expected)
    if expected != 200:
        assert _snapshot(app) == before, "a refused request changed the database"


def _snapshot(app):
    with app.app_context():
        rows = []
        for table in db.metadata.sorted_tables:
            if table.name == "login_sessions":
                continue  # logging in for the test itself writes here
            rows.append(sorted(map(repr, db.session.execute(table.select()).all())))
        return rows


def test_matrix_covers_every_staff_route(app):
    """A new admin, auth or door route must be added to the matrix above."""
    routed = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0]
        in {
            "admin",
            "auth",
            "door",
            "registrations_admin",
            "badges",
            "directory_admin",
            "privacy_admin",
            "accounts",
            "door_admin",
            "api_admin",
            "webhooks_admin",
            "impact",
        }
        and rule.endpoint not in PUBLIC_OR_SELF
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(e, "GET") for e in GET_ROUTES} | {(e, "POST") for e in POST_ROUTES}
    assert routed == covered


def _post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.endpoint.startswith("api."):
            yield rule


def test_every_form_post_requires_csrf(app, client, world):
    """Every POST outside the bearer-token API answers 400 without a CSRF token."""
    _as(client, world, "admin")
    values = {
        "slug": world.ids["event"],
        "speaker_id": world.ids["speaker"],
        "user_id": world.ids["victim"],
        "token_id": world.ids["token"],
        "code": "fr",
        "registration_id": world.ids["registration"],
        "token": "not-a-real-token",
        "message_id": "1",
        "layout": "a4-2x5",
        "invitation_id": world.ids["invitation"],
        "phone_id": world.ids["phone"],
        "endpoint_id": world.ids["webhook"],
        "delivery_id": world.ids["delivery"],
    }
    #: Arguments whose value depends on the route.
    per_route = {
        "admin.event_status": {"action": "publish"},
        "registrations_admin.registration_action": {"action": "cancel"},
        "directory_admin.directory_action": {"action": "open"},
        "admin.series_new": {},
        "admin.series_edit": {"slug": world.ids["series"]},
        "admin.event_new": {"slug": world.ids["series"]},
        "directory_admin.digest_settings": {"slug": world.ids["series"]},
    }
    urls = app.url_map.bind("")
    checked = 0
    for rule in _post_routes(app):
        if rule.endpoint in CSRF_EXEMPT:
            continue
        arguments = {**values, **per_route.get(rule.endpoint, {})}
        url = urls.build(rule.endpoint, {name: arguments[name] for name in rule.arguments})
        response = client.post(url, data={"name": "x", "email": "a@b.fr", "password": "y"})
        assert response.status_code == 400, (rule.endpoint, response.status_code)
        assert "csrf" in response.get_data(as_text=True).lower() or b"expired" in response.data
        checked += 1
    assert checked >= len(POST_ROUTES) + 1  # + logout; login is tested in test_auth


def test_draft_event_page_is_hidden_from_the_public_and_outsiders(client, make):
    organiser, outsider = make.user("organiser"), make.user("organiser")
    series = make.series(team=(organiser,))
    draft = make.event(series, status="draft")
    assert client.get(f"/events/{draft}").status_code == 404
    log_in(client, outsider)
    assert client.get(f"/events/{draft}").status_code == 404
    client.post(
        "/logout", data={"csrf_token": csrf_from(client.get("/admin/").get_data(as_text=True))}
    )
    log_in(client, organiser)
    response = client.get(f"/events/{draft}")
    assert response.status_code == 200
    assert b"Preview" in response.data


def test_series_feed_holds_no_draft_even_for_its_organisers(client, make):
    """The feed is a public, subscribable address: a draft stays out of it whoever asks
    (a calendar fetching it has no session), and another series' evenings too."""
    organiser = make.user("organiser")
    series, other = make.series(team=(organiser,)), make.series(team=(organiser,))
    published = make.event(series)
    draft = make.event(series, status="draft")
    elsewhere = make.event(other)
    for logged_in in (False, True):
        if logged_in:
            log_in(client, organiser)
        feed = client.get(f"/series/{series}/calendar.ics").get_data(as_text=True)
        assert f"UID:event-{published}@" in feed
        assert draft not in feed and elsewhere not in feed


def test_admin_pages_are_not_cached(client, world):
    _as(client, world, "organiser")
    for url in ("/admin/", f"/admin/events/{world.ids['event']}", "/door/", "/login"):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url


def test_every_address_with_a_personal_token_refuses_a_token_that_does_not_exist(app, client, make):
    """Personal links (the page, my data, erase, the pin, the directory link, introductions,
    one-tap signup, unsubscribe) and ticket codes: a made-up one answers 404, whatever the
    method."""
    slug = make.event(make.series())
    token = "made-up-token-0123456789abcdefghijklmnopqrstuv"
    code = "A" * 26
    csrf = csrf_from(client.get("/login").get_data(as_text=True))
    urls = app.url_map.bind("")
    checked = 0
    for rule in app.url_map.iter_rules():
        if not ({"token", "code"} & rule.arguments) or rule.endpoint == "public.set_language":
            continue  # (a language's code is not a secret)
        if rule.endpoint.startswith("api."):
            continue  # the API's own tests: a bearer token first
        url = urls.build(
            rule.endpoint,
            {
                name: {"token": token, "code": code, "slug": slug, "registration_id": 1}[name]
                for name in rule.arguments
            },
        )
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": csrf})
            assert response.status_code == 404, (rule.endpoint, method, response.status_code)
            checked += 1
    assert checked >= 12
