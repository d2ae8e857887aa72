from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from db import Base


class PromiseDialogue(Base):
    """A medborgardialog a promise was built on (or is measured by)."""

    __tablename__ = "promise_dialogue"

    promise_id: Mapped[int] = mapped_column(
        ForeignKey("promise.id", ondelete="CASCADE"), primary_key=True
    )
    dialogue_id: Mapped[int] = mapped_column(
        ForeignKey("dialogue_session.id", ondelete="CASCADE"), primary_key=True, index=True
    )
