"""The load test's baseline: a bare Flask endpoint that inserts one row, on the same database,
and a receipt page that reads it back (the resident's POST is followed by its receipt page).

gunicorn "bench.bare_app:create()"   (DATABASE_URL as for the app)
"""

from __future__ import annotations

import os
import secrets

from flask import Flask, abort, request
from markupsafe import escape
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

import db

metadata = MetaData()
bare = Table(
    "bench_bare",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), unique=True),
    Column("text", String(2000)),
)


def create() -> Flask:
    app = Flask(__name__)
    engine = db.make_engine(os.environ["DATABASE_URL"])
    metadata.create_all(engine)

    @app.post("/bare")
    def insert_one() -> tuple[str, int, dict[str, str]]:
        code = secrets.token_hex(8)
        with engine.begin() as conn:
            conn.execute(insert(bare).values(code=code, text=request.form.get("text", "")))
        return "", 303, {"Location": f"/kvitto/{code}"}

    @app.get("/kvitto/<code>")
    def receipt(code: str) -> str:
        with engine.connect() as conn:
            found = conn.scalar(select(bare.c.code).where(bare.c.code == code))
        if found is None:
            abort(404)
        return f'<p id="receipt-code">{escape(found)}</p>'

    return app
