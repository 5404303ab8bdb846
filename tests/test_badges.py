"""Organisers print badges; attendees download their ticket; a scanned code answers each reader
as it should. Through the app, with the PDFs read back by zbar."""

from __future__ import annotations

import base64
import email
import re
import shutil
from collections import Counter
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import select

from meetup.auth.models import TeamMember, TeamRole, User
from meetup.badges import services
from meetup.badges.layouts import LAYOUTS
from meetup.events.models import Event, Speaker
from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.mail.services import compose_drafts
from meetup.privacy import erasure
from meetup.registrations import services as registration_services
from meetup.registrations.models import Registration, TicketQR, Visibility
from meetup.registrations.qr import QRMatrix
from meetup.registrations.tickets import qr_text, ticket_matrix, ticket_matrix_to_keep
from meetup.timeutil import utcnow
from tests.helpers import csrf_from, log_in
from tests.scanning import decode, decode_labels, decode_pdf

TOKEN = "personal-link-token-0123456789abcdefghijklmnop"


@pytest.fixture
def evening(app, make, login):
    """An organiser logged in, their evening with five confirmed people and one waiting."""
    organiser = login("organiser")
    series = make.series(team=(organiser,))
    event = make.event(series)
    ids = [
        make.registration(event, first_name=first, last_name=last, company=company, **extra)
        for first, last, company, extra in [
            (
                "Marie",
                "Dupont",
                "Boulangerie Dupont",
                {"street": "12 rue Victor Hugo", "visibility": Visibility.COMMUNITY},
            ),
            (
                "Karim",
                "Benali",
                "Cyber Rhône",
                {
                    "visibility": Visibility.ATTENDEES,
                    "street": "3 bis, cours Brillier",
                    "postcode": "38200",
                    "street_on_badge": True,
                },
            ),
            (
                "Zoé",
                "Arnaud",
                "",
                {
                    "visibility": Visibility.COMMUNITY,
                    "street": "1 rue Victor Hugo",
                    "postcode": "38200",
                    "street_on_badge": True,
                },
            ),
            ("Léa", "Perrin", "Perrin & Associés", {}),
            ("Jean", "Morel", "Morel SARL", {"token": TOKEN}),
        ]
    ]
    make.registration(event, "waitlisted", first_name="Paul", last_name="Attente")
    return {"event": event, "series": series, "ids": ids, "organiser": organiser}


