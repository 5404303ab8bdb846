"""A series' logo and an evening's cover: checked and re-encoded on upload, kept in the
database under their hash, served to whom may see them, shown on the pages and in link
previews."""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import re
import sqlite3
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import delete, func, select, update
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from meetup.events.image_views import purge_job
from meetup.events.models import Event, Series
from meetup.extensions import db
from meetup.images import processing
from meetup.images.models import StoredImage
from meetup.images.processing import Kind, Problem, Rejected, clean
from meetup.images.store import store
from meetup.registrations import emails
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests import pictures
from tests.helpers import csrf_from, log_in, outbox, sign_up

# -- the pure core: what comes out of an upload ----------------------------------------------


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_photo_comes_out_upright_without_its_exif_and_gps():
    result = clean(pictures.photo_on_its_side(), Kind.COVER)
    image = _open(result.data)
    assert result.content_type == "image/jpeg" and image.format == "JPEG"
    # Stored 400 × 200 on its side; seen upright: 200 × 400, red above, blue below.
    assert (result.width, result.height) == image.size == (200, 400)
    red, blue = image.getpixel((100, 60)), image.getpixel((100, 340))
    assert red[0] > 180 and red[2] < 80, red
    assert blue[2] > 180 and blue[0] < 80, blue
    assert len(image.getexif()) == 0  # no orientation, no make, no GPS
    assert b"Exif" not in result.data and b"PhoneMaker" not in result.data
    assert "icc_profile" not in image.info and "exif" not in image.info


def test_a_transparent_logo_stays_transparent_and_loses_its_text_chunks():
    result = clean(pictures.transparent_logo(), Kind.LOGO)
    image = _open(result.data)
    assert result.content_type == "image/png" and image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0  # the background
    assert image.getpixel((60, 60)) == (*pictures.BLUE, 255)  # the disc
    assert image.info == {} and b"Someone" not in result.data


def test_pictures_are_shrunk_to_their_kind_never_enlarged():
    big = clean(pictures.plain("JPEG", size=(4000, 3000)), Kind.COVER)
    assert (big.width, big.height) == (1600, 1200)
    logo = clean(pictures.plain("PNG", size=(2000, 1000)), Kind.LOGO)
    assert (logo.width, logo.height) == (512, 256)
    small = clean(pictures.plain("PNG", size=(100, 50)), Kind.LOGO)
    assert (small.width, small.height) == (100, 50)


def test_a_transparent_png_as_a_cover_is_flattened_on_white():
    result = clean(pictures.transparent_logo(), Kind.COVER)
    image = _open(result.data)
    assert image.mode == "RGB"
    assert min(image.getpixel((2, 2))) > 245


@pytest.mark.parametrize("fmt", ["WEBP", "GIF"])
def test_webp_and_gif_are_taken_and_re_encoded(fmt):
    result = clean(pictures.plain(fmt), Kind.COVER)
    assert _open(result.data).format == "JPEG"


