from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db import Base, utcnow
from kommun.models import Kommun


class HotSpotRun(Base):
    """One computation of a kommun's hot spots for a period with given parameters."""

    __tablename__ = "hotspot_run"
    __table_args__ = (Index("ix_hotspot_run_current", "kommun_id", "params_key", "is_current"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kommun_id: Mapped[int] = mapped_column(ForeignKey("kommun.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    # The parameters as given, and a canonical key so runs with the same settings chain up.
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    params_key: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[datetime] = mapped_column()
    period_end: Mapped[datetime] = mapped_column()
    report_count: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[float] = mapped_column(Float)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("hotspot_run.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The heat layer's cells, [lat, lon, weight] (geo.density.heat_cells): a bounded size
    # whatever the number of reports, so map pages never load the reports themselves.
    heat: Mapped[list[list[float]] | None] = mapped_column(JSON)

    kommun: Mapped[Kommun] = relationship()
    hotspots: Mapped[list[HotSpotRecord]] = relationship(
        back_populates="run",
        cascade="all, delete-orphan",
        order_by="(HotSpotRecord.weighted_count.desc(), HotSpotRecord.stable_id)",
    )


class HotSpotRecord(Base):
    """A hot spot of a run. stable_id stays the same for "the same" place across runs."""

    __tablename__ = "hotspot"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("hotspot_run.id", ondelete="CASCADE"), index=True
    )
    kommun_id: Mapped[int] = mapped_column(ForeignKey("kommun.id", ondelete="CASCADE"))
    stable_id: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str | None] = mapped_column(String(120))
    trend: Mapped[str] = mapped_column(String(12))  # new, growing, stable, shrinking, gone
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    polygon: Mapped[dict[str, Any]] = mapped_column(JSON)
    area_m2: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)
    weighted_count: Mapped[float] = mapped_column(Float)
    previous_count: Mapped[int | None] = mapped_column(Integer)
    # Per reason, per time of day, per source; share at night.
    stats: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The member reports' ids, packed (pack_ids): a town-wide hot spot of a large kommun
    # holds hundreds of thousands, a few bytes each. Loaded only when asked for.
    members: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    run: Mapped[HotSpotRun] = relationship(back_populates="hotspots")

    @property
    def member_ids(self) -> npt.NDArray[np.int64]:
        """The member reports' ids, ascending."""
        return unpack_ids(self.members)

    @property
    def report_ids(self) -> list[int]:
        ids: list[int] = self.member_ids.tolist()
        return ids


def pack_ids(ids: npt.ArrayLike) -> bytes:
    """Distinct report ids as bytes: ascending, as differences (mostly small), compressed."""
    ordered = np.sort(np.asarray(ids, dtype=np.int64))
    steps = np.diff(ordered, prepend=np.int64(0)).astype("<i8")
    return zlib.compress(steps.tobytes(), 1)


def unpack_ids(packed: bytes | None) -> npt.NDArray[np.int64]:
    """The ids pack_ids packed, ascending."""
    if not packed:
        return np.empty(0, dtype=np.int64)
    steps = np.frombuffer(zlib.decompress(packed), dtype="<i8")
    return np.cumsum(steps, dtype=np.int64)


class HotSpotName(Base):
    """A name a coordinator gave a place; it follows the place's stable_id from run to run."""

    __tablename__ = "hotspot_name"
    __table_args__ = (UniqueConstraint("kommun_id", "stable_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kommun_id: Mapped[int] = mapped_column(ForeignKey("kommun.id", ondelete="CASCADE"))
    stable_id: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    named_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    named_at: Mapped[datetime] = mapped_column(default=utcnow)