def _page(client, evening, **args) -> str:
    response = client.get(f"/admin/events/{evening['event']}/badges", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _post(client, evening, **data):
    token = csrf_from(_page(client, evening))
    form = {
        "layout": "a4-2x5",
        "which": "all",
        "order": "name",
        "mark_printed": "y",
        "action": "download",
    }
    return client.post(
        f"/admin/events/{evening['event']}/badges", data={**form, **data, "csrf_token": token}
    )


def _codes(app, ids) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(select(Registration).where(Registration.id.in_(ids)))
        return [qr_text(row.ticket_code) for row in rows]


def test_organiser_prints_everyone_with_a_seat(app, client, evening, tmp_path):
    response = _post(client, evening)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    # "Download the PDF": a file, not a page that replaces the one with the choices.
    assert response.headers["Content-Disposition"].startswith("attachment;")
    found = decode_labels(response.data, LAYOUTS["a4-2x5"], 150, tmp_path)
    assert Counter(found) == Counter(_codes(app, evening["ids"]))  # not the waitlisted one
    with app.app_context():
        printed = db.session.scalars(select(Registration.badge_printed_at)).all()
        assert sum(value is not None for value in printed) == 5
        assert db.session.scalar(select(db.func.count()).select_from(TicketQR)) == 5  # kept


def test_only_new_badges_after_a_first_print(app, client, evening, tmp_path):
    _post(client, evening)
    response = _post(client, evening, which="new")
    assert response.status_code == 422
    assert "Nobody to print" in response.get_data(as_text=True)

    # An attendee edits their card: their badge is to print again, theirs only.
    page = client.get(f"/r/{TOKEN}").get_data(as_text=True)
    client.post(
        f"/r/{TOKEN}",
        data={
            "csrf_token": csrf_from(page),
            "first_name": "Jean-Marc",
            "last_name": "Morel",
            "company": "Morel SARL",
            "visibility": "nobody",
            "language": "fr",
        },
    )
    response = _post(client, evening, which="new")
    assert response.status_code == 200
    assert decode_labels(response.data, LAYOUTS["a4-2x5"], 150, tmp_path) == _codes(
        app, [evening["ids"][4]]
    )


def test_a_preview_does_not_count_as_printed(app, client, evening):
    response = _post(client, evening, action="preview")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{200,}"', html)
    with app.app_context():
        assert (
            db.session.scalar(
                select(Registration.id).where(Registration.badge_printed_at.is_not(None))
            )
            is None
        )


def test_printing_a_selection_and_not_counting_it(app, client, evening, tmp_path):
    chosen = evening["ids"][1:3]
    response = _post(
        client, evening, which="selected", selected=[str(i) for i in chosen], mark_printed=""
    )
    found = decode_labels(response.data, LAYOUTS["a4-2x5"], 150, tmp_path)
    assert Counter(found) == Counter(_codes(app, chosen))
    with app.app_context():
        assert (
            db.session.scalar(
                select(Registration.id).where(Registration.badge_printed_at.is_not(None))
            )
            is None
        )


def test_one_persons_badge_from_the_registration_list(app, client, evening, tmp_path):
    one = evening["ids"][3]
    html = client.get(f"/admin/events/{evening['event']}/registrations").get_data(as_text=True)
    assert f"/admin/events/{evening['event']}/badges?registration={one}" in html
    page = _page(client, evening, registration=one)
    assert re.search(rf'value="{one}" checked', page)
    assert re.search(
        r'<option selected value="single-a6">|<option value="single-a6" selected>', page
    )
    response = _post(client, evening, which="selected", selected=str(one), layout="single-a6")
    assert decode_pdf(response.data, 150, tmp_path) == _codes(app, [one])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"which": "selected"}, "Tick at least one person."),
        ({"which": "selected", "selected": "999999"}, "no longer has a seat"),
        ({"layout": "a0-poster"}, "Not a valid choice"),
        ({"which": "everyone-ever"}, "Not a valid choice"),
        ({"order": "random"}, "Not a valid choice"),
        ({"which": "selected", "selected": "abc"}, "Invalid choice"),
    ],
)
def test_bad_choices_are_explained_and_kept(client, evening, data, message):
    response = _post(client, evening, **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'class="field-error"' in html


def test_a_waitlisted_persons_id_cannot_be_slipped_in(app, client, evening):
    with app.app_context():
        waiting = db.session.scalar(
            select(Registration.id).where(Registration.last_name == "Attente")
        )
    response = _post(client, evening, which="selected", selected=str(waiting))
    assert response.status_code == 422


def test_a_stale_tick_is_dropped_and_the_other_ticks_are_kept(app, client, evening):
    with app.app_context():
        waiting = db.session.scalar(
            select(Registration.id).where(Registration.last_name == "Attente")
        )
    kept = evening["ids"][1]
    response = _post(client, evening, which="selected", selected=[str(kept), str(waiting)])
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "was unticked" in html
    assert re.search(rf'value="{kept}" checked', html)
    assert not re.search(rf'value="{waiting}" checked', html)


def test_calibration_pages(client, evening, tmp_path):
    for name in ("a4-2x5", "avery-5395", "a4-foldover"):
        response = client.get(f"/admin/badges/calibration/{name}.pdf")
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert client.get("/admin/badges/calibration/nope.pdf").status_code == 404
    assert "/admin/badges/calibration/a4-2x5.pdf" in _page(client, evening)


def test_badge_pages_are_for_the_series_organisers_only(app, make, evening):
    url = f"/admin/events/{evening['event']}/badges"
    assert app.test_client().get(url).status_code == 302  # to the login page
    for role in ("door", "organiser"):  # a volunteer, an organiser of another series
        client = app.test_client()
        email = make.user(role)
        if role == "door":
            with app.app_context():
                from meetup.auth.services import find_user_by_email
                from meetup.events.models import Series

                series = db.session.scalar(select(Series).where(Series.slug == evening["series"]))
                series.memberships.append(
                    TeamMember(user=find_user_by_email(email), role=TeamRole.DOOR)
                )
                db.session.commit()
        log_in(client, email)
        assert client.get(url).status_code == 403


def test_french_badges_say_it_in_french(app, evening):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        words = services.words()
        assert words.ask_me_about == "Parlez-moi de"
        assert words.roles["first_time"] == "Première fois"


# -- what a badge says ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("street", "name"),
    [
        ("12 rue de la Paix", "rue de la Paix"),
        ("12 bis, rue de la Paix", "rue de la Paix"),
        ("3ter avenue Berthelot", "avenue Berthelot"),
        ("Hauptstraße 12", "Hauptstraße"),
        ("221B Baker Street", "Baker Street"),
        ("chemin du Bois", "chemin du Bois"),
        ("", ""),
        ("rue de la Paix, 12", "rue de la Paix"),
        ("Chez Dupont, 3 rue Victor Hugo", "rue Victor Hugo"),
        ("Bât. A, 3 rue Victor Hugo", "rue Victor Hugo"),
        ("12-14 rue de la Paix", "rue de la Paix"),
        ("12 à 14 rue de la Paix", "rue de la Paix"),
        ("12 rue du 8 Mai 1945", "rue du 8 Mai 1945"),
        ("avenue du 11 Novembre 1918", "avenue du 11 Novembre 1918"),
        ("Route Nationale 7", "Route Nationale 7"),
        ("Immeuble Le Mercure, 5 allée des Tilleuls", "allée des Tilleuls"),
        ("7", ""),
    ],
)
def test_the_street_without_its_number(street, name):
    assert services.street_name(street) == name


