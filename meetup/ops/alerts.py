"""Telling the people who can act: a banner on the admin dashboard, and an email to the
admins at most once an hour, when mail keeps failing or no background worker runs.

The state is health's (meetup.ops.health), read when asked: by the worker's "alerts" job
every five minutes, and by every view of the admin dashboard. The web side must look too:
with no worker running, the job does not run either. Whichever process notices first
emails the admins: one row per kind of trouble in `alerts_sent`, claimed by a conditional
UPDATE in the same transaction that queues the emails in the outbox, so that the emails go
at most once an hour across every process and host. The outbox is delivered by the worker;
when the trouble is that no worker runs, the dashboard's process delivers its alert itself
once the page is answered (nobody else would).

A worker that never ran (a fresh install) only shows the banner: whoever installs the site
is the one looking at the dashboard. The emails carry counts and the site's address, never
an attendee's data (not even the mail server's last answer, which often names the
recipient). Staff accounts have no language of their own: the emails are in DEFAULT_LOCALE.
"""

from __future__ import annotations

import enum
import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, Response, after_this_request, current_app, has_request_context
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from meetup import jobs
from meetup.auth.models import Role, User
from meetup.extensions import db
from meetup.links import absolute_url
from meetup.mail.delivery import transport_for
from meetup.mail.services import compose_email, deliver_due
from meetup.ops import health
from meetup.ops.models import AlertSent
from meetup.timeutil import utcnow
from meetup.writelock import end_reads, first_write

logger = logging.getLogger("meetup.alerts")

#: No worker began a round for this long: emails and geocoding have stopped.
WORKER_SILENT = timedelta(minutes=10)
#: This many messages whose last attempt failed within the hour: mail keeps failing.
MAIL_FAILING = 3
#: Mail due for this long (while a worker runs): it is not going out.
MAIL_LATE = timedelta(minutes=30)
#: At most one email per kind of trouble in this time, across every process.
EMAIL_EVERY = timedelta(hours=1)
#: How often the worker's job looks.
JOB_EVERY = timedelta(minutes=5)
#: SMTP timeout when the web process delivers its own alert after answering.
WEB_SEND_TIMEOUT = 10.0


class Kind(enum.StrEnum):
    WORKER = "worker"
    MAIL = "mail"


@dataclass(frozen=True)
class Problem:
    kind: Kind
    #: Worker: minutes since the last round (None: no worker ever ran). Mail late: minutes
    #: the oldest due message has waited.
    minutes: int | None = None
    #: Mail: messages whose last attempt failed within the hour.
    failing: int = 0

    @property
    def emailed(self) -> bool:
        """A fresh install's missing worker is for the banner only."""
        return not (self.kind is Kind.WORKER and self.minutes is None)

    def title(self) -> str:
        if self.kind is Kind.WORKER:
            return _("Emails are not going out")
        if self.failing:
            return _("Emails are failing")
        return _("Emails are late")

    def text(self) -> str:
        """What is wrong and what to do, in the current language."""
        if self.kind is Kind.WORKER and self.minutes is None:
            return _(
                "No background worker has run yet, so emails wait in the outbox and new "
                "addresses are not placed on the map. Whoever runs the server should start it: "
                "systemctl enable --now meetup-worker (README, “Production deployment”)."
            )
        if self.kind is Kind.WORKER:
            return _(
                "No background worker has run for %(minutes)d minutes, so emails wait in the "
                "outbox and new addresses are not placed on the map. Whoever runs the server "
                "should restart it (systemctl restart meetup-worker) and read why it stopped "
                "(journalctl -u meetup-worker).",
                minutes=self.minutes,
            )
        if self.failing:
            return ngettext(
                "%(num)d email could not be delivered in the last hour. The outbox shows the "
                "mail server's answer. Whoever runs the server should check the mail settings "
                "(MAIL_SERVER, MAIL_USERNAME, MAIL_PASSWORD) and that the mail server is up.",
                "%(num)d emails could not be delivered in the last hour. The outbox shows the "
                "mail server's answers. Whoever runs the server should check the mail settings "
                "(MAIL_SERVER, MAIL_USERNAME, MAIL_PASSWORD) and that the mail server is up.",
                self.failing,
            )
        return _(
            "The oldest email due has waited %(minutes)d minutes to be sent. Whoever runs the "
            "server should look at the worker's log (journalctl -u meetup-worker).",
            minutes=self.minutes,
        )


