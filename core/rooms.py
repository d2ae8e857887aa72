"""The staff's paths: where a TLS proxy in front sends the logged-in staff's requests to the
staff's own gunicorn pool (gunicorn.conf.py, STAFF_BIND), so that traffic on the public pages
cannot slow the coordinators' work (the README's "A pool of its own for the staff").

Every page of a staff blueprint lies under one of these; no resident's page does, and nor do
the doors into the staff side (login, logout, an invitation), which anyone may call and
which hash passwords: they stay on the public pool, at its lower priority
(tests/test_route_authentication.py).
"""

from __future__ import annotations

STAFF_PATHS = ("samordnare", "dialog", "falt", "partner", "admin", "personal")