def test_badge_content_and_consent(app, evening):
    with app.app_context():
        rows = {r.first_name: r for r in db.session.scalars(select(Registration))}
        line = "Soirée · 12 mars"
        marie = services.badge_for(rows["Marie"], "first_time", line)
        karim = services.badge_for(rows["Karim"], "regular", line)
        assert marie.neighbourhood == ""  # shares her card, but did not ask for her street
        assert karim.neighbourhood == "cours Brillier"
        assert (karim.first_name, karim.company, karim.role) == ("Karim", "Cyber Rhône", "regular")
        assert marie.qr.size == 29


def test_roles_speaker_organiser_regular_first_time(app, make, evening):
    earlier = make.event(evening["series"], starts_at=utcnow() - timedelta(days=30))
    make.registration(
        earlier,
        first_name="Léa",
        last_name="Perrin",
        email="lea@example.org",
        checked_in_at=utcnow() - timedelta(days=30),
    )
    make.registration(
        earlier, first_name="Zoé", last_name="Arnaud", email="zoe@example.org"
    )  # no-show
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == evening["event"]))
        event.speakers.append(Speaker(name="Jean MOREL"))
        rows = {
            r.first_name: r
            for r in db.session.scalars(
                select(Registration).where(Registration.event_id == event.id)
            )
        }
        rows["Léa"].email = "LEA@example.org"
        rows["Zoé"].email = "zoe@example.org"
        rows["Karim"].email = evening["organiser"]
        db.session.commit()
        roles = services.roles_for(event, list(rows.values()))
        named = {first: roles[row.id] for first, row in rows.items()}
    assert named == {
        "Jean": "speaker",
        "Karim": "organiser",
        "Léa": "regular",
        "Zoé": "first_time",  # registered before but did not come
        "Marie": "first_time",
        "Paul": "first_time",
    }


def test_order_by_neighbourhood_puts_neighbours_together(app, evening):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == evening["event"]))
        rows = services.select_registrations(
            event, services.Which.ALL, services.Order.NEIGHBOURHOOD
        )
        assert [r.first_name for r in rows] == ["Karim", "Zoé", "Marie", "Jean", "Léa"]
        rows = services.select_registrations(event, services.Which.ALL, services.Order.NAME)
        assert [r.last_name for r in rows] == ["Arnaud", "Benali", "Dupont", "Morel", "Perrin"]


