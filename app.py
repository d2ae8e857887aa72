"""The application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the Tryggkartan app."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY", "dev-only-not-secret"),
        DATABASE_URL=os.environ.get("DATABASE_URL"),
        TILE_URL=os.environ.get("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        TILE_ATTRIBUTION=os.environ.get(
            "TILE_ATTRIBUTION",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        ),
        NEARBY_RADIUS_M=100,
        MAX_CONTENT_LENGTH=256 * 1024,
        BABEL_DEFAULT_LOCALE="sv",
        BABEL_DEFAULT_TIMEZONE="Europe/Stockholm",
        LANGUAGES={"sv": "Svenska", "en": "English"},
        WTF_CSRF_TIME_LIMIT=None,
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
    from core import i18n

    db.init_app(app)
    i18n.init_app(app)


def register_blueprints(app: Flask) -> None:
    from core import assets
    from feedback.views import bp as feedback_bp

    assets.init_app(app)
    app.register_blueprint(feedback_bp)


def register_errorhandlers(app: Flask) -> None:
    from core import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    import demo
    from kommun import cli as kommun_cli

    kommun_cli.init_app(app)
    demo.init_app(app)
