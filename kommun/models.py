from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db import Base, utcnow
from geo.boundary import Boundary, boundary


class Kommun(Base):
    __tablename__ = "kommun"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    # GeoJSON Polygon/MultiPolygon in WGS84; the bounding box is kept beside it for cheap filters.
    boundary_geojson: Mapped[dict[str, Any]] = mapped_column(JSON)
    min_lat: Mapped[float] = mapped_column(Float)
    min_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when reports arrive; the hot-spot worker recomputes and clears it.
    hotspots_stale_since: Mapped[datetime | None] = mapped_column()

    landmarks: Mapped[list[Landmark]] = relationship(
        back_populates="kommun", order_by="Landmark.name", cascade="all, delete-orphan"
    )

    @property
    def boundary(self) -> Boundary:
        return boundary(self.boundary_geojson)

    def set_boundary(self, geometry: dict[str, Any]) -> None:
        prepared = boundary(geometry)  # validates before anything is stored
        self.boundary_geojson = geometry
        self.min_lat, self.min_lon, self.max_lat, self.max_lon = prepared.bounds

    def contains(self, lat: float, lon: float) -> bool:
        return self.boundary.contains(lat, lon)

    def __repr__(self) -> str:
        return f"<Kommun {self.code} {self.name}>"


class Landmark(Base):
    """A named place in a kommun (a square, a station, a park) that residents can choose."""

    __tablename__ = "landmark"
    __table_args__ = (UniqueConstraint("kommun_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kommun_id: Mapped[int] = mapped_column(ForeignKey("kommun.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    kommun: Mapped[Kommun] = relationship(back_populates="landmarks")
