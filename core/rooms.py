"""The staff's paths: where a TLS proxy in front sends requests to the staff's own gunicorn
pool (gunicorn.conf.py, STAFF_BIND), so that anonymous traffic on the public pages cannot
slow the coordinators' work (the README's "Staff pages under a flood").

Every page of a staff blueprint, and the doors into it (login, logout, an invitation), lies
under one of these; no resident's page does (tests/test_route_authentication.py).
"""

from __future__ import annotations

STAFF_PATHS = (
    "samordnare",
    "dialog",
    "falt",
    "partner",
    "admin",
    "personal",
    "inloggning",
    "utloggning",
    "inbjudan",
)
