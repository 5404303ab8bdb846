"""`flask users ...` and `flask tokens ...`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from meetup.auth import services
from meetup.auth.models import ApiToken, Role, User
from meetup.extensions import db

users_cli = AppGroup("users", help="Staff accounts: admins, organisers, door volunteers.")
tokens_cli = AppGroup("tokens", help="API tokens (Authorization: Bearer TOKEN).")

ROLE_CHOICE = click.Choice([role.value for role in Role])


def _user_or_fail(email: str) -> User:
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with the email {email}")
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=ROLE_CHOICE, required=True, help="admin, organiser or door")
@click.option("--name", default="", help="Name shown to other staff.")
@click.option("--password", help="Prompted for (hidden, twice) when not given.")
def users_create(email: str, role: str, name: str, password: str | None) -> None:
    """Create an account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(email, role, password, name=name)
    except services.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {user.role.value} {user.email}")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password", help="Prompted for (hidden, twice) when not given.")
def users_set_password(email: str, password: str | None) -> None:
    """Change a password; the user's open sessions end."""
    user = _user_or_fail(email)
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        services.set_password(user, password)
    except services.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"password changed for {user.email}")


@users_cli.command("list")
def users_list() -> None:
    """List accounts."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        state = "active" if user.is_active else "deactivated"
        click.echo(f"{user.email}\t{user.role.value}\t{state}")


@users_cli.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Stop an account from logging in (its sessions and tokens stop working)."""
    user = _user_or_fail(email)
    services.deactivate_user(user)
    click.echo(f"deactivated {user.email}")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, e.g. 'club website'.")
def tokens_create(email: str, name: str) -> None:
    """Create a token acting as EMAIL; the token is printed once, as the last line."""
    user = _user_or_fail(email)
    if not user.is_active:
        raise click.ClickException(f"{user.email} is deactivated")
    token, api_token = services.create_api_token(user, name)
    click.echo(f"token {api_token.prefix}… for {user.email} ({user.role.value}); keep it secret:")
    click.echo(token)


@tokens_cli.command("list")
def tokens_list() -> None:
    """List tokens (never their secret part)."""
    for api_token in db.session.scalars(select(ApiToken).order_by(ApiToken.id)):
        state = "revoked" if api_token.revoked_at else "active"
        click.echo(
            f"{api_token.id}\t{api_token.prefix}…\t{api_token.user.email}\t{api_token.name}\t{state}"
        )


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke a token by the id shown by `tokens list`."""
    api_token = db.session.get(ApiToken, token_id)
    if api_token is None:
        raise click.ClickException(f"no token with id {token_id}")
    services.revoke_api_token(api_token)
    click.echo(f"revoked token {token_id}")
