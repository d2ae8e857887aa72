"""Admins issue and revoke Open311 API keys and set up forwarding to felanmälan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from accounts.access import require_role, staff_user
from accounts.forms import ButtonForm
from audit.services import record
from core.forms import BaseForm, options
from db import get_session
from feedback import reasons
from kommun.models import Kommun
from open311 import forward
from open311.keys import create_key, revoke_key
from open311.models import ApiKey, Forwarding, ForwardTarget

bp = Blueprint("open311_admin", __name__, url_prefix="/admin/open311")

RECENT_FORWARDINGS = 50
FORWARDING_STATES = {
    "queued": _l("I kö"),
    "sending": _l("Skickas"),
    "sent": _l("Skickat"),
    "failed": _l("Misslyckades"),
}


@bp.app_template_global()
def forwarding_state(state: str) -> str:
    return str(FORWARDING_STATES.get(state, state))


@bp.before_request
def guard() -> Response | None:
    return require_role("admin")


def _kommun_choices() -> list[Any]:
    return options(*((str(k.id), k.name) for k in staff_user().kommuner))


class KeyForm(BaseForm):
    name = StringField(
        _l("Vem får nyckeln?"),
        validators=[InputRequired(_l("Skriv vem nyckeln är till.")), Length(max=120)],
        description=_l("Till exempel appens eller partnerns namn."),
    )
    kommun = SelectField(_l("Kommun"), choices=[])
    staff = BooleanField(_l("Får se exakta platser och maskerad text (för kommunens egna system)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="key", **kwargs)
        self.kommun.choices = _kommun_choices()


def _parse_service_map(text: str) -> dict[str, str]:
    mapping = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        ours, sep, theirs = line.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if not sep or not ours or not theirs or len(theirs) > 100:
            raise ValidationError(
                _("Rad %(n)d: skriv som skälets kod = felanmälans tjänstekod.", n=number)
            )
        if ours not in reasons.BY_CODE:
            raise ValidationError(
                _("Rad %(n)d: det finns inget skäl %(code)s.", n=number, code=ours)
            )
        mapping[ours] = theirs
    if not mapping:
        raise ValidationError(_("Ange minst ett skäl som ska skickas vidare."))
    return mapping


class TargetForm(BaseForm):
    kommun = SelectField(_l("Kommun"), choices=[])
    name = StringField(
        _l("Namn"), validators=[InputRequired(_l("Ge systemet ett namn.")), Length(max=120)]
    )
    endpoint = StringField(
        _l("Adress till Open311-tjänsten"),
        validators=[InputRequired(_l("Ange adressen.")), Length(max=300)],
        description=_l("Till exempel https://felanmalan.kommun.se/open311/v2"),
    )
    api_key = StringField(
        _l("API-nyckel hos felanmälan"),
        validators=[InputRequired(_l("Ange nyckeln.")), Length(max=200)],
    )
    jurisdiction_id = StringField(
        _l("jurisdiction_id (om tjänsten kräver det)"), validators=[Optional(), Length(max=100)]
    )
    service_map = TextAreaField(
        _l("Skäl som skickas vidare"),
        validators=[Length(max=5000)],
        description=_l(
            "En rad per skäl: skälets kod = felanmälans tjänstekod, till exempel "
            "place.broken_light = GATLJUS."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="target", **kwargs)
        self.kommun.choices = _kommun_choices()
        self.parsed_map: dict[str, str] = {}

    def validate_endpoint(self, field: StringField) -> None:
        parts = urlsplit(field.data or "")
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValidationError(_l("Ange en adress som börjar med https://."))

    def validate_service_map(self, field: TextAreaField) -> None:
        self.parsed_map = _parse_service_map(field.data or "")


def _chosen_kommun(form: KeyForm | TargetForm) -> Kommun:
    kommun = next((k for k in staff_user().kommuner if str(k.id) == form.kommun.data), None)
    if kommun is None:
        abort(400)
    return kommun


def _page(
    key_form: KeyForm | None = None,
    target_form: TargetForm | None = None,
    new_key: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    session = get_session()
    kommun_ids = staff_user().kommun_ids
    keys = session.scalars(
        select(ApiKey).where(ApiKey.kommun_id.in_(kommun_ids)).order_by(ApiKey.created_at.desc())
    ).all()
    targets = session.scalars(
        select(ForwardTarget)
        .where(ForwardTarget.kommun_id.in_(kommun_ids))
        .order_by(ForwardTarget.name)
    ).all()
    forwardings = session.scalars(
        select(Forwarding)
        .where(Forwarding.target_id.in_([t.id for t in targets]))
        .order_by(Forwarding.created_at.desc())
        .limit(RECENT_FORWARDINGS)
    ).all()
    return render_template(
        "open311/admin.html",
        keys=keys,
        targets=targets,
        forwardings=forwardings,
        key_form=key_form or KeyForm(formdata=None),
        target_form=target_form or TargetForm(formdata=None),
        button=ButtonForm(),
        new_key=new_key,
    ), status


@bp.get("/")
def index() -> tuple[str, int]:
    """Keys, felanmälan systems and the latest forwardings of the admin's kommuner."""
    return _page()