def problems(now: datetime | None = None) -> list[Problem]:
    """What is wrong now, from health's state."""
    now = now or utcnow()
    found = []
    last = health.last_worker_beat()
    silent = now - last if last is not None else None
    if silent is None or silent >= WORKER_SILENT:
        minutes = int(silent.total_seconds() // 60) if silent is not None else None
        found.append(Problem(Kind.WORKER, minutes=minutes))
    mail = health.mail_state(now)
    if mail.failing_last_hour >= MAIL_FAILING:
        found.append(Problem(Kind.MAIL, failing=mail.failing_last_hour))
    elif mail.oldest_due >= MAIL_LATE and not found:  # a silent worker says it already
        found.append(Problem(Kind.MAIL, minutes=int(mail.oldest_due.total_seconds() // 60)))
    return found


# -- emails -------------------------------------------------------------------------------------


def notify(found: list[Problem], now: datetime | None = None) -> list[int]:
    """Queue an email to every active admin about each problem nobody emailed about within
    EMAIL_EVERY; the ids of the outbox messages queued. Commits when it queues."""
    now = now or utcnow()
    ids: list[int] = []
    for problem in found:
        if not problem.emailed:
            continue
        messages = _compose(problem)
        end_reads(expire=False)
        if not _claim(problem.kind, now):
            db.session.rollback()
            continue
        db.session.add_all(messages)
        db.session.flush()
        ids += [message.id for message in messages]
        db.session.commit()
        logger.warning("alert %r emailed to %d admin(s)", problem.kind.value, len(messages))
    return ids


def _claim(kind: Kind, now: datetime) -> bool:
    """This process's turn to email about `kind`: its row created now, or last sent more than
    EMAIL_EVERY ago. Begins the write transaction (SQLite's writer lock)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT DO NOTHING.
    created = first_write(
        insert(AlertSent)
        .values(kind=kind.value, sent_at=now)
        .on_conflict_do_nothing()
        .returning(AlertSent.kind)
    )
    if created.first() is not None:
        return True
    taken = first_write(
        update(AlertSent)
        .where(
            AlertSent.kind == kind.value,
            or_(AlertSent.sent_at.is_(None), AlertSent.sent_at <= now - EMAIL_EVERY),
        )
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def _compose(problem: Problem) -> list:
    admins = db.session.scalars(
        select(User).where(User.role == Role.ADMIN, User.deactivated_at.is_(None)).order_by(User.id)
    ).all()
    language = current_app.config["BABEL_DEFAULT_LOCALE"]
    site = urlsplit(current_app.config["BASE_URL"]).netloc or current_app.config["BASE_URL"]
    messages = []
    with force_locale(language):
        subject = f"[{site}] {problem.title()}"
        text = "\n\n".join(
            [
                problem.text(),
                _("The dashboard: %(url)s", url=absolute_url("admin.dashboard")),
                _("The outbox: %(url)s", url=absolute_url("mail_admin.outbox")),
                _(
                    "You are receiving this because you are an administrator of %(site)s. "
                    "While the trouble lasts, this email comes again at most once an hour.",
                    site=site,
                ),
            ]
        )
        for admin in admins:
            messages.append(
                compose_email(
                    recipient=admin.email,
                    recipient_name=admin.name,
                    subject=subject,
                    text=text,
                    kind=f"alert_{problem.kind.value}",
                    language=language,
                )
            )
    return messages


# -- who looks ----------------------------------------------------------------------------------


def run_job() -> str | None:
    """The worker's periodic job."""
    ids = notify(problems())
    return f"emailed the admins ({len(ids)} messages)" if ids else None


def for_dashboard() -> list[Problem]:
    """The admin dashboard's banner; emails the admins if nobody did within the hour. With no
    worker running, this process sends those emails itself once the page is answered."""
    found = problems()
    ids = notify(found)
    if ids and has_request_context() and any(p.kind is Kind.WORKER for p in found):
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        @after_this_request
        def _send_after(response: Response) -> Response:
            response.call_on_close(functools.partial(deliver, app, ids))
            return response

    return found


def deliver(app: Flask, ids: list[int]) -> None:
    """Send the outbox messages `ids` now (claimed as a worker claims them: never twice)."""
    with app.app_context():
        try:
            transport = transport_for(app)
            if hasattr(transport, "timeout"):
                transport.timeout = min(float(transport.timeout), WEB_SEND_TIMEOUT)
            report = deliver_due(transport, only=ids)
            logger.warning("alert delivered by the web process: %s", report.summary())
        except Exception:
            db.session.rollback()
            logger.exception("alert: delivery by the web process failed; the worker will retry")
        finally:
            db.session.remove()


def init_app(app: Flask) -> None:
    jobs.register(app, "alerts", run_job, every=JOB_EVERY)
    # The dashboard's banner calls it (templates/ops/_alerts.html): computed, and the
    # admins emailed if due, only where a page shows it, and without the events' pages
    # importing operations (the layers, README).
    app.context_processor(lambda: {"ops_problems": for_dashboard})