# -- the QR code and the ticket ---------------------------------------------------------------


def test_qr_text_is_short_upper_case_and_personal_data_free(app, evening):
    with app.app_context():
        row = db.session.get(Registration, evening["ids"][0])
        content = qr_text(row.ticket_code)
        assert content == f"HTTP://LOCALHOST/B/{row.ticket_code}"
        assert "marie" not in content.lower() and "dupont" not in content.lower()
        assert ticket_matrix(row).size <= 29  # version 3 at most


def test_matrix_is_encoded_once_and_again_when_the_base_url_changes(app, evening, monkeypatch):
    from meetup.registrations import tickets

    encoded = []
    real_encode = tickets.encode
    monkeypatch.setattr(tickets, "encode", lambda text: encoded.append(text) or real_encode(text))
    with app.app_context():
        row = db.session.get(Registration, evening["ids"][0])
        first = ticket_matrix(row)
        db.session.commit()
        assert ticket_matrix(row) == first and row.ticket_qr.content.startswith("HTTP://LOCALHOST/")
        assert len(encoded) == 1  # the second came from storage
        app.config["BASE_URL"] = "https://meetup.example.org"
        try:
            moved = ticket_matrix(row)
            assert row.ticket_qr.content.startswith("HTTPS://MEETUP.EXAMPLE.ORG/B/")
            assert moved != first and len(encoded) == 2
        finally:
            app.config["BASE_URL"] = "http://localhost"
        db.session.rollback()


def test_attendee_downloads_a_ticket_pdf(app, evening, tmp_path):
    client = app.test_client()
    page = client.get(f"/r/{TOKEN}").get_data(as_text=True)
    assert f"/r/{TOKEN}/ticket.pdf" in page
    response = client.get(f"/r/{TOKEN}/ticket.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Referrer-Policy"] == "strict-origin"
    assert decode_pdf(response.data, 100, tmp_path) == _codes(app, [evening["ids"][4]])


def test_no_ticket_pdf_without_a_seat_or_with_a_wrong_link(app, client, make, evening):
    make.registration(
        evening["event"], "waitlisted", token="waiting-token-0123456789abcdefghijklmn"
    )
    assert client.get("/r/waiting-token-0123456789abcdefghijklmn/ticket.pdf").status_code == 404
    assert client.get("/r/not-a-token/ticket.pdf").status_code == 404


def test_scanning_a_ticket_answers_each_reader_as_it_should(app, client, make, evening, tmp_path):
    with app.app_context():
        code = db.session.get(Registration, evening["ids"][0]).ticket_code
    for path in (f"/b/{code}", f"/B/{code}", f"/b/{code.lower()}"):
        html = client.get(path).get_data(as_text=True)  # the organiser of the series
        assert "Marie Dupont" in html and "Has a seat." in html
    client = app.test_client()
    html = client.get(f"/B/{code}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Marie" not in html and "Dupont" not in html  # anyone: the evening only
    assert "This is a ticket for this evening." in html
    # ... and its code, to show at the door: the plain-text email links here.
    assert "If it is yours: show this code at the door." in html
    qr = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    image = tmp_path / "ticket.png"
    image.write_bytes(base64.b64decode(qr))
    with app.app_context():
        assert decode([image]) == [qr_text(code)]
    log_in(client, make.user("organiser"))  # of another series
    assert "Dupont" not in client.get(f"/B/{code}").get_data(as_text=True)
    assert client.get("/B/UNKNOWNCODE").status_code == 404
    assert client.get("/B/" + "A" * 41).status_code == 404
    assert client.get("/b/%00%00%00%00%00%00%00%00").status_code in (400, 404)  # never a 500


@pytest.mark.parametrize(
    ("reader", "sees_the_person"),
    [
        ("door_on_team", True),
        ("door_elsewhere", False),
        ("admin_off_team", True),
        ("organiser_elsewhere", False),
    ],
)
def test_scanning_a_ticket_by_staff_roles(app, make, evening, reader, sees_the_person):
    door_on_team, door_elsewhere = make.user("door"), make.user("door")
    make.series(team=(door_elsewhere,))
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == evening["event"]))
        event.series.memberships.append(
            TeamMember(
                user=db.session.scalar(select(User).where(User.email == door_on_team)),
                role=TeamRole.DOOR,
            )
        )
        db.session.commit()
        code = db.session.get(Registration, evening["ids"][0]).ticket_code
    email_of = {
        "door_on_team": door_on_team,
        "door_elsewhere": door_elsewhere,
        "admin_off_team": make.user("admin"),
        "organiser_elsewhere": make.user("organiser"),
    }
    client = app.test_client()
    log_in(client, email_of[reader])
    html = client.get(f"/b/{code}").get_data(as_text=True)
    assert ("Marie Dupont" in html) is sees_the_person


