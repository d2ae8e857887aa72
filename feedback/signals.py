"""The report signals live in core.signals; kept here for the modules that import them from here."""

from __future__ import annotations

from core.signals import reports_changed

__all__ = ["reports_changed"]
