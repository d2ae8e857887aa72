"""MAIL_URL and the job queue's storage are read from the configuration as documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey

from jobs import make_huey
from mail.transport import parse_mail_url


def test_mail_url_forms():
    starttls = parse_mail_url("smtp://tk%40kommun.se:p%3Ass@mail.kommun.se:587?starttls=1")
    assert (starttls.host, starttls.port, starttls.starttls, starttls.tls) == (
        "mail.kommun.se",
        587,
        True,
        False,
    )
    assert (starttls.username, starttls.password) == ("tk@kommun.se", "p:ss")
    smtps = parse_mail_url("smtps://user:pw@mail.kommun.se")
    assert (smtps.port, smtps.tls, smtps.starttls) == (465, True, False)
    relay = parse_mail_url("smtp://127.0.0.1")
    assert (relay.port, relay.tls, relay.starttls, relay.username) == (25, False, False, None)
    for bad in ("http://mail.kommun.se", "smtp://", "mail.kommun.se:25"):
        with pytest.raises(ValueError):
            parse_mail_url(bad)


def test_the_queue_is_sqlite_under_instance_or_redis(app, tmp_path):
    app.config.update(JOBS_IMMEDIATE=False, REDIS_URL=None, RATELIMIT_STORAGE_URI="memory://")
    huey = make_huey(app)
    assert isinstance(huey, SqliteHuey)
    assert Path(huey.storage.filename) == Path(app.instance_path) / "jobs.sqlite"
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379"
    assert isinstance(make_huey(app), RedisHuey)  # production's Redis, unless REDIS_URL says
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/3"
    redis_huey = make_huey(app)
    assert isinstance(redis_huey, RedisHuey)
    assert redis_huey.storage.pool.connection_kwargs["db"] == 3


def test_one_job_by_hand(runner, kommuners_loaded):
    result = runner.invoke(args=["jobs", "run", "mail.sweep"])
    assert result.exit_code == 0 and "mail.sweep done" in result.output
    unknown = runner.invoke(args=["jobs", "run", "nothing"])
    assert unknown.exit_code == 1 and "privacy.retention" in unknown.output


@pytest.fixture
def kommuners_loaded(kommuner):
    return kommuner
