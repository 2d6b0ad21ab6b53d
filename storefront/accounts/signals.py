"""What happens to staff accounts that other areas follow (blinker), sent inside the transaction.

`staff_link_issued(invitation, now=…)`: an invitation or a password-reset link was made; the mail
area writes the e-mail that carries it (`mail/staff.py`), in the same transaction, so a link
that was rolled back is never mailed.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

staff_link_issued = _signals.signal("staff-link-issued")
