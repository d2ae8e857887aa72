"""Signals other parts of the app listen to, so intake never waits for them.

They live low (every package may send or receive them without importing the others):
feedback, review, open311 and surveys send, the cache and the hot-spot worker listen.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent after a commit that added or changed reports; sender is the app, kommun_id a keyword.
reports_changed = _signals.signal("reports-changed")
