"""The application factory."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from flask import Flask

from core.clock import LOCAL_ZONE


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """Create and configure the Tryggkartan app; its files in instance_path (else instance/)."""
    from jobs.cli import configured_workers

    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY", "dev-only-not-secret"),
        DATABASE_URL=os.environ.get("DATABASE_URL"),
        TILE_URL=os.environ.get("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        TILE_ATTRIBUTION=os.environ.get(
            "TILE_ATTRIBUTION",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        ),
        # The report form's "others have reported here" (per client address): its answers are
        # whole public cells, so a limit only slows a scraper down.
        NEARBY_RATE_LIMIT=os.environ.get("NEARBY_RATE_LIMIT", "60 per minute;600 per hour"),
        # queue: recompute hot spots as a job after reports arrive (jobs/); sync; off.
        HOTSPOTS_RECOMPUTE=os.environ.get("HOTSPOTS_RECOMPUTE", "queue"),
        HOTSPOTS_DEBOUNCE_S=2.0,
        HOTSPOTS_REQUEST_S=30.0,  # a page asks for the same missing run at most this often
        # At most one recomputation per kommun in this many seconds (a busy day's reports
        # would otherwise keep every worker clustering).
        HOTSPOTS_MIN_INTERVAL_S=float(os.environ.get("HOTSPOTS_MIN_INTERVAL_S", "60")),
        MAX_CONTENT_LENGTH=256 * 1024,
        BABEL_DEFAULT_LOCALE="sv",
        BABEL_DEFAULT_TIMEZONE=LOCAL_ZONE.key,
        LANGUAGES={"sv": "Svenska", "en": "English", "ar": "العربية"},
        # Staff work in Swedish or English; the residents' pages also speak Arabic.
        STAFF_LANGUAGES=("sv", "en"),
        WTF_CSRF_TIME_LIMIT=None,
        # Staff sessions end this long after login, whatever happens in between.
        PERMANENT_SESSION_LIFETIME=timedelta(hours=float(os.environ.get("SESSION_HOURS", "8"))),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Only over HTTPS: on under gunicorn (gunicorn.conf.py), off in the embedded `flask run`.
        SESSION_COOKIE_SECURE=_env_flag("SESSION_COOKIE_SECURE"),
        INVITATION_MAX_AGE=timedelta(hours=72),
        # How many reverse proxies in front of the app append to X-Forwarded-For (the
        # same-host TLS proxy: 1). 0 ignores the header; rate limits key on the real client.
        TRUSTED_PROXIES=int(os.environ.get("TRUSTED_PROXIES", "0")),
        # How long a browser may see a report after its receipt code was shown or typed.
        RECEIPT_SESSION_MAX_AGE=timedelta(
            minutes=float(os.environ.get("RECEIPT_SESSION_MINUTES", "30"))
        ),
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        RATELIMIT_KEY_PREFIX=os.environ.get("RATELIMIT_KEY_PREFIX", "tryggkartan"),
        RATELIMIT_ENABLED=True,
        # Redis out of reach (a restart): each process counts in its own memory meanwhile,
        # and goes back to Redis once it answers, instead of refusing every request.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        LOGIN_RATE_LIMIT=os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # Per client address; generous, since a library or school shares one address.
        REPORT_RATE_LIMIT=os.environ.get("REPORT_RATE_LIMIT", "20 per minute;200 per hour"),
        # Retention (privacy.retention): anonymise reports after this many days, and drop a
        # closed report's contact e-mail this many days after closing.
        RETENTION_DAYS=int(os.environ.get("RETENTION_DAYS", "730")),
        CONTACT_DAYS=int(os.environ.get("CONTACT_DAYS", "90")),
        # Scanned paper sheets' page images (handwriting): gone once checked, at most this long.
        SCAN_IMAGE_DAYS=int(os.environ.get("SCAN_IMAGE_DAYS", "90")),
        FEELING_RATE_LIMIT=os.environ.get("FEELING_RATE_LIMIT", "20 per hour"),
        # Per client address, on the public pages (a cache serves them, but not without end).
        PUBLIC_PAGE_RATE_LIMIT=os.environ.get("PUBLIC_PAGE_RATE_LIMIT", "60 per minute"),
        # Open311: posts per API key and per client address (client keys ship inside apps and
        # are as good as public); reads per client address.
        OPEN311_POST_RATE_LIMIT=os.environ.get("OPEN311_POST_RATE_LIMIT", "60 per minute"),
        OPEN311_POST_ADDRESS_RATE_LIMIT=os.environ.get(
            "OPEN311_POST_ADDRESS_RATE_LIMIT", "20 per minute;200 per hour"
        ),
        OPEN311_GET_RATE_LIMIT=os.environ.get("OPEN311_GET_RATE_LIMIT", "120 per minute"),
        OPEN311_CONTACT=os.environ.get("OPEN311_CONTACT", ""),
        # Survey results by age band or gender only for groups with at least this many answers.
        SURVEY_MIN_GROUP=int(os.environ.get("SURVEY_MIN_GROUP", "10")),
        # k: no public answer (map, "nearby", Open311 reads) tells of a 250 m cell with fewer
        # reports than this (privacy.public).
        PUBLIC_MIN_CELL_REPORTS=int(os.environ.get("PUBLIC_MIN_CELL_REPORTS", "5")),
        # A follow-up may be dated this many days after the promise's end (the last
        # tertial is often written up after it closes), never before its start or in the future.
        PROMISE_FOLLOWUP_GRACE_DAYS=int(os.environ.get("PROMISE_FOLLOWUP_GRACE_DAYS", "60")),
        # Mail to residents (mail/): SMTP when MAIL_URL is set, else a maildir in instance/.
        MAIL_URL=os.environ.get("MAIL_URL") or None,
        MAIL_FROM=os.environ.get("MAIL_FROM", "Tryggkartan <no-reply@localhost>"),
        # Where the links in mails point: the public address of this site.
        PUBLIC_BASE_URL=os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        MAIL_UPDATE_INTERVAL_S=float(os.environ.get("MAIL_UPDATE_INTERVAL_S", "3600")),
        MAIL_MAX_ATTEMPTS=int(os.environ.get("MAIL_MAX_ATTEMPTS", "6")),
        MAIL_RETRY_DELAY_S=float(os.environ.get("MAIL_RETRY_DELAY_S", "60")),
        MAIL_CLAIM_TIMEOUT_S=float(os.environ.get("MAIL_CLAIM_TIMEOUT_S", "600")),
        QUESTIONNAIRE_WEEKS=float(os.environ.get("QUESTIONNAIRE_WEEKS", "4")),
        QUESTIONNAIRE_LINK_DAYS=float(os.environ.get("QUESTIONNAIRE_LINK_DAYS", "60")),
        SUBSCRIBE_LINK_DAYS=int(os.environ.get("SUBSCRIBE_LINK_DAYS", "7")),
        SUBSCRIBE_RATE_LIMIT=os.environ.get("SUBSCRIBE_RATE_LIMIT", "10 per hour"),
        # Background jobs (jobs/, Huey): Redis when REDIS_URL (or a redis:// rate-limit
        # storage) is set, else an SQLite file in instance/. Immediate: run where added.
        REDIS_URL=os.environ.get("REDIS_URL") or None,
        JOBS_SQLITE_PATH=os.environ.get("JOBS_SQLITE_PATH") or None,
        JOBS_IMMEDIATE=os.environ.get("JOBS_IMMEDIATE", "") == "1",
        JOBS_WORKERS=configured_workers(),
        JOBS_POLL_MAX_S=float(os.environ.get("JOBS_POLL_MAX_S", "2")),
        JOBS_NAME=os.environ.get("JOBS_NAME")
        or os.environ.get("RATELIMIT_KEY_PREFIX", "tryggkartan") + "-jobs",
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    import db
    from accounts import security
    from core import cache, headers, i18n, logs, proxy, templates
    from hotspots import worker
    from jobs import init_app as init_jobs
    from privacy import filters as privacy_filters

    proxy.init_app(app)
    logs.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    headers.init_app(app)
    templates.init_app(app)
    privacy_filters.init_app(app)
    security.init_app(app)
    cache.init_app(app)
    worker.init_app(app)
    init_jobs(app)


def register_blueprints(app: Flask) -> None:
    import promise_dialogues
    from accounts.admin import bp as users_bp
    from accounts.help import bp as help_bp
    from accounts.views import bp as accounts_bp
    from core import assets, health
    from feedback.views import bp as feedback_bp
    from mail.admin import bp as mail_admin_bp
    from mail.views import bp as resident_mail_bp
    from open311 import api as open311_api
    from open311.admin import bp as open311_admin_bp
    from promises import follow as _follow  # noqa: F401  (its routes on public_promises)
    from promises.partner import bp as partner_bp
    from promises.public import bp as public_promises_bp
    from promises.views import bp as promises_bp
    from review import lagesbild_page as _lagesbild  # noqa: F401  (its routes on review_bp)
    from review import maps as _maps  # noqa: F401  (its routes on review_bp)
    from review import views as _review_views  # noqa: F401  (its routes on review_bp)
    from review.blueprint import bp as review_bp
    from review.exports import bp as exports_bp
    from review.field import bp as field_bp
    from surveys.public import bp as public_walks_bp
    from surveys.views import bp as surveys_bp

    assets.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(help_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(field_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(promises_bp)
    app.register_blueprint(partner_bp)
    app.register_blueprint(public_promises_bp)
    app.register_blueprint(open311_admin_bp)
    app.register_blueprint(surveys_bp)
    app.register_blueprint(public_walks_bp)
    app.register_blueprint(resident_mail_bp)
    app.register_blueprint(mail_admin_bp)
    open311_api.init_app(app)
    promise_dialogues.init_app(app)  # last: it links promises and surveys, which come first


def register_errorhandlers(app: Flask) -> None:
    from core import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    import demo
    from accounts import cli as accounts_cli
    from core import backup
    from hotspots import cli as hotspots_cli
    from kommun import cli as kommun_cli
    from open311 import cli as open311_cli
    from privacy import retention
    from surveys import cli as surveys_cli

    kommun_cli.init_app(app)
    demo.init_app(app)
    accounts_cli.init_app(app)
    hotspots_cli.init_app(app)
    backup.init_app(app)
    retention.init_app(app)
    open311_cli.init_app(app)
    surveys_cli.init_app(app)