def test_confirmation_email_carries_the_ticket_qr_code(app, client, make, tmp_path):
    series = make.series()
    event = make.event(series)
    client.post(
        f"/events/{event}/signup",
        data={
            "csrf_token": csrf_from(client.get(f"/events/{event}/signup").get_data(as_text=True)),
            "first_name": "Inès",
            "last_name": "Gauthier",
            "email": "ines@example.org",
            "visibility": "nobody",
            "language": "fr",
        },
    )
    with app.app_context():
        assert compose_drafts() == 1  # what the mail worker does first
        expected = qr_text(db.session.scalar(select(Registration.ticket_code)))
        raw = db.session.scalar(
            select(OutboxMessage.raw).where(OutboxMessage.kind == "confirmation")
        )
    message = email.message_from_bytes(raw, policy=policy.default)
    (png,) = [part for part in message.walk() if part.get_content_type() == "image/png"]
    image = tmp_path / "ticket.png"
    image.write_bytes(png.get_content())
    assert decode([image]) == [expected]


def test_the_confirmation_keeps_the_qr_matrix_for_the_badge(app, client, make, monkeypatch):
    """Encoded once, when the email is written: the first badge print encodes nothing."""
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    event = make.event(series)
    with app.app_context():
        found = db.session.scalar(select(Event).where(Event.slug == event))
        profile = registration_services.Profile("Inès", "Gauthier", "ines@example.org")
        registration_services.register(found, profile)
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(TicketQR)) == 0
        assert compose_drafts() == 1
        (kept,) = db.session.scalars(select(TicketQR)).all()
        assert kept.content == qr_text(db.session.scalar(select(Registration.ticket_code)))
        assert compose_drafts() == 0

        def no_encoding(text):
            raise AssertionError(f"encoded again: {text}")

        monkeypatch.setattr("meetup.registrations.tickets.encode", no_encoding)
        rows = services.printable(found)
        pdf = services.badges_pdf(found, rows, LAYOUTS["single-a6"], mark_printed=True)
        assert pdf.startswith(b"%PDF")
        assert services.out_of_date(found, services.printable(found)) == set()


def test_cli_writes_badges_and_only_new_ones_next_time(app, runner, evening, tmp_path):
    target = tmp_path / "badges.pdf"
    result = runner.invoke(
        args=["badges", evening["event"], "--layout", "a6-4up", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "5 badges" in result.output
    found = decode_labels(target.read_bytes(), LAYOUTS["a6-4up"], 100, tmp_path / "scan")
    assert sorted(found) == sorted(_codes(app, evening["ids"]))
    result = runner.invoke(args=["badges", evening["event"], "-o", str(target), "--only-new"])
    assert result.exit_code == 0 and "no badge to print" in result.output
    assert runner.invoke(args=["badges", "nope", "-o", str(target)]).exit_code != 0
    assert (
        runner.invoke(
            args=["badges", evening["event"], "-o", str(target), "--layout", "a0"]
        ).exit_code
        != 0
    )
    help_text = runner.invoke(args=["badges", "--help"]).output
    assert all(name in help_text for name in ("a4-2x5", "a6-4up", "avery-5395", "a4-foldover"))


def test_a_changed_badge_is_printed_again_but_a_changed_language_is_not(app, evening):
    """What counts is what the badge says: the card, the evening's title or date, the role."""
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == evening["event"]))
        row = db.session.get(Registration, evening["ids"][0])
        services.badges_pdf(event, [row], LAYOUTS["single-a6"], mark_printed=True)
        assert row.id not in services.out_of_date(event, [row])
        profile = registration_services.Profile(
            **{
                name: getattr(row, name)
                for name in registration_services.Profile.__dataclass_fields__
            }
        )
        profile.language = "en"
        registration_services.update_profile(row, profile)
        assert row.id not in services.out_of_date(event, [row])
        profile.company = "Nouvelle entreprise"
        registration_services.update_profile(row, profile)
        assert row.id in services.out_of_date(event, [row])
        services.badges_pdf(event, [row], LAYOUTS["single-a6"], mark_printed=True)
        event.theme = "Un autre thème"
        db.session.commit()
        assert row.id in services.out_of_date(event, [row])
        services.badges_pdf(event, [row], LAYOUTS["single-a6"], mark_printed=True)
        db.session.add(Speaker(name="Marie Dupont", event=event))
        db.session.commit()
        assert row.id in services.out_of_date(event, [row])  # now a speaker: a new band


