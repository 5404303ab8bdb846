"""`flask badges EVENT_SLUG --layout NAME -o FILE [--only-new]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from meetup import audit
from meetup.badges import services
from meetup.badges.forms import LAYOUT_TITLES
from meetup.badges.layouts import DEFAULT_LAYOUT, LAYOUTS
from meetup.badges.services import Order, Which
from meetup.events.queries import event_by_slug


def _layouts_help() -> str:
    with force_locale("en"):
        lines = [f"{name}: {LAYOUT_TITLES[name]}" for name in LAYOUTS]
    return "\b\nLayouts:\n" + "\n".join(lines)


@click.command("badges", epilog=_layouts_help())
@click.argument("event_slug")
@click.option(
    "--layout",
    type=click.Choice(list(LAYOUTS)),
    default=DEFAULT_LAYOUT,
    show_default=True,
    help="Sheet or printer (see the list below).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--only-new", is_flag=True, help="Only badges not printed yet (or changed since).")
@click.option(
    "--order",
    type=click.Choice([o.value for o in Order]),
    default=Order.NAME.value,
    show_default=True,
)
@click.option(
    "--language",
    default=None,
    help="Language of the badges' words (default: the application's, BABEL_DEFAULT_LOCALE).",
)
@click.option("--no-mark", is_flag=True, help="Do not count these badges as printed.")
@with_appcontext
def badges_cli(
    event_slug: str,
    layout: str,
    output: Path,
    only_new: bool,
    order: str,
    language: str | None,
    no_mark: bool,
) -> None:
    """Write the badges of everyone with a seat at EVENT_SLUG into a PDF."""
    event = event_by_slug(event_slug)
    if event is None:
        raise click.ClickException(f"no event {event_slug!r}")
    language = language or current_app.config["BABEL_DEFAULT_LOCALE"]
    if language not in current_app.config["LANGUAGES"]:
        raise click.ClickException(f"--language must be one of {current_app.config['LANGUAGES']}")
    which = Which.NEW if only_new else Which.ALL
    chosen = services.select_registrations(event, which, Order(order))
    if not chosen:
        click.echo("no badge to print")
        return
    with force_locale(language):
        pdf = services.badges_pdf(event, chosen, LAYOUTS[layout], mark_printed=not no_mark)
    output.write_bytes(pdf)

    audit.record_now("print_badges", event.slug, len(chosen))
    click.echo(f"{len(chosen)} badges, {len(pdf) // 1024} KB: {output}")
