"""An organiser invites a door volunteer; the email reaches the SMTP server; the volunteer
opens it on a phone, chooses a password and lands on the door screen."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from meetup.extensions import db
from meetup.mail import services as mail_services
from meetup.timeutil import utcnow
from tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.browser

LINK = re.compile(r"http://localhost(/invitations/[A-Za-z0-9_-]{40,})")


def test_an_invited_volunteer_joins_from_the_email_and_reaches_the_door(
    app, page, phone, make, smtp
):
    organiser = make.user("organiser", name="Odile Martin")
    series = make.series(team=(organiser,), name="Café des entreprenants de Vienne")
    make.event(series, starts_at=utcnow() + timedelta(hours=2))

    log_in(page, organiser)
    page.goto(f"/admin/series/{series}")
    page.get_by_role("link", name="Inviter, changer les rôles, retirer").click()
    page.fill("#email", "vera.benevole@example.org")
    page.select_option("#role", "door")
    page.get_by_role("button", name="Envoyer l’invitation").click()
    expect(page.locator(".flash, [role=status], .notice").first).to_contain_text(
        "Invitation envoyée à vera.benevole@example.org"
    )
    expect(page.locator("table")).to_contain_text("vera.benevole@example.org")
    screenshot(page, "team-invitation-pending")

    with app.app_context():
        report = mail_services.deliver_due(smtp.transport())
        db.session.remove()
    assert report.sent == 1
    (message,) = smtp.inbox.messages()
    assert message["To"].addresses[0].addr_spec == "vera.benevole@example.org"
    text = message.get_body(("plain",)).get_content()
    assert (
        "Odile Martin vous invite à rejoindre l’équipe de Café des entreprenants de Vienne" in text
    )
    path = LINK.search(text).group(1)

    phone.goto(path)
    expect(phone.locator("h1")).to_contain_text("Rejoindre l’équipe de Café des entreprenants")
    phone.fill("#name", "Véra")
    phone.fill("#password", "un mot de passe assez long")
    phone.fill("#confirm", "un mot de passe assez long")
    screenshot(phone, "team-invitation-phone")
    phone.get_by_role("button", name="Rejoindre l’équipe").click()
    expect(phone).to_have_url(re.compile(r"/door/$"))
    expect(phone.locator("main")).to_contain_text("Bienvenue dans l’équipe")
    expect(
        phone.get_by_role("link", name=re.compile("Travailler par et sur Internet"))
    ).to_be_visible()
    screenshot(phone, "team-invitation-door")
    assert urlsplit(phone.url).path == "/door/"

    # The organiser's pending list no longer shows it; the team does.
    page.reload()
    expect(page.locator("#members + ul")).to_contain_text("Véra")
    expect(page.locator("main")).not_to_contain_text("vera.benevole@example.org</td>")

    # Her role in this series: door volunteer; the organiser makes her an organiser here.
    vera = page.locator("#members + ul li", has_text="Véra")
    expect(vera.locator("strong")).to_have_text("bénévole à l’accueil")
    vera.get_by_label("Rôle dans cette série").select_option("organiser")
    vera.get_by_role("button", name="Changer le rôle").click()
    expect(page.locator(".flash, [role=status], .notice").first).to_contain_text(
        "Véra est désormais organisateur·rice de cette série."
    )
    expect(page.locator("#members + ul li", has_text="Véra").locator("strong")).to_have_text(
        "organisateur·rice"
    )
    screenshot(page, "team-roles")
    # Back to the door; then Odile, the only organiser left, cannot step down.
    vera = page.locator("#members + ul li", has_text="Véra")
    vera.get_by_label("Rôle dans cette série").select_option("door")
    vera.get_by_role("button", name="Changer le rôle").click()
    # (The server refuses it too: tests/test_team_roles.py.) The page offers no role change.
    odile = page.locator("#members + ul li", has_text="Odile Martin")
    expect(odile).to_contain_text("Seule personne organisatrice de cette série")
    expect(odile.get_by_label("Rôle dans cette série")).to_have_count(0)
    expect(odile.locator("strong")).to_have_text("organisateur·rice")
    screenshot(page, "team-last-organiser")
