"""The news of a series is one answer per person: registrations made before the fix kept
"no" on earlier evenings after a "yes" on a later one (their personal pages and exports said
no while the announcements went out). Each such registration takes the series' answer.

Revision ID: 0033_news_per_series
Revises: 0032_event_texts_in_english
Create Date: 2026-12-06
"""

from alembic import op

revision = "0033_news_per_series"
down_revision = "0032_event_texts_in_english"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        UPDATE registrations SET news = TRUE, revision = revision + 1
        WHERE news = FALSE AND erased_at IS NULL AND EXISTS (
            SELECT 1 FROM registrations AS other
            JOIN events AS other_event ON other_event.id = other.event_id
            WHERE other.news = TRUE AND other.erased_at IS NULL
              AND lower(other.email) = lower(registrations.email)
              AND other_event.series_id = (
                  SELECT events.series_id FROM events WHERE events.id = registrations.event_id
              )
        )
        """
    )


def downgrade():
    pass  # the answers were the person's: nothing to take back
