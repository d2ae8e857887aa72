"""/healthz for load balancers and monitoring: is the app up, and can it reach its database?"""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from db import get_engine

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        # Say which part failed, never how: no URLs, hosts or messages leave the server.
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
