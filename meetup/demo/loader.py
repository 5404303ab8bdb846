"""Build the demo series: a past evening with check-ins, an upcoming one with seats left."""

from __future__ import annotations

import random
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from meetup.auth import services as auth_services
from meetup.auth.models import Role
from meetup.demo import pictures
from meetup.demo.data import OFFICES, PEOPLE
from meetup.events import services as event_services
from meetup.events.models import Event, EventStatus, Series
from meetup.events.recurrence import nth_weekday
from meetup.extensions import db
from meetup.images.processing import Kind
from meetup.registrations.models import Registration, RegistrationStatus, Visibility
from meetup.registrations.tokens import new_manage_token, new_ticket_code
from meetup.timeutil import local_to_utc, utcnow

SERIES_SLUG = "cafe-des-entreprenants-de-vienne"
ORGANISER_EMAIL = "organisatrice@demo.example.org"
#: The demo's administrator: accounts, invitations and the audit log, without the command line.
ADMIN_EMAIL = "admin@demo.example.org"
ZONE = ZoneInfo("Europe/Paris")
ATTENDEES = 60
THURSDAY = 3


@dataclass
class DemoResult:
    series: Series
    created: bool
    organiser_email: str
    organiser_password: str | None
    #: The personal link's token of one attendee of the past evening (the directory's side).
    attendee_token: str | None = None
    #: The administrator's password, when this call created the account.
    admin_password: str | None = None


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _second_thursday_at_seven(year: int, month: int) -> datetime:
    day = nth_weekday(year, month, THURSDAY, 2)
    return local_to_utc(datetime.combine(day, time(19, 0)), ZONE)


def _months_around(today: date) -> tuple[tuple[int, int], tuple[int, int]]:
    """(past month, upcoming month) such that the past event is over and the next one ahead."""
    this_month = (today.year, today.month)
    prev = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    nxt = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    this_event = nth_weekday(*this_month, THURSDAY, 2)
    return (this_month, nxt) if this_event < today else (prev, this_month)


def _people(rng: random.Random) -> list[dict]:
    """The demo's attendees: PEOPLE in a shuffled order, each with an office."""
    chosen = rng.sample(PEOPLE, ATTENDEES)
    people = []
    for index in range(ATTENDEES):
        first, last, company, sector, job, helps, looks = chosen[index]
        street, postcode, city, lat, lon = OFFICES[index % len(OFFICES)]
        people.append(
            {
                "first_name": first,
                "last_name": last,
                "email": f"{_ascii(first)}.{_ascii(last)}@demo.example.org".replace(" ", "-"),
                "company": company,
                "sector": sector,
                "job_title": job,
                "help_with": helps,
                "looking_for": looks,
                "street": street,
                "postcode": postcode,
                "city": city,
                "latitude": lat,
                "longitude": lon,
                "visibility": rng.choice(
                    [
                        Visibility.COMMUNITY,
                        Visibility.COMMUNITY,
                        Visibility.ATTENDEES,
                        Visibility.NOBODY,
                    ]
                ),
                "language": "fr" if index % 7 else "en",
                # Two in three agreed to have their office street printed on their badge.
                "street_on_badge": index % 3 != 2,
                # What those allowed to see the card also see (the directory).
                "share_email": index % 3 == 0,
                "share_phone": index % 5 == 0,
                "share_address": index % 4 == 0,
                "accept_introductions": index % 5 != 4,
                "notify_new_neighbours": index % 6 == 0,
                "phone": f"04 74 {10 + index:02d} {20 + index:02d} {30 + index:02d}",
            }
        )
    return people


def _register(
    event: Event, person: dict, status: RegistrationStatus, checked_in: datetime | None
) -> str:
    """Demo rows skip the emails a real signup sends; returns the personal link's token."""
    token, token_hash = new_manage_token()
    db.session.add(
        Registration(
            event=event,
            status=status,
            checked_in_at=checked_in,
            manage_token_hash=token_hash,
            ticket_code=new_ticket_code(),
            **person,
        )
    )
    return token


