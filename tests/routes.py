"""The app's endpoints by audience: the staff's (behind a login), the residents' (open).

tests/test_route_authentication.py checks that every endpoint is in one of them and that
each is guarded or open as listed; other tests reuse the lists."""

from __future__ import annotations

STAFF_BLUEPRINTS = {
    "review",
    "users",
    "field",
    "exports",
    "promises",
    "promise_dialogues",
    "open311_admin",
    "surveys",
    "mail_admin",
    "partner",
}
# Pages for anyone: the residents' pages, assets, and the doors into the staff side. The
# Open311 API checks its keys itself (tests/open311/test_server.py).
PUBLIC_BLUEPRINTS = {
    "feedback",
    "vendor",
    "public_promises",
    "health",
    "open311",
    "public_walks",
    "resident_mail",
}
PUBLIC_ENDPOINTS = {"static", "accounts.login", "accounts.logout", "accounts.accept"}
LOGGED_IN_ENDPOINTS = {"accounts.home", "accounts.start", "help.coordinators"}
