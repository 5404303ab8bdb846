"""A door volunteer on a phone: a USB/Bluetooth scanner types codes, a name is searched."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.registrations.tickets import ticket_matrix
from meetup.timeutil import utcnow
from tests.browser.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE_USER_AGENT,
    PageGuard,
    log_in,
    screenshot,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def tonight(make) -> tuple[str, str]:
    """A door volunteer and the evening on now of their series: (email, event slug)."""
    volunteer = make.user("door")
    slug = make.event(
        make.series(team=(volunteer,), name="Café des entreprenants de Vienne"),
        starts_at=utcnow() - timedelta(minutes=15),
    )
    return volunteer, slug


def test_door_volunteer_checks_people_in_with_a_scanner_and_by_name(app, phone, make, tonight):
    volunteer, slug = tonight
    marie = make.registration(
        slug, first_name="Marie", last_name="Dupont", company="Boulangerie Dupont"
    )
    make.registration(slug, first_name="Élodie", last_name="Œuvray", company="Studio Pilat")
    make.registration(slug, status="waitlisted", first_name="Wanda", last_name="Attente")
    with app.app_context():
        code = db.session.scalar(select(Registration.ticket_code).where(Registration.id == marie))

    log_in(phone, volunteer, lands_on="/door/")
    phone.get_by_role("link", name=re.compile("Travailler par et sur Internet")).click()
    expect(phone.locator("#count-in")).to_have_text("0")
    # A touch screen: the field does not take the focus by itself (the keyboard would come
    # up over the answers); a Bluetooth scanner's volunteer taps it once.
    expect(phone.locator("#code")).not_to_be_focused()
    phone.locator("#code").tap()

    # A scanner in keyboard mode types the QR code's text, then Enter.
    phone.keyboard.type(f"HTTPS://MEETUP.EXAMPLE.ORG/B/{code}\n")
    answer = phone.locator("#answer")
    expect(answer).to_have_class(re.compile("tone-ok"))
    expect(phone.locator("#answer-title")).to_have_text("Bienvenue Marie — première fois !")
    # read out once punctuated (views.Shown.spoken), not "… première fois !. Boulangerie"
    expect(phone.locator("#announce")).to_have_text(
        "Bienvenue Marie — première fois ! Boulangerie Dupont"
    )
    expect(phone.locator("#count-in")).to_have_text("1")
    expect(phone.locator("#code")).to_have_value("")
    expect(phone.locator("#code")).to_be_focused()  # ready for the next badge
    screenshot(phone, "door-welcome-phone-fr")

    # The wrong person was let in: undo, right from the answer.
    phone.get_by_role("button", name="Annuler cette entrée").click()
    expect(phone.locator("#answer-title")).to_have_text("Entrée annulée")
    expect(phone.locator("#count-in")).to_have_text("0")

    expect(phone.locator("#code")).not_to_be_focused()  # the Undo button has it
    phone.locator("#code").tap()
    phone.keyboard.type(f"{code}\n")
    expect(phone.locator("#answer-title")).to_have_text("Bienvenue Marie — première fois !")
    phone.keyboard.type(f"{code}\n")
    expect(answer).to_have_class(re.compile("tone-warn"))
    expect(phone.locator("#answer-title")).to_contain_text("Déjà entré·e à")
    expect(phone.locator("#answer-detail")).to_have_text("Marie Dupont")
    screenshot(phone, "door-already-phone-fr")
    # The same Undo, for a check-in made a while ago or at another door.
    expect(phone.get_by_role("button", name="Annuler cette entrée")).to_be_visible()

    # Search by name, accents and case aside; waitlisted people cannot be let in from here.
    phone.locator("#q").fill("oeuvray")
    result = phone.locator("#people li", has_text="Élodie Œuvray")
    expect(result).to_be_visible()
    phone.locator("#q").fill("wanda")
    expect(phone.locator("#people li", has_text="Sur liste d’attente")).to_be_visible()
    expect(
        phone.get_by_role("button", name="Faire entrer Wanda Attente", exact=True)
    ).to_have_count(0)
    # ... but she is here: the volunteer lets her in anyway (a seat, as for a walk-in).
    phone.get_by_role(
        "button", name="Faire entrer Wanda Attente quand même (donne une place)"
    ).click()
    expect(phone.locator("#answer-title")).to_have_text("Bienvenue Wanda !")
    expect(phone.locator("#people li", has_text="Wanda")).to_contain_text("Entré·e à")
    expect(phone.locator("#count-in")).to_have_text("2")
    screenshot(phone, "door-admitted-phone-fr", full_page=False)
    phone.locator("#q").fill("elodie")
    expect(phone.locator("#search-status")).to_have_text("1 personne correspond")
    phone.get_by_role("button", name="Faire entrer Élodie Œuvray").click()
    expect(phone.locator("#answer-title")).to_have_text("Bienvenue Élodie — première fois !")
    expect(phone.locator("#people li", has_text="Élodie")).to_contain_text("Entré·e à")
    expect(phone.locator("#count-in")).to_have_text("3")
    screenshot(phone, "door-search-phone-fr")
    # Undone from the answer: the list below no longer says she is in.
    phone.get_by_role("button", name="Annuler cette entrée").click()
    expect(phone.locator("#answer-title")).to_have_text("Entrée annulée")
    expect(phone.locator("#people li", has_text="Élodie")).not_to_contain_text("Entré·e à")
    button = phone.get_by_role("button", name="Faire entrer Élodie Œuvray")
    assert button.bounding_box()["height"] >= 44  # a thumb's tap

    # The session ends (logged out elsewhere, or timed out): the screen says so, the code stays.
    phone.context.clear_cookies()
    phone.locator("#code").fill(code)
    phone.locator("#code").press("Enter")
    expect(phone.locator("#answer-title")).to_contain_text("reconnectez-vous")
    expect(phone.locator("#code")).to_have_value(code)


def test_door_volunteer_registers_a_walk_in_and_prints_badges(app, phone, make, tonight):
    volunteer, slug = tonight
    marie = make.registration(slug, first_name="Marie", last_name="Dupont")
    with app.app_context():
        code = db.session.scalar(select(Registration.ticket_code).where(Registration.id == marie))
    log_in(phone, volunteer, lands_on="/door/")
    phone.goto(f"/door/{slug}")

    phone.get_by_role("button", name="Quelqu’un sans inscription").click()
    phone.fill("#first_name", "Yasmine")
    phone.fill("#last_name", "Haddad")
    phone.fill("#email", "yasmine@example.org")
    phone.fill("#company", "Atelier Haddad")
    screenshot(phone, "door-walk-in-phone-fr")
    phone.get_by_role("button", name="Inscrire et faire entrer").click()
    expect(phone.locator("#answer-title")).to_have_text("Bienvenue Yasmine !")
    expect(phone.locator("#count-walk-ins")).to_have_text("1")
    expect(phone.locator("#count-walk-ins-word")).to_have_text("sans inscription")
    expect(phone.locator("#count-in")).to_have_text("1")

    # Her badge, from the answer: a one-badge PDF in a new tab, to print.
    with phone.context.expect_page() as opened:
        phone.get_by_role("button", name="Imprimer son badge").click()
    badge = opened.value
    badge.wait_for_load_state()
    assert badge.url.endswith(f"/door/{slug}/badge")
    badge.close()

    # Print mode: a scan opens the badge and lets nobody in.
    phone.locator("summary", has_text="Cette porte").click()
    phone.check("#print-only")
    phone.locator("#code").focus()
    with phone.context.expect_page() as opened:
        phone.keyboard.type(f"{code}\n")
    opened.value.close()
    expect(phone.locator("#answer-title")).to_have_text(
        "Badge ouvert dans un nouvel onglet, à imprimer"
    )
    expect(phone.locator("#count-in")).to_have_text("1")  # Marie is not checked in


def _camera_feed(path, image) -> None:
    """A Y4M video (what Chromium's fake camera plays, in a loop) showing `image`."""
    frame = Image.new("RGB", (640, 480), "white")
    image = image.convert("RGB")
    image.thumbnail((400, 400))
    frame.paste(image, ((640 - image.width) // 2, (480 - image.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    planes = y.tobytes() + cb.resize((320, 240)).tobytes() + cr.resize((320, 240)).tobytes()
    with open(path, "wb") as feed:
        feed.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(10):
            feed.write(b"FRAME\n" + planes)


def test_door_volunteer_checks_in_with_the_phone_camera(
    app, browser, live_server, make, tonight, tmp_path
):
    """Chromium's fake camera films a printed badge's QR code; the door screen reads it."""
    volunteer, slug = tonight
    marie = make.registration(slug, first_name="Marie", last_name="Dupont")
    with app.test_request_context():
        registration = db.session.get(Registration, marie)
        png = ticket_matrix(registration).png(box_size=10)
    feed = tmp_path / "badge.y4m"
    _camera_feed(feed, Image.open(io.BytesIO(png)))
    camera_browser = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={feed}",
        ],
        headless=True,
    )
    guard = PageGuard(live_server)
    try:
        context = camera_browser.new_context(
            base_url=live_server,
            locale="fr-FR",
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
            user_agent=PHONE_USER_AGENT,
        )
        context.grant_permissions(["camera"], origin=live_server)
        guard.watch(context)
        phone = context.new_page()
        log_in(phone, volunteer, lands_on="/door/")
        phone.goto(f"/door/{slug}")
        phone.get_by_role("button", name="Scanner avec l’appareil photo").click()
        expect(phone.locator("#answer-title")).to_have_text(
            "Bienvenue Marie — première fois !", timeout=15_000
        )
        expect(phone.locator("#count-in")).to_have_text("1")
        # The answer and the camera's preview under it, both on screen.
        for element in ("#answer", "#camera"):
            box = phone.locator(element).bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= 844, (element, box)
        expect(phone.locator("#code")).not_to_be_focused()
        screenshot(phone, "door-camera-phone-fr", full_page=False)
        phone.get_by_role("button", name="Arrêter l’appareil photo").click()
        expect(phone.locator("#camera")).to_be_hidden()
        guard.assert_clean()
    finally:
        camera_browser.close()


LONG_THEME = "Transformationnumériquedesentreprisesartisanalesetcommercesdeproximité"


def test_long_words_never_push_a_phone_page_sideways(app, phone, make):
    """One name, company or theme without spaces (they happen: German surnames, company
    names run together) used to widen the page past the screen: the door's search answer
    put its check-in button off-screen, the home page cut its cards."""
    organiser = make.user("organiser")
    slug = make.event(
        make.series(team=(organiser,)), theme=LONG_THEME, starts_at=utcnow() - timedelta(minutes=15)
    )
    make.registration(
        slug,
        first_name="Maximilienne-Alexandrine",
        last_name="Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaft",
        company="Établissementsgénérauxdeconstructionmétalliqueetmenuiserie",
    )

    def fits() -> bool:
        # Not window.innerWidth: a phone zooms out to show a page wider than its screen.
        width = phone.viewport_size["width"]
        return phone.evaluate("document.documentElement.scrollWidth") <= width

    phone.goto("/")
    assert fits(), "home page"
    phone.goto("/login")
    phone.fill("#email", organiser)
    phone.fill("#password", PASSWORD)
    phone.locator("main form button[type=submit]").click()
    phone.goto(f"/door/{slug}")
    phone.fill("#q", "wolfe")
    button = phone.locator(".door-people button").first
    expect(button).to_be_visible()
    assert fits(), "door screen"
    right = phone.evaluate("b => b.getBoundingClientRect().right", button.element_handle())
    assert right <= phone.viewport_size["width"]
    screenshot(phone, "door-long-name-phone")
    for path in (f"/admin/events/{slug}", f"/admin/events/{slug}/registrations"):
        phone.goto(path)
        assert fits(), path
    phone.set_viewport_size({"width": 320, "height": 640})
    assert fits(), "header at 320 px"


def test_door_search_stays_in_view_with_the_keyboard_up(app, phone, make, tonight):
    """The phone walk-through: the name search sat below the fold, and the keyboard hid it
    and its results. Tapped, it goes to the top of the screen with its results under it;
    checking someone in from the list leaves the focus off the code field (no keyboard
    over the answer)."""
    volunteer, slug = tonight
    for n in range(8):
        make.registration(slug, first_name=f"Personne{n}", last_name="Durand")
    make.registration(slug, first_name="Zoé", last_name="Berthier", company="Atelier Z")
    log_in(phone, volunteer, lands_on="/door/")
    phone.goto(f"/door/{slug}")
    search = phone.locator("#q")
    assert search.bounding_box()["y"] > 844 / 2  # low on the page, as it was
    search.tap()
    phone.keyboard.type("zoe")
    result = phone.locator("#people li", has_text="Zoé Berthier")
    expect(result).to_be_visible()
    # Keyboard up, about 40 % of the screen is left: the field and the result fit in it.
    phone.wait_for_timeout(400)
    assert 0 <= search.bounding_box()["y"] <= 60, search.bounding_box()
    assert result.bounding_box()["y"] + result.bounding_box()["height"] <= 844 * 0.6
    screenshot(phone, "door-search-keyboard-phone-fr", full_page=False)
    phone.get_by_role("button", name="Faire entrer Zoé Berthier").tap()
    expect(phone.locator("#answer-title")).to_have_text("Bienvenue Zoé — première fois !")
    phone.wait_for_timeout(400)  # the focus-return timer of the old screen
    box = phone.locator("#answer").bounding_box()  # the answer is seen, not scrolled away
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box
    expect(phone.locator("#code")).not_to_be_focused()


def test_on_a_computer_the_code_field_takes_the_focus_back(app, page, make, tonight):
    """A USB scanner types wherever the focus is: on a computer the field gets it back."""
    volunteer, slug = tonight
    make.registration(slug, first_name="Zoé", last_name="Berthier")
    log_in(page, volunteer, lands_on="/door/")
    page.goto(f"/door/{slug}")
    expect(page.locator("#code")).to_be_focused()
    page.locator("#q").fill("zoe")
    page.get_by_role("button", name="Faire entrer Zoé Berthier").click()
    expect(page.locator("#answer-title")).to_have_text("Bienvenue Zoé — première fois !")
    expect(page.locator("#code")).to_be_focused()
