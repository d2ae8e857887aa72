"""Rate limits count per real client behind the TLS proxy (TRUSTED_PROXIES), and a client
cannot dodge them by writing X-Forwarded-For itself."""

from __future__ import annotations

import itertools

import pytest

import db
from app import create_app
from tests.helpers import signed_promise

# Every rate-limited door: path, method, the setting of its limit.
LIMITED = [
    ("/inloggning", "POST", "LOGIN_RATE_LIMIT"),
    ("/k/vanersborg/", "POST", "REPORT_RATE_LIMIT"),
    ("/k/vanersborg/loften/plats/{focus}", "POST", "FEELING_RATE_LIMIT"),
    ("/open311/v2/requests.json?jurisdiction_id=1487", "GET", "OPEN311_GET_RATE_LIMIT"),
]
PROXY = "127.0.0.1"
emails = (f"junk{n}@example.org" for n in itertools.count())


@pytest.fixture
def focus(kommuner, session):
    """A place of a signed promise, whose feeling form the limit guards: a real page, not a
    404 that would be limited all the same."""
    return signed_promise(session, kommuner["Vänersborg"]).focus_areas[0].id


@pytest.fixture
def app_behind(app, migrated_url, kommuner):
    """Factory: the app as `./dev prod` serves it, with TRUSTED_PROXIES proxies in front.
    (It shares the suite's database; the `app` fixture empties it afterwards.)"""
    made = []

    def make(trusted):
        proxied = create_app(
            dict(app.config)
            | {"TRUSTED_PROXIES": trusted, "LOGIN_RATE_LIMIT": "2 per minute"}
            | {key: "2 per minute" for _path, _method, key in LIMITED}
        )
        made.append(proxied)
        return proxied.test_client()

    yield make
    for proxied in made:
        db.get_engine(proxied).dispose()


def knock(client, path, method, forwarded_for):
    """One request from the proxy's address carrying this X-Forwarded-For."""
    return client.open(
        path,
        method=method,
        data={"email": next(emails), "password": "x"} if method == "POST" else None,
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": PROXY},
    )


@pytest.mark.parametrize(("path", "method", "_setting"), LIMITED)
def test_behind_one_proxy_each_client_has_a_limit_of_its_own(
    app_behind, focus, path, method, _setting
):
    client = app_behind(1)
    path = path.format(focus=focus)
    # A client that writes its own X-Forwarded-For: the proxy appends the real address.
    first = [knock(client, path, method, f"10.9.9.{n}, 203.0.113.7") for n in range(3)]
    assert [r.status_code for r in first][2] == 429
    assert all(r.status_code not in (404, 429) for r in first[:2]), first
    second = knock(client, path, method, "198.51.100.20")
    assert second.status_code not in (404, 429)


@pytest.mark.parametrize(("path", "method", "_setting"), LIMITED)
def test_without_trusted_proxies_a_forged_header_dodges_nothing(
    app_behind, focus, path, method, _setting
):
    client = app_behind(0)
    path = path.format(focus=focus)
    codes = [knock(client, path, method, f"203.0.113.{n}").status_code for n in range(3)]
    assert codes[2] == 429 and all(code not in (404, 429) for code in codes[:2]), codes


def test_the_setting_must_not_be_negative(app):
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        create_app(dict(app.config) | {"TRUSTED_PROXIES": -1})