def test_organisers_are_told_which_badges_would_lose_letters(client, make, evening):
    make.registration(evening["event"], first_name="สมชาย", last_name="Dupont 🚀")
    page = _page(client, evening)
    assert "สมชาย Dupont" in page and "(สมชาย)" in page  # the emoji is not worth a warning
    assert "Marie Dupont <span" not in page  # Latin names are fine


def test_every_layout_has_a_title_for_organisers():
    from meetup.badges.forms import LAYOUT_TITLES

    assert set(LAYOUT_TITLES) == set(LAYOUTS)


def test_only_the_person_can_ask_for_their_street_on_the_badge(client, evening):
    """The organisers' "add a person" form has no such box, and a forged one is ignored."""
    page = client.get(f"/admin/events/{evening['event']}/registrations/new").get_data(as_text=True)
    assert 'name="street_on_badge"' not in page
    client.post(
        f"/admin/events/{evening['event']}/registrations/new",
        data={"csrf_token": csrf_from(page), "first_name": "Paul", "last_name": "Forgé",
              "email": "paul@example.org", "street": "3 rue Victor Hugo",
              "street_on_badge": "y", "visibility": "community", "language": "fr"},
    )  # fmt: skip
    with client.application.app_context():
        paul = db.session.scalar(select(Registration).where(Registration.last_name == "Forgé"))
        assert paul is not None and not paul.street_on_badge


def test_fingerprint_follows_what_the_badge_prints(app, evening):
    """A later start the same day, or spaces in the title, print the same badge."""
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == evening["event"]))
        row = db.session.get(Registration, evening["ids"][0])
        services.badges_pdf(event, [row], LAYOUTS["single-a6"], mark_printed=True)
        event.starts_at = event.starts_at + timedelta(minutes=30)
        event.theme = "  " + event.theme.replace(" ", "  ") + " "
        db.session.commit()
        assert row.id not in services.out_of_date(event, [row])


def test_a_door_volunteer_sees_nobody_on_a_past_evenings_ticket(app, make, evening):
    door_on_team = make.user("door")
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == evening["event"]))
        event.series.memberships.append(
            TeamMember(
                user=db.session.scalar(select(User).where(User.email == door_on_team)),
                role=TeamRole.DOOR,
            )
        )
        event.starts_at = utcnow() - timedelta(days=200)
        event.ends_at = event.starts_at + timedelta(hours=2)
        db.session.commit()
        code = db.session.get(Registration, evening["ids"][0]).ticket_code
    client = app.test_client()
    log_in(client, door_on_team)
    assert "Dupont" not in client.get(f"/b/{code}").get_data(as_text=True)


def test_a_ticket_page_shows_no_code_once_it_cannot_be_used(app, client, make):
    past = make.event(make.series(), starts_at=utcnow() - timedelta(days=2))
    cancelled = make.event(make.series())
    codes = []
    for slug, status in ((past, "confirmed"), (cancelled, "cancelled")):
        rid = make.registration(slug, status=status)
        with app.app_context():
            codes.append(db.session.get(Registration, rid).ticket_code)
    for code in codes:
        html = client.get(f"/b/{code}").get_data(as_text=True)
        assert "data:image/png" not in html