def test_an_animated_gif_keeps_its_first_frame():
    frames = [Image.new("RGB", (64, 64), colour) for colour in (pictures.RED, pictures.BLUE)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    image = _open(clean(buffer.getvalue(), Kind.LOGO).data)
    assert image.getpixel((10, 10))[0] > 180


def test_the_same_upload_gives_the_same_bytes():
    data = pictures.photo_on_its_side()
    assert clean(data, Kind.COVER).data == clean(data, Kind.COVER).data


BAD = {
    "text renamed .jpg": (pictures.TEXT, Problem.NOT_AN_IMAGE),
    "svg": (pictures.SVG, Problem.NOT_AN_IMAGE),
    "empty": (b"", Problem.EMPTY),
    "truncated jpeg": (pictures.photo_on_its_side()[:900], Problem.DAMAGED),
    "bomb past Pillow's limit": (pictures.png_header_only(30_000, 30_000), Problem.TOO_MANY_PIXELS),
    "bomb past ours": (pictures.png_header_only(8_000, 7_000), Problem.TOO_MANY_PIXELS),
    "too wide": (pictures.png_header_only(13_000, 100), Problem.TOO_MANY_PIXELS),
    "a sliver": (pictures.plain(size=(2000, 20)), Problem.BAD_DIMENSIONS),
    "too small": (pictures.plain(size=(8, 8)), Problem.BAD_DIMENSIONS),
    "too many bytes": (
        pictures.plain("JPEG") + b"\0" * processing.MAX_UPLOAD_BYTES,
        Problem.TOO_LARGE,
    ),
}


@pytest.mark.parametrize(("data", "problem"), BAD.values(), ids=BAD.keys())
def test_bad_uploads_are_refused_with_their_reason(data, problem):
    with pytest.raises(Rejected) as refused:
        clean(data, Kind.COVER)
    assert refused.value.problem is problem


def test_a_format_outside_the_list_is_refused_even_if_pillow_reads_it():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64)).save(buffer, "BMP")
    with pytest.raises(Rejected) as refused:
        clean(buffer.getvalue(), Kind.LOGO)
    assert refused.value.problem is Problem.NOT_AN_IMAGE


# -- storing and serving ----------------------------------------------------------------------


def _world(make, *, status="published"):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,), name="Café des entreprenants de Vienne")
    event = make.event(series, status=status, theme="Travailler par et sur Internet")
    return organiser, series, event


def _edit_series(client, slug, **data):
    page = client.get(f"/admin/series/{slug}/edit").get_data(as_text=True)
    values = {
        "name": "Café des entreprenants de Vienne",
        "timezone": "Europe/Paris",
        "default_capacity": "40",
        "csrf_token": csrf_from(page),
    }
    return _post(client, f"/admin/series/{slug}/edit", values | data)


def _edit_event(client, slug, **data):
    page = client.get(f"/admin/events/{slug}/edit").get_data(as_text=True)
    values = {name: value for name, value in _form_values(page).items()}
    values["csrf_token"] = csrf_from(page)
    return _post(client, f"/admin/events/{slug}/edit", values | data)


def _post(client, url: str, data: dict):
    """A multipart POST, its body in memory (the test client's own would be an unclosed
    temporary file past 500 KB)."""
    stream, length, boundary = stream_encode_multipart(data, use_tempfile=False)
    return client.post(
        url,
        input_stream=stream,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _form_values(page: str) -> dict[str, str]:
    """The text inputs and text areas of the event form, as the page fills them."""
    values = {}
    for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page):
        values[name] = html.unescape(value)
    for name, value in re.findall(r'<textarea[^>]*name="(\w+)"[^>]*>\s*([^<]*)</textarea>', page):
        values[name] = html.unescape(value)
    values.pop("csrf_token", None)
    return {k: v for k, v in values.items() if not k.endswith("_kept")}


def _upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name, content_type="application/octet-stream")


def _series(app, slug) -> Series:
    with app.app_context():
        series = db.session.scalar(select(Series).where(Series.slug == slug))
        db.session.expunge(series)
        return series


def _event(app, slug) -> Event:
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        db.session.expunge(event)
        return event


def test_an_organiser_uploads_a_logo_shown_on_the_pages(app, client, make):
    organiser, series, event = _world(make)
    log_in(client, organiser)
    response = _edit_series(client, series, logo=_upload(pictures.transparent_logo(), "l.png"))
    assert response.status_code == 302
    digest = _series(app, series).logo_sha256
    with app.app_context():
        stored = db.session.get(StoredImage, digest)
        assert hashlib.sha256(stored.data).hexdigest() == digest
        assert (stored.width, stored.height, stored.content_type) == (300, 120, "image/png")
    img = f'<img src="/images/{digest}.png" alt="The logo of Café des entreprenants de Vienne" width="300" height="120"'
    for page in (f"/series/{series}", f"/events/{event}"):
        assert img in html.unescape(client.get(page).get_data(as_text=True)), page


