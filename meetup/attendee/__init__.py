"""The attendee's own pages: the personal page (/r/<token>) with its card, pin and cancel,
the ticket and its PDF, and what a badge's QR code opens (/b/<code>): the ticket, one's own
card, or a scanned person's card. Attendees have no account: their links are the keys.

These routes keep the endpoints they were born with (registrations.manage,
registrations.ticket, directory.place_pin…), which emails, QR codes, printed badges and
bookmarks carry: so they are declared on the registrations' and the directory's
blueprints (meetup.attendee.views), and this package has no blueprint of its own.
"""

from meetup.attendee import views  # noqa: F401
