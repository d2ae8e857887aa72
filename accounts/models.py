from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from db import Base, utcnow
from kommun.models import Kommun

ROLES = ("admin", "coordinator", "dialog", "rapportor", "partner")
REVIEW_ROLES = frozenset({"admin", "coordinator"})
PASSWORD_METHOD = "scrypt"


class User(UserMixin, Base):
    """A member of staff: kommun, police or, for rapportörer, a partner organisation."""

    # "user" is a reserved word in PostgreSQL.
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # None until the invitation is accepted (or after an admin resets the password).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))
    # A rapportör's employer (housing company, guard company, ...): it goes on their reports.
    organisation: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of every login session; bumping it logs the user out everywhere.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    last_login_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )

    kommuner: Mapped[list[Kommun]] = relationship(
        secondary="user_kommun", order_by="Kommun.name", lazy="selectin"
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def can_review(self) -> bool:
        return self.role in REVIEW_ROLES

    @property
    def kommun_ids(self) -> set[int]:
        return {k.id for k in self.kommuner}

    def sees(self, kommun_id: int) -> bool:
        """Whether the user may see this kommun's data (every role, admins too)."""
        return kommun_id in self.kommun_ids

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserKommun(Base):
    """Membership: the kommuner a user works for and may see."""

    __tablename__ = "user_kommun"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    kommun_id: Mapped[int] = mapped_column(
        ForeignKey("kommun.id", ondelete="CASCADE"), primary_key=True, index=True
    )


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))
