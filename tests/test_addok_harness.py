"""The test geocoder itself (tests/addok.py): a real Addok on loopback, loaded with
tests/data/ban_addresses.ndjson, answers geopy's BANFrance as api-adresse.data.gouv.fr does."""

from __future__ import annotations

import pytest
from geopy.distance import distance
from geopy.exc import GeocoderServiceError
from geopy.geocoders import BANFrance

from meetup.demo.data import OFFICES
from tests.addok import address_point


@pytest.fixture
def geocoder(addok) -> BANFrance:
    return BANFrance(domain=addok.domain, scheme="http", timeout=5)


def metres(location, point: tuple[float, float]) -> float:
    return distance((location.latitude, location.longitude), point).m


def test_the_api_answers_as_the_ban_does(addok):
    answer = addok.search("12 rue de la République 38200 Vienne", limit=3)

    assert answer["type"] == "FeatureCollection"
    feature = answer["features"][0]
    lon, lat = feature["geometry"]["coordinates"]
    assert (lat, lon) == address_point("Rue de la République", "12", "38200")
    assert feature["properties"]["label"] == "12 Rue de la République 38200 Vienne"
    assert feature["properties"]["type"] == "housenumber"
    assert feature["properties"]["citycode"] == "38544"
    assert feature["properties"]["score"] > 0.9


def test_a_house_number_is_found_where_the_file_puts_it(geocoder):
    location = geocoder.geocode("12 rue de la République, 38200 Vienne")

    assert location.address == "12 Rue de la République 38200 Vienne"
    assert metres(location, address_point("Rue de la République", "12", "38200")) < 50


@pytest.mark.parametrize(
    ("query", "street", "postcode", "city"),
    [
        ("12 rue de la République 38200 Vienne", "Rue de la République", "38200", "Vienne"),
        ("12 rue de la République 38670", "Rue de la République", "38670", "Chasse-sur-Rhône"),
        ("12 rue de la République Lyon", "Rue de la République", "69001", "Lyon"),
    ],
)
def test_the_postcode_or_city_picks_the_right_street(geocoder, query, street, postcode, city):
    location = geocoder.geocode(query)

    assert location.raw["properties"]["city"] == city
    assert metres(location, address_point(street, "12", postcode)) < 50


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("3 rue de l eglise 38200 vienne", "3 Rue de l'Église 38200 Vienne"),
        ("3 RUE DE L EGLISE 38200 VIENNE", "3 Rue de l'Église 38200 Vienne"),
        ("1 place de l eglise sainte colombe", "1 Place de l'Église 69560 Sainte-Colombe"),
        ("1 place de l hotel de ville vienne", "1 Place de l'Hôtel de Ville 38200 Vienne"),
        ("10 avenue des champs elysees paris", "10 Avenue des Champs-Élysées 75008 Paris"),
        ("7 av jean jaures pont eveque", "7 Avenue Jean Jaurès 38780 Pont-Évêque"),
    ],
)
def test_accents_case_and_abbreviations_do_not_matter(geocoder, typed, label):
    assert geocoder.geocode(typed).address == label


DEMO_OFFICES = sorted(set(OFFICES))


@pytest.mark.parametrize(
    ("street", "postcode", "city", "lat", "lon"),
    DEMO_OFFICES,
    ids=[f"{street}, {postcode} {city}" for street, postcode, city, *_ in DEMO_OFFICES],
)
def test_every_demo_office_is_found_where_the_demo_puts_it(
    geocoder, street, postcode, city, lat, lon
):
    location = geocoder.geocode(f"{street}, {postcode} {city}")

    assert location.raw["properties"]["type"] == "housenumber"
    assert location.raw["properties"]["postcode"] == postcode
    assert metres(location, (lat, lon)) < 50


def test_nonsense_finds_nothing(geocoder):
    assert geocoder.geocode("zzzz qqqq") is None


def test_an_unknown_street_of_a_known_city_comes_back_as_another_street_with_a_low_score(
    geocoder,
):
    """As the real service, Addok answers its best guess: another street of the same city,
    scored well under a real match (above 0.9); it is for the caller to judge the score."""
    location = geocoder.geocode("99 rue Inexistante 38200 Vienne")

    assert location.raw["properties"]["type"] == "street"
    assert location.raw["properties"]["city"] == "Vienne"
    assert location.raw["properties"]["score"] < 0.6


def test_an_unknown_number_on_a_known_street_comes_back_as_the_street(geocoder):
    location = geocoder.geocode("13 rue Marchande 38200 Vienne")

    assert location.raw["properties"]["type"] == "street"
    assert location.address == "Rue Marchande 38200 Vienne"
    assert location.raw["properties"]["score"] < 0.9


def test_stopped_it_refuses_and_started_again_it_answers_on_the_same_port(addok, geocoder):
    port = addok.port
    addok.stop()
    try:
        assert not addok.running
        # geopy without `requests` (its urllib adapter): "[Errno 111] Connection refused" is a
        # GeocoderServiceError itself; with `requests` it would be GeocoderUnavailable, a subclass.
        with pytest.raises(GeocoderServiceError, match="Connection refused"):
            geocoder.geocode("12 rue Marchande 38200 Vienne")
    finally:
        addok.start()

    assert addok.port == port
    location = geocoder.geocode("12 rue Marchande 38200 Vienne")
    assert metres(location, address_point("Rue Marchande", "12", "38200")) < 50


def test_start_up_is_quick(addok):
    assert addok.load_seconds < 10
    assert addok.start_seconds < 10