@bp.post("/nycklar")
def new_key() -> tuple[str, int]:
    form = KeyForm()
    if not form.validate_on_submit():
        return _page(key_form=form, status=400)
    session = get_session()
    kommun = _chosen_kommun(form)
    key, secret = create_key(
        session,
        form.name.data or "",
        kommun=kommun,
        staff=bool(form.staff.data),
        created_by_id=staff_user().id,
    )
    record(session, staff_user(), "open311.key_created", key, kommun_id=kommun.id, name=key.name)
    return _page(new_key=secret)  # shown once, never stored


def _own(model: type[ApiKey] | type[ForwardTarget], object_id: int) -> Any:
    found: Any = get_session().get(model, object_id)
    if found is None or found.kommun_id not in staff_user().kommun_ids:
        abort(404)
    return found


@bp.post("/nycklar/<int:key_id>/aterkalla")
def revoke(key_id: int) -> Response:
    key = _own(ApiKey, key_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    revoke_key(key)
    record(get_session(), staff_user(), "open311.key_revoked", key, name=key.name)
    flash(_("Nyckeln till %(name)s är återkallad.", name=key.name))
    return redirect(url_for("open311_admin.index"), code=303)


@bp.post("/felanmalan")
def new_target() -> Response | tuple[str, int]:
    form = TargetForm()
    if not form.validate_on_submit():
        return _page(target_form=form, status=400)
    session = get_session()
    kommun = _chosen_kommun(form)
    target = ForwardTarget(
        kommun=kommun,
        name=(form.name.data or "").strip(),
        endpoint=(form.endpoint.data or "").strip(),
        api_key=(form.api_key.data or "").strip(),
        jurisdiction_id=(form.jurisdiction_id.data or "").strip() or None,
        service_map=form.parsed_map,
        since=datetime.now(UTC),
    )
    session.add(target)
    session.flush()
    record(session, staff_user(), "open311.target_created", target, name=target.name)
    flash(_("Från och med nu skickas förslagen vidare till %(name)s.", name=target.name))
    return redirect(url_for("open311_admin.index"), code=303)


@bp.post("/felanmalan/<int:target_id>/aktiv")
def toggle_target(target_id: int) -> Response:
    target = _own(ForwardTarget, target_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    target.active = not target.active
    record(get_session(), staff_user(), "open311.target_active", target, active=target.active)
    return redirect(url_for("open311_admin.index"), code=303)


@bp.post("/vidarebefordringar/<int:forwarding_id>/igen")
def retry(forwarding_id: int) -> Response:
    item = get_session().get(Forwarding, forwarding_id)
    if item is None or item.target.kommun_id not in staff_user().kommun_ids:
        abort(404)
    if not ButtonForm().validate_on_submit() or item.state != "failed":
        abort(400)
    forward.retry(item)
    record(get_session(), staff_user(), "open311.retry", item, kommun_id=item.target.kommun_id)
    flash(_("Förslaget skickas igen vid nästa körning."))
    return redirect(url_for("open311_admin.index") + "#forwardings", code=303)
