"""Numbers for people: the page's locale decides the decimal sign (Swedish: a comma), ranges
use an en dash. Figures in files meant for programs keep a plain decimal point."""

from __future__ import annotations

from flask_babel import format_decimal

EN_DASH = "\u2013"
NBSP = "\u00a0"


def decimal(value: float, digits: int = 1) -> str:
    """3.571 -> "3,57" with digits=2 in Swedish (grouping with a space from 10 000)."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return str(format_decimal(value, format=pattern))


def percent(share: float, digits: int = 1) -> str:
    """A share 0–1 as a percentage: 0.5 -> "50,0 %" (a no-break space before the sign)."""
    return f"{decimal(share * 100, digits)}{NBSP}%"


def number_range(low: float, high: float, digits: int = 1) -> str:
    """Two decimals joined by an en dash: "2,91–4,13"."""
    return f"{decimal(low, digits)}{EN_DASH}{decimal(high, digits)}"


def percent_range(low: float, high: float, digits: int = 1) -> str:
    """Two shares as percentages joined by an en dash: "23,7–76,3 %"."""
    return f"{number_range(low * 100, high * 100, digits)}{NBSP}%"
