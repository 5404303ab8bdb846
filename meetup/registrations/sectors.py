"""The fixed list of business sectors attendees choose from (stored as keys, shown translated)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SECTORS = {
    "consulting": _l("Consulting and business services"),
    "digital": _l("Digital, web and software"),
    "communication": _l("Communication, marketing and design"),
    "craft": _l("Crafts and trades"),
    "construction": _l("Construction and architecture"),
    "retail": _l("Shops and retail"),
    "food": _l("Food, cafés and restaurants"),
    "tourism": _l("Tourism and culture"),
    "health": _l("Health and wellbeing"),
    "finance": _l("Accounting, finance and insurance"),
    "legal": _l("Legal"),
    "training": _l("Training and coaching"),
    "industry": _l("Industry and logistics"),
    "property": _l("Property"),
    "associations": _l("Associations and public bodies"),
    "other": _l("Other"),
}


def sector_label(key: str) -> str:
    label = SECTORS.get(key)
    return str(label) if label is not None else ""