def test_replace_and_remove_a_logo(app, client, make):
    organiser, series, _event_slug = _world(make)
    log_in(client, organiser)
    _edit_series(client, series, logo=_upload(pictures.transparent_logo(), "l.png"))
    first = _series(app, series).logo_sha256
    _edit_series(client, series, logo=_upload(pictures.plain("PNG", size=(200, 200)), "2.png"))
    second = _series(app, series).logo_sha256
    assert second and second != first
    page = client.get(f"/admin/series/{series}/edit").get_data(as_text=True)
    assert f"/images/{second}.png" in page and "Remove the logo" in page
    # Saving the form again without a file keeps the logo.
    _edit_series(client, series, city="Vienne")
    assert _series(app, series).logo_sha256 == second
    _edit_series(client, series, remove_logo="y")
    assert _series(app, series).logo_sha256 is None
    assert f"/images/{second}.png" not in client.get(f"/series/{series}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (pictures.TEXT, "photo.jpg", "is not a picture we can use"),
        (pictures.SVG, "logo.svg", "is not a picture we can use"),
        (pictures.photo_on_its_side()[:900], "cut.jpg", "damaged or incomplete"),
        (pictures.png_header_only(30_000, 30_000), "bomb.png", "too many pixels"),
        (
            pictures.plain("JPEG") + b"\0" * processing.MAX_UPLOAD_BYTES,
            "big.jpg",
            "larger than 5 MB",
        ),
    ],
    ids=["text", "svg", "truncated", "bomb", "too big"],
)
def test_a_bad_picture_is_refused_and_nothing_typed_is_lost(
    app, client, make, data, filename, message
):
    organiser, series, _event_slug = _world(make)
    log_in(client, organiser)
    response = _edit_series(
        client,
        series,
        city="Vienne-sur-Rhône",
        description="Notre *club* du jeudi",
        logo=_upload(data, filename),
    )
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert message in page
    assert 'value="Vienne-sur-Rhône"' in page and "Notre *club* du jeudi" in page
    assert _series(app, series).logo_sha256 is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredImage)) == 0


