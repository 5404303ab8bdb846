"""Changes that features above may want to hear of, for writes made without the ORM's unit
of work (which session listeners see): sent inside the transaction of the change."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A door's check-in claimed a registration (one conditional UPDATE). Sender: its id.
checked_in = _signals.signal("checked-in")