def test_the_series_logo_is_printed_on_its_badges(app, client, evening, tmp_path):
    from meetup.events.models import Series
    from meetup.images.processing import Kind, clean
    from meetup.images.store import store
    from tests import pictures
    from tests.scanning import rasterise

    with app.app_context():
        logo = store(clean(pictures.club_logo(), Kind.LOGO))
        db.session.scalar(
            select(Series).where(Series.slug == evening["series"])
        ).logo_sha256 = logo.sha256
        db.session.commit()
    response = _post(client, evening)
    assert response.status_code == 200
    assert response.data.count(b"/Subtype /Image") == 2  # the logo and its mask, once
    found = decode_labels(response.data, LAYOUTS["a4-2x5"], 150, tmp_path)
    assert Counter(found) == Counter(_codes(app, evening["ids"]))
    # For a person to look at: test-artifacts/badges-with-logo-a4-2x5.png.
    (page,) = rasterise(response.data, 100, tmp_path / "colour", gray=False)
    artifacts = Path(__file__).resolve().parent.parent / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shutil.copy(page, artifacts / "badges-with-logo-a4-2x5.png")


def test_the_qr_path_is_kept_with_the_matrix_and_reused(app, make, monkeypatch):
    """The merged QR path (QRMatrix.pdf_path) is stored with the matrix wherever the matrix
    is, filled in once for rows kept without it, and later prints draw it as stored: the same
    PDF, byte for byte, without working the rectangles out again."""
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    event = make.event(series)
    ids = [make.registration(event, first_name=name) for name in ("Inès", "Paul", "Zoé")]

    def fresh_path(row: TicketQR) -> str:
        return QRMatrix.from_bytes(row.modules).pdf_path  # worked out, not read

    with app.app_context():
        found = db.session.scalar(select(Event).where(Event.slug == event))
        first, second, third = (db.session.get(Registration, i) for i in ids)
        # The mail worker's way (INSERT … ON CONFLICT DO UPDATE), then the page's way.
        _, keep = ticket_matrix_to_keep(first)
        db.session.execute(keep)
        ticket_matrix(second)
        db.session.commit()
        rows = db.session.scalars(select(TicketQR)).all()
        assert len(rows) == 2 and all(row.pdf_path == fresh_path(row) for row in rows)
        # What it says changes (BASE_URL): encoded again, the path with it.
        monkeypatch.setitem(app.config, "BASE_URL", "https://autre-club.example.org")
        for registration in (first, second):
            db.session.refresh(registration)
        _, keep = ticket_matrix_to_keep(first)
        db.session.execute(keep)
        ticket_matrix(second)
        db.session.commit()
        rows = db.session.scalars(select(TicketQR)).all()
        assert all("AUTRE-CLUB" in row.content for row in rows)
        assert all(row.pdf_path == fresh_path(row) for row in rows)
        # Rows kept before the path was: filled in by the first print (the third encoded now).
        db.session.execute(db.update(TicketQR).values(pdf_path=None))
        db.session.commit()
        pdf = services.badges_pdf(
            found, services.printable(found), LAYOUTS["a4-2x5"], mark_printed=True
        )
        rows = db.session.scalars(select(TicketQR)).all()
        assert len(rows) == 3 and all(row.pdf_path == fresh_path(row) for row in rows)
        assert third.id in {row.registration_id for row in rows}

        def no_rectangles(self):
            raise AssertionError("rectangles worked out again")

        monkeypatch.setattr(QRMatrix, "rectangles", property(no_rectangles))
        again = services.badges_pdf(
            found, services.printable(found), LAYOUTS["a4-2x5"], mark_printed=True
        )
        assert again == pdf
        # An erasure takes the path away with the matrix (the row goes).
        erasure.erase([db.session.get(Registration, first.id)])
        kept = set(db.session.scalars(select(TicketQR.registration_id)))
        assert kept == {second.id, third.id}