def load_demo(today: date | None = None) -> DemoResult:
    """Create the demo series once; calling it again changes nothing. Commits."""
    today = today or utcnow().astimezone(ZONE).date()
    organiser = auth_services.find_user_by_email(ORGANISER_EMAIL)
    password = None
    if organiser is None:
        password = secrets.token_urlsafe(9)
        organiser = auth_services.create_user(
            ORGANISER_EMAIL, Role.ORGANISER, password, name="Claire Fontaine"
        )
    series = db.session.scalar(select(Series).where(Series.slug == SERIES_SLUG))
    if series is not None:
        return DemoResult(series, False, ORGANISER_EMAIL, password, admin_password=ensure_admin())

    logo = pictures.stored(pictures.logo_png(), Kind.LOGO)
    cover = pictures.stored(pictures.cover_png(), Kind.COVER)
    series = event_services.create_series(
        name="Café des entreprenants de Vienne",
        logo_sha256=logo.sha256,
        city="Vienne (Isère)",
        timezone="Europe/Paris",
        slug=SERIES_SLUG,
        description=(
            "Chaque mois, entrepreneurs, indépendants et commerçants du pays viennois se "
            "retrouvent autour d’un thème, d’un intervenant et d’un verre.\n\n"
            "**Le but : repartir en sachant qui travaille à côté de chez vous.**"
        ),
        default_venue_name="Café du Théâtre",
        default_venue_address="3 rue Chantelouve, 38200 Vienne",
        default_capacity=40,
        contact_email="bonjour@demo.example.org",
        team=[organiser],
    )
    (past_y, past_m), (next_y, next_m) = _months_around(today)
    past_start = _second_thursday_at_seven(past_y, past_m)
    past = event_services.create_event(
        series,
        title="Café des entreprenants de Vienne — Réseaux sociaux : pour quoi faire ?",
        theme="Réseaux sociaux : pour quoi faire ?",
        description="LinkedIn, Facebook, Instagram : lesquels servent vraiment une petite "
        "entreprise locale, et combien de temps y consacrer ?",
        starts_at=past_start,
        ends_at=past_start + timedelta(hours=2, minutes=30),
        status=EventStatus.PUBLISHED,
    )
    event_services.add_speaker(
        past, name="Sophie Garnier", title="Consultante en communication", company="Studio Pilat Design",
        bio="Accompagne depuis dix ans les commerçants de la vallée du Rhône sur les réseaux sociaux.",
    )  # fmt: skip
    next_start = _second_thursday_at_seven(next_y, next_m)
    upcoming = event_services.create_event(
        series,
        title="Café des entreprenants de Vienne — Travailler par et sur Internet",
        theme="Travailler par et sur Internet",
        description="Vendre en ligne, travailler à distance, être trouvé sur Internet quand on "
        "est une entreprise de proximité : retours d'expérience et questions libres.\n\n"
        "- 19:00 accueil\n- 19:30 intervention et échanges\n- 20:15 rencontres libres",
        starts_at=next_start,
        ends_at=next_start + timedelta(hours=2, minutes=30),
        status=EventStatus.PUBLISHED,
        cover_sha256=cover.sha256,
    )
    event_services.add_speaker(
        upcoming, name="Julien Mercier", title="Développeur indépendant", company="NumériSoft",
        bio="Conçoit des outils en ligne pour les artisans et les commerces du pays viennois.",
    )  # fmt: skip
    event_services.add_speaker(
        upcoming, name="Hélène Faure", title="Formatrice", company="Formation Isère Numérique",
    )  # fmt: skip

    rng = random.Random(38200)
    people = _people(rng)
    attendee_token = None
    for index, person in enumerate(people[:34]):  # the past evening: 34 signed up, 28 came
        arrival = past_start + timedelta(minutes=rng.randint(-10, 35)) if index < 28 else None
        token = _register(past, person, RegistrationStatus.CONFIRMED, arrival)
        if attendee_token is None and arrival and person["visibility"] is Visibility.COMMUNITY:
            attendee_token = token  # someone who came and shows their card: the demo's guide
    # The past evening's directory opened the next morning (the demo sends no email).
    past.directory_opened_at = past.directory_announced_at = past.ends_at + timedelta(hours=12)
    for index, person in enumerate(people[24:60]):  # the next one: 34 confirmed, 6 seats left
        status = RegistrationStatus.CANCELLED if index < 2 else RegistrationStatus.CONFIRMED
        _register(upcoming, person, status, None)
    db.session.commit()
    return DemoResult(
        series, True, ORGANISER_EMAIL, password, attendee_token, admin_password=ensure_admin()
    )


def ensure_admin() -> str | None:
    """The demo's administrator, created once, and only in a database holding the demo
    (its series and organiser): never in a club's own. Its password when created now."""
    if auth_services.find_user_by_email(ADMIN_EMAIL) is not None:
        return None
    is_demo = db.session.scalar(select(Series.id).where(Series.slug == SERIES_SLUG))
    if is_demo is None or auth_services.find_user_by_email(ORGANISER_EMAIL) is None:
        return None
    password = secrets.token_urlsafe(9)
    auth_services.create_user(ADMIN_EMAIL, Role.ADMIN, password, name="Admin démo")
    return password
