"""Residents follow a promise by mail: the form, and the page that says to check the inbox.

The answer is the same whether the address is new, waiting for confirmation or following
already, so the form tells no one who follows what; only a new address gets a mail.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy import select
from werkzeug.wrappers import Response

from accounts.security import limiter
from db import get_session
from feedback.models import MAIL_LANGUAGES
from kommun.services import kommun_by_slug
from promises.models import Promise, PromiseSubscription
from promises.public import bp
from promises.public_forms import FollowForm
from promises.subscriptions import subscribe


def _public_promise(slug: str, promise_id: int) -> Promise:
    session = get_session()
    kommun = kommun_by_slug(session, slug)
    promise = session.get(Promise, promise_id)
    if kommun is None or promise is None or promise.kommun_id != kommun.id:
        abort(404)
    if promise.status != "undertecknat":
        abort(404)
    return promise


@bp.route("/<slug>/loften/<int:promise_id>/folj", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SUBSCRIBE_RATE_LIMIT"], methods=["POST"])
def follow(slug: str, promise_id: int) -> Response | tuple[str, int]:
    """Ask for the promise's follow-ups by mail; a mail with a link confirms it."""
    promise = _public_promise(slug, promise_id)
    form = FollowForm()
    if form.validate_on_submit():
        session = get_session()
        email = (form.email.data or "").strip()
        known = session.scalar(
            select(PromiseSubscription.id).where(
                PromiseSubscription.promise_id == promise.id,
                PromiseSubscription.email == email,
            )
        )
        if known is None:
            language = str(get_locale() or "sv")
            subscribe(session, promise, email, language if language in MAIL_LANGUAGES else "sv")
        return redirect(
            url_for("public_promises.follow_sent", slug=promise.kommun.slug, promise_id=promise.id),
            code=303,
        )
    status = 400 if request.method == "POST" else 200
    return render_template("public/follow.html", form=form, promise=promise), status


@bp.get("/<slug>/loften/<int:promise_id>/folj/skickat")
def follow_sent(slug: str, promise_id: int) -> tuple[str, int]:
    """Tell the resident to confirm from the mail."""
    return render_template(
        "public/follow_sent.html", promise=_public_promise(slug, promise_id)
    ), 200
