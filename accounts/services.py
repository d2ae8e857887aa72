"""Accounts: authenticate, invite, accept an invitation, disable. Services flush; views commit."""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

import accounts.models
from accounts.models import ROLES, User, UserKommun, user_by_email
from audit.services import record
from kommun.models import Kommun

INVITATION_SALT = "tryggkartan-invitation"
EMAIL_KEY_SALT = b"tryggkartan-login-email\0"


@functools.cache
def _dummy_hash(method: str) -> str:
    """Compared against when the e-mail is unknown, so both answers take as long. Made at
    the first such login, not when the app starts (a quarter of a second at scrypt's work
    factor, paid by every process that never sees a login)."""
    return generate_password_hash("not a password", method=method)


class AccountError(ValueError):
    """A request that cannot be carried out; the message is for the person who asked."""


def email_key(email: str) -> str:
    """A keyed hash of a typed e-mail address: attempts on one address can be told apart and
    counted, but the log and the rate limiter never hold what was typed (at times a password)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    typed = email.strip().lower().encode("utf-8", "surrogatepass")
    return hmac.new(secret, EMAIL_KEY_SALT + typed, hashlib.sha256).hexdigest()[:32]


def authenticate(
    session: Session, email: str, password: str, *, address: str | None = None
) -> User | None:
    """The active user with this e-mail and password, or None; the attempt is logged.

    A failed attempt is logged with the client's address and the account it was for or, when
    the e-mail matches no account, its email_key(): never with what was typed.
    """
    user = user_by_email(session, email)
    if user is None or not user.password_hash:
        # as slow as a real check
        check_password_hash(_dummy_hash(accounts.models.PASSWORD_METHOD), password)
    elif user.check_password(password) and user.active:
        user.last_login_at = datetime.now(UTC)
        record(session, user, "login", user)
        return user
    if user is None:
        record(session, None, "login.failed", email_key=email_key(email), address=address)
    else:
        record(session, None, "login.failed", user, inactive=not user.active, address=address)
    return None


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    kommuner: Iterable[Kommun],
    organisation: str | None = None,
    password: str | None = None,
    invited_by: User | None = None,
) -> User:
    """Create an account; without a password it waits for its invitation to be accepted."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}")
    email = email.strip().lower()
    if user_by_email(session, email) is not None:
        raise AccountError("Det finns redan ett konto med den e-postadressen.")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        organisation=(organisation or "").strip() or None,
        active=True,
        session_version=1,
        invited_by_id=invited_by.id if invited_by else None,
    )
    user.kommuner = list(kommuner)
    if password:
        user.set_password(password)
    session.add(user)
    session.flush()
    record(
        session,
        invited_by,
        "user.create",
        user,
        role=role,
        kommuner=[k.code for k in user.kommuner],
        organisation=user.organisation,
    )
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)


def invitation_token(user: User) -> str:
    """A signed token to set a password; it dies with the next session_version."""
    return _serializer().dumps({"uid": user.id, "v": user.session_version})


def user_for_invitation(session: Session, token: str) -> User | None:
    """The user a valid, unexpired, unused invitation token belongs to."""
    max_age = int(current_app.config["INVITATION_MAX_AGE"].total_seconds())
    try:
        data = _serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    user = session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or not user.active or user.session_version != data.get("v"):
        return None
    return user


def accept_invitation(session: Session, user: User, password: str) -> None:
    """Set the password; the token (and any other session) stops working."""
    user.set_password(password)
    user.session_version += 1
    record(session, user, "user.accept_invitation", user)
    session.flush()


def reset_password(session: Session, user: User, by: User | None) -> None:
    """Remove the password and log the user out: a new invitation link sets another."""
    user.password_hash = None
    user.session_version += 1
    record(session, by, "user.reset_password", user)
    session.flush()


def set_active(session: Session, user: User, active: bool, by: User | None) -> None:
    """Disable (and log out everywhere) or enable an account (by None: from the shell)."""
    if by is not None and user.id == by.id and not active:
        raise AccountError("Du kan inte inaktivera ditt eget konto.")
    user.active = active
    if not active:
        user.session_version += 1
    record(session, by, "user.enable" if active else "user.disable", user)
    session.flush()


def logout_everywhere(session: Session, user: User) -> None:
    """End every session of the user, on every device."""
    user.session_version += 1
    record(session, user, "logout.everywhere", user)
    session.flush()


def may_manage(admin: User, user: User) -> bool:
    """Whether an admin may see, disable, enable or reset the password of this user.

    Only users whose kommuner are all among the admin's own, and never another admin of the
    same or a wider scope: taking over such an account would open data the admin may not see,
    or let one admin act in another's name. Users without a kommun are managed only from the
    shell (`flask accounts`): no web admin's scope covers them. An admin may always see their
    own account, and the invitation of an account they created until it is first used.
    """
    if user.id == admin.id:
        return True
    if _pending_invitation_of(admin, user):
        return True
    theirs, mine = user.kommun_ids, admin.kommun_ids
    if not theirs or not theirs <= mine:
        return False
    return user.role != "admin" or theirs < mine


def _pending_invitation_of(admin: User, user: User) -> bool:
    """The user was invited by this admin and nothing has happened to the account since."""
    return (
        user.invited_by_id == admin.id
        and user.password_hash is None
        and user.session_version == 1
        and user.kommun_ids <= admin.kommun_ids
    )


def users_for_admin(session: Session, admin: User) -> list[User]:
    """The users the admin may manage (see may_manage), by name."""
    sharing = select(UserKommun.user_id).where(UserKommun.kommun_id.in_(admin.kommun_ids))
    users = session.scalars(
        select(User)
        .where(or_(User.id == admin.id, User.id.in_(sharing)))
        .order_by(User.name, User.email)
    )
    return [u for u in users if may_manage(admin, u)]