def test_a_picture_accepted_with_a_form_sent_back_is_kept(app, client, make):
    organiser, series, _event_slug = _world(make)
    log_in(client, organiser)
    response = _edit_series(
        client, series, default_capacity="-3", logo=_upload(pictures.transparent_logo(), "l.png")
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    kept = re.search(r'name="logo_kept"[^>]*value="([0-9a-f]{64})"', page)
    assert kept and "kept while you correct the rest" in page
    assert _series(app, series).logo_sha256 is None
    # The organiser can see it (nothing shows it yet); nobody else.
    assert client.get(f"/images/{kept.group(1)}.png").status_code == 200
    assert app.test_client().get(f"/images/{kept.group(1)}.png").status_code == 404
    _edit_series(client, series, logo_kept=kept.group(1))
    assert _series(app, series).logo_sha256 == kept.group(1)


def test_the_cover_goes_through_the_question_about_telling_people(app, client, make):
    organiser, _series_slug, event = _world(make)
    make.registration(event, first_name="Carla")
    log_in(client, organiser)
    response = _edit_event(
        client, event, venue_name="Ailleurs", cover=_upload(pictures.photo_on_its_side(), "c.jpg")
    )
    page = response.get_data(as_text=True)
    assert "can be told by email" in page
    kept = re.search(r'name="cover_kept"[^>]*value="([0-9a-f]{64})"', page).group(1)
    response = _edit_event(client, event, venue_name="Ailleurs", cover_kept=kept, notify="no")
    assert response.status_code == 302
    assert _event(app, event).cover_sha256 == kept


def test_who_sees_a_drafts_cover(app, client, make):
    organiser, _series_slug, event = _world(make, status="draft")
    outsider = make.user("organiser")
    log_in(client, organiser)
    _edit_event(client, event, cover=_upload(pictures.photo_on_its_side(), "c.jpg"))
    digest = _event(app, event).cover_sha256
    url = f"/images/{digest}.jpg"
    seen = client.get(url)
    assert seen.status_code == 200 and seen.headers["Cache-Control"] == "private, no-store"
    assert app.test_client().get(url).status_code == 404
    other = app.test_client()
    log_in(other, outsider)
    assert other.get(url).status_code == 404
    with app.app_context():
        db.session.scalar(select(Event).where(Event.slug == event)).status = "published"
        db.session.commit()
    public = app.test_client().get(url)
    assert public.status_code == 200
    assert public.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_an_image_is_served_with_its_type_long_cache_and_nosniff(app, client, make):
    _organiser, series, _event_slug = _world(make)
    with app.app_context():
        logo = store(clean(pictures.transparent_logo(), Kind.LOGO))
        db.session.scalar(select(Series).where(Series.slug == series)).logo_sha256 = logo.sha256
        db.session.commit()
        digest = logo.sha256
    response = client.get(f"/images/{digest}.png")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Set-Cookie" not in response.headers
    assert hashlib.sha256(response.data).hexdigest() == digest
    again = client.get(f"/images/{digest}.png", headers={"If-None-Match": f'"{digest}"'})
    assert again.status_code == 304
    for wrong in (f"/images/{digest}.jpg", f"/images/{'0' * 64}.png", "/images/abc.png"):
        assert client.get(wrong).status_code == 404, wrong


def test_open_graph_and_twitter_tags_name_the_picture(app, client, make):
    organiser, series, event = _world(make)
    client.get("/language/en")
    page = client.get(f"/events/{event}").get_data(as_text=True)
    assert 'property="og:image"' not in page and 'content="summary"' in page
    log_in(client, organiser)
    _edit_series(client, series, logo=_upload(pictures.transparent_logo(), "l.png"))
    logo = _series(app, series).logo_sha256
    page = client.get(f"/series/{series}").get_data(as_text=True)
    assert f'<meta property="og:image" content="http://localhost/images/{logo}.png">' in page
    assert '<meta name="twitter:card" content="summary">' in page  # a logo: not cropped
    _edit_event(client, event, cover=_upload(pictures.photo_on_its_side(), "c.jpg"))
    cover = _event(app, event).cover_sha256
    page = client.get(f"/events/{event}").get_data(as_text=True)
    assert f'<meta property="og:image" content="http://localhost/images/{cover}.jpg">' in page
    assert '<meta property="og:image:width" content="200">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert f'<meta name="twitter:image" content="http://localhost/images/{cover}.jpg">' in page
    assert f'<img src="/images/{cover}.jpg"' in page and 'width="200" height="400"' in page


def test_a_duplicated_evening_keeps_its_cover(app, client, make):
    organiser, _series_slug, event = _world(make)
    log_in(client, organiser)
    _edit_event(client, event, cover=_upload(pictures.photo_on_its_side(), "c.jpg"))
    page = client.get(f"/admin/events/{event}").get_data(as_text=True)
    response = client.post(f"/admin/events/{event}/duplicate", data={"csrf_token": csrf_from(page)})
    copy = response.headers["Location"].split("/")[-2]
    assert _event(app, copy).cover_sha256 == _event(app, event).cover_sha256


def test_pictures_nothing_shows_go_a_day_after_their_last_upload(app, make):
    _organiser, series, _event_slug = _world(make)
    with app.app_context():
        used = store(clean(pictures.transparent_logo(), Kind.LOGO))
        unused = store(clean(pictures.plain("PNG"), Kind.LOGO))
        db.session.scalar(select(Series).where(Series.slug == series)).logo_sha256 = used.sha256
        db.session.commit()
        assert purge_job() is None  # too recent
        for image in (used, unused):
            image.uploaded_at = utcnow() - timedelta(days=2)
        db.session.commit()
        used_digest, unused_digest = used.sha256, unused.sha256
        assert purge_job() == "1 unused pictures deleted"
        db.session.expire_all()
        assert db.session.get(StoredImage, used_digest) is not None
        assert db.session.get(StoredImage, unused_digest) is None


def test_a_picture_form_from_elsewhere_stores_nothing(app, client, make):
    organiser, series, _event_slug = _world(make)
    log_in(client, organiser)
    response = client.post(
        f"/admin/series/{series}/edit",
        data={"name": "X", "logo": _upload(pictures.transparent_logo(), "l.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400  # the CSRF page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredImage)) == 0


@pytest.mark.parametrize("role", ["door", "outsider"])
def test_only_the_series_organisers_upload(app, client, make, role):
    _organiser, series, _event_slug = _world(make)
    log_in(client, make.user("door" if role == "door" else "organiser"))
    page = client.get("/admin/tokens" if role == "outsider" else "/door/").get_data(as_text=True)
    response = client.post(
        f"/admin/series/{series}/edit",
        data={
            "csrf_token": csrf_from(page),
            "name": "X",
            "timezone": "Europe/Paris",
            "default_capacity": "40",
            "logo": _upload(pictures.transparent_logo(), "l.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredImage)) == 0


# -- in the emails ----------------------------------------------------------------------------


def _html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def test_emails_show_the_logo_and_the_cover_by_their_absolute_address(app, client, make):
    organiser, series, event = _world(make)
    log_in(client, organiser)
    _edit_series(client, series, logo=_upload(pictures.transparent_logo(), "l.png"))
    _edit_event(client, event, cover=_upload(pictures.plain("JPEG", size=(1200, 600)), "c.jpg"))
    logo, cover = _series(app, series).logo_sha256, _event(app, event).cover_sha256
    with app.app_context():
        cover = db.session.get(StoredImage, cover).at_least(768).sha256  # its 800 px copy
    sign_up(app.test_client(), event, email="marie@example.org")
    (confirmation,) = outbox(app, "confirmation")
    body = _html_of(confirmation)
    assert f'<img src="http://localhost/images/{logo}.png" alt="Le logo de Café' in body
    assert 'width="120" height="48"' in body  # 300 × 120 shown 48 px high
    assert f'<img src="http://localhost/images/{cover}.jpg"' in body
    assert 'width="512" height="256"' in body
    assert app.test_client().get(f"/images/{cover}.jpg").status_code == 200  # for anyone
    # An email about something else carries the logo, not the cover.
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        emails.queue_cancelled(registration, by_organiser=False)
        db.session.commit()
    (cancelled,) = outbox(app, "cancelled")
    assert f"/images/{logo}.png" in _html_of(cancelled)
    assert f"/images/{cover}.jpg" not in _html_of(cancelled)


# -- a cover's copies, for phones ------------------------------------------------------------


def test_a_wide_cover_is_kept_with_copies_and_pages_offer_them_all(app, client, make):
    organiser, _series_slug, event = _world(make)
    log_in(client, organiser)
    _edit_event(client, event, cover=_upload(pictures.evening_scene(), "scene.jpg"))
    with app.app_context():
        cover = db.session.get(StoredImage, _event(app, event).cover_sha256)
        chain = cover.with_copies
        assert [each.width for each in chain] == [1600, 1200, 800]
        for wide, narrow in itertools.pairwise(chain):
            assert narrow.height == round(cover.height * narrow.width / cover.width)
            assert narrow.byte_size < wide.byte_size
        assert cover.at_least(768) is chain[2] and cover.at_least(2000) is cover
        digests = [each.sha256 for each in chain]
    for digest, width in zip(digests[1:], (1200, 800), strict=True):
        copy = _open(app.test_client().get(f"/images/{digest}.jpg").data)
        assert not copy.getexif() and copy.width == width
    page = app.test_client().get(f"/events/{event}").get_data(as_text=True)
    assert (
        f'srcset="/images/{digests[2]}.jpg 800w, /images/{digests[1]}.jpg 1200w, '
        f'/images/{digests[0]}.jpg 1600w"'
    ) in page
    # Each has its AVIF twin, offered first: the same size, about half the bytes.
    with app.app_context():
        chain = db.session.get(StoredImage, digests[0]).with_copies
        twins = [(each.avif.sha256, each.avif.width, each.avif.height) for each in chain]
        for each in chain:
            assert each.avif.content_type == "image/avif" and each.avif.avif is None
            assert (each.avif.width, each.avif.height) == (each.width, each.height)
            assert each.avif.byte_size < 0.75 * each.byte_size
    source = (
        f'<picture><source type="image/avif" srcset="/images/{twins[2][0]}.avif 800w, '
        f'/images/{twins[1][0]}.avif 1200w, /images/{twins[0][0]}.avif 1600w" sizes="'
    )
    assert source in page and page.index(source) < page.index('class="event-cover"')
    for digest, width, height in twins:
        served = app.test_client().get(f"/images/{digest}.avif")
        assert served.headers["Content-Type"] == "image/avif"
        assert "immutable" in served.headers["Cache-Control"]
        twin = _open(served.data)
        assert (twin.format, twin.size) == ("AVIF", (width, height))
        assert not twin.getexif() and not {"icc_profile", "xmp", "exif"} & set(twin.info)
        assert app.test_client().get(f"/images/{digest}.jpg").status_code == 404
    # A cover 1,200 px wide gets the 800 px copy only; none for narrower ones, nor logos.
    assert [
        c.width for c in processing.copies(clean(pictures.plain("JPEG", (1200, 600)), Kind.COVER))
    ] == [800]
    assert processing.copies(clean(pictures.photo_on_its_side(), Kind.COVER)) == []
    assert processing.copies(clean(pictures.plain("PNG", size=(2000, 400)), Kind.LOGO)) == []
    assert processing.avif_twin(clean(pictures.plain("PNG", size=(2000, 400)), Kind.LOGO)) is None


def test_a_narrow_cover_has_a_twin_and_no_copies(app, client, make):
    organiser, _series_slug, event = _world(make)
    log_in(client, organiser)
    _edit_event(client, event, cover=_upload(pictures.evening_scene((700, 400)), "small.jpg"))
    with app.app_context():
        cover = db.session.get(StoredImage, _event(app, event).cover_sha256)
        assert cover.with_copies == [cover] and cover.avif_copies == [cover.avif]
        jpeg, avif = cover.sha256, cover.avif.sha256
    page = app.test_client().get(f"/events/{event}").get_data(as_text=True)
    assert f'<picture><source type="image/avif" srcset="/images/{avif}.avif">' in page
    assert f'<img src="/images/{jpeg}.jpg" alt=' in page and "sizes=" not in page


def test_without_an_avif_encoder_pages_offer_the_jpeg_alone(app, client, make, monkeypatch):
    from PIL import features  # as a Pillow built without libavif says

    check = features.check
    monkeypatch.setattr(features, "check", lambda name: name != "avif" and check(name))
    organiser, _series_slug, event = _world(make)
    log_in(client, organiser)
    _edit_event(client, event, cover=_upload(pictures.evening_scene(), "scene.jpg"))
    with app.app_context():
        cover = db.session.get(StoredImage, _event(app, event).cover_sha256)
        assert [each.avif for each in cover.with_copies] == [None] * 3
        assert cover.avif_copies == []
        assert purge_job() is None  # nothing it could make: not tried again every day
    page = app.test_client().get(f"/events/{event}").get_data(as_text=True)
    assert "<picture>" not in page and 'class="event-cover"' in page


def test_a_drafts_copies_are_hidden_as_its_cover_is(app, client, make):
    organiser, _series_slug, event = _world(make, status="draft")
    log_in(client, organiser)
    _edit_event(client, event, cover=_upload(pictures.evening_scene(), "scene.jpg"))
    with app.app_context():
        chain = db.session.get(StoredImage, _event(app, event).cover_sha256).with_copies
        urls = [f"/images/{each.sha256}.jpg" for each in chain[1:]]
        urls += [f"/images/{each.avif.sha256}.avif" for each in chain]
    stranger = app.test_client()
    log_in(stranger, make.user("organiser"))
    # The 1,200 px copy, the 800 px copy of that copy, and the three's AVIF twins.
    for url in urls:
        assert client.get(url).headers["Cache-Control"] == "private, no-store"
        assert app.test_client().get(url).status_code == 404
        assert stranger.get(url).status_code == 404
    with app.app_context():
        db.session.scalar(select(Event).where(Event.slug == event)).status = "published"
        db.session.commit()
    for url in urls:
        public = app.test_client().get(url)
        assert public.status_code == 200 and "immutable" in public.headers["Cache-Control"]


def test_covers_kept_before_get_their_copies_and_copies_go_after_their_cover(
    app, make, monkeypatch
):
    _organiser, _series_slug, event = _world(make)
    with app.app_context():
        with monkeypatch.context() as before:  # as a cover stored before copies were made
            before.setattr("meetup.images.store.copies", lambda image: [])
            before.setattr("meetup.images.store.avif_twin", lambda image: None)
            digest = store(clean(pictures.evening_scene(), Kind.COVER)).sha256
        db.session.get(StoredImage, digest).uploaded_at = utcnow() - timedelta(days=2)
        db.session.scalar(select(Event).where(Event.slug == event)).cover_sha256 = digest
        db.session.commit()
        assert purge_job() == "1 covers' copies or AVIF twins made"
        chain = db.session.get(StoredImage, digest).with_copies
        assert [each.width for each in chain] == [1600, 1200, 800]
        assert [each.avif.width for each in chain] == [1600, 1200, 800]
        assert purge_job() is None  # nothing more to make, nothing to delete
        # The evening loses its cover: the cover goes, then what it named a round after
        # (the 1,200 px copy and its own twin), and so on down the chain.
        db.session.scalar(select(Event).where(Event.slug == event)).cover_sha256 = None
        db.session.commit()
        for deleted, left in ((1, 5), (2, 3), (2, 1), (1, 0)):
            assert purge_job() == f"{deleted} unused pictures deleted"
            db.session.expire_all()
            assert db.session.scalar(select(func.count()).select_from(StoredImage)) == left


def test_a_twin_kept_is_never_made_again(app, make, monkeypatch):
    """The same cover stored again (another evening, a re-upload) keeps its twin, even if
    the encoder now writes other bytes (a new version): a page kept with the twin's address
    goes on finding it. A twin whose row is gone is made again by the daily round."""
    _organiser, _series_slug, event = _world(make)
    photo = clean(pictures.evening_scene(), Kind.COVER)
    with app.app_context():
        cover = store(photo)
        db.session.scalar(select(Event).where(Event.slug == event)).cover_sha256 = cover.sha256
        db.session.commit()
        twins = [each.avif.sha256 for each in cover.with_copies]
        encoded = []
        with monkeypatch.context() as newer:
            newer.setattr("meetup.images.store.avif_twin", lambda image: encoded.append(image))
            assert store(photo).sha256 == cover.sha256
        assert encoded == []
        db.session.expire_all()
        chain = db.session.get(StoredImage, cover.sha256).with_copies
        assert [each.avif.sha256 for each in chain] == twins
        # The 800 px copy's twin lost (a purge by a worker still on the previous release).
        db.session.execute(delete(StoredImage).where(StoredImage.sha256 == twins[2]))
        db.session.commit()
        assert db.session.get(StoredImage, cover.sha256).avif_copies == []
        assert purge_job() == "1 covers' copies or AVIF twins made"
        db.session.expire_all()
        assert len(db.session.get(StoredImage, cover.sha256).avif_copies) == 3


def test_the_daily_round_writes_after_another_worker_committed(app, make, monkeypatch):
    """The twins are encoded outside any transaction: on SQLite, one that read before
    another worker committed could not write after (database is locked, at once)."""
    _organiser, _series_slug, event = _world(make)
    with app.app_context():
        with monkeypatch.context() as before:
            before.setattr("meetup.images.store.avif_twin", lambda image: None)
            digest = store(clean(pictures.evening_scene(), Kind.COVER)).sha256
        db.session.scalar(select(Event).where(Event.slug == event)).cover_sha256 = digest
        db.session.commit()
        encode = processing.avif_twin

        def while_another_worker_commits(image):
            with db.engine.connect() as other:  # another connection, as another worker's
                other.execute(update(Series).values(name=Series.name + "."))  # a real change
                other.commit()
            return encode(image)

        monkeypatch.setattr("meetup.images.store.avif_twin", while_another_worker_commits)
        assert purge_job() == "1 covers' copies or AVIF twins made"
        db.session.expire_all()
        assert len(db.session.get(StoredImage, digest).avif_copies) == 3


def test_a_twin_carries_no_colour_profile_nor_anything_else():
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    Image.new("RGB", (900, 500), (120, 60, 40)).save(buffer, "JPEG", icc_profile=profile)
    assert _open(buffer.getvalue()).info.get("icc_profile")
    twin = processing.avif_twin(processing.CleanImage(buffer.getvalue(), "image/jpeg", 900, 500))
    opened = _open(twin.data)
    assert not {"icc_profile", "exif", "xmp"} & set(opened.info) and not opened.getexif()


def test_an_upload_encodes_with_the_writer_lock_free(app, client, make, monkeypatch):
    """Encoding a cover's copies and twins takes a fraction of a second: signups and door
    scans of every worker must not wait for it (on SQLite a POST holds the writer lock from
    its first read; the picture is encoded outside any transaction, then written)."""
    organiser, _series_slug, event = _world(make)
    log_in(client, organiser)
    encode, free = processing.avif_twin, []

    def while_a_signup_writes(image):
        if db.engine.dialect.name == "sqlite":  # as another worker's process, never waiting
            other = sqlite3.connect(db.engine.url.database, timeout=0)
            with other:
                other.execute("UPDATE series SET city = city || '.'")
            other.close()
        else:  # PostgreSQL has no database-wide writer lock: this shows nothing is held
            with db.engine.connect() as other:
                other.execute(update(Series).values(city=Series.city + "."))
                other.commit()
        free.append(image.width)
        return encode(image)

    monkeypatch.setattr("meetup.images.store.avif_twin", while_a_signup_writes)
    response = _edit_event(client, event, cover=_upload(pictures.evening_scene(), "scene.jpg"))
    assert response.status_code == 302
    assert free == [800, 1200, 1600]
    with app.app_context():
        assert len(db.session.get(StoredImage, _event(app, event).cover_sha256).avif_copies) == 3


def test_a_copys_twin_comes_from_its_pixels_not_its_jpeg():
    """A copy's AVIF twin is encoded from the pixels the copy was written from, not from the
    copy's lossy JPEG (which would carry its blocks into the twin)."""
    from PIL import ImageChops, ImageStat

    photo = clean(pictures.evening_scene(), Kind.COVER)
    copy = processing.copies(photo)[-1]
    assert copy.pixels is not None and copy.pixels.size == (copy.width, copy.height)

    def error(twin) -> float:
        difference = ImageChops.difference(_open(twin.data).convert("RGB"), copy.pixels)
        return sum(ImageStat.Stat(difference).rms)

    from_jpeg = processing.CleanImage(copy.data, copy.content_type, copy.width, copy.height)
    assert from_jpeg == copy  # the pixels are not part of what a picture is
    assert error(processing.avif_twin(copy)) < error(processing.avif_twin(from_jpeg))
