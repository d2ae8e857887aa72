"""What staff can say about a report, in words: statuses, why it closed, whom it went to,
where it came from, what changed, and a hot spot's trend.

Perceived safety is not a defect (DOMAIN.md): a report is "avslutad" with a reason, never "fixed".
These labels live low so that feedback, review, promises and mail can all name a status
without importing one another; the statuses themselves are feedback.models.STATUSES.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CLOSE_REASONS = {
    "atgardad": _l("Åtgärdad"),
    "ingen_atgard_mojlig": _l("Ingen åtgärd möjlig"),
    "inte_kommunens_ansvar": _l("Inte kommunens ansvar"),
}
FORWARD_TARGETS = {
    "felanmalan": _l("Felanmälan"),
    "fastighetsagare": _l("Fastighetsägare"),
    "polisen": _l("Polisen"),
    "trafikverket": _l("Trafikverket"),
    "annan": _l("Annan"),
}
# Short labels for staff lists; residents see feedback.reasons.STATUS_LABELS.
STAFF_STATUS_LABELS = {
    "ny": _l("Ny"),
    "granskad": _l("Granskad"),
    "del_av_hot_spot": _l("Del av en otrygg plats"),
    "atgard_planerad": _l("Åtgärd planerad"),
    "vidarebefordrad": _l("Vidarebefordrad"),
    "avslutad": _l("Avslutad"),
}
SOURCE_LABELS = {
    "online": _l("Invånare online"),
    "support": _l("Känner likadant"),
    "survey": _l("Dialogenkät"),
    "walk": _l("Trygghetsvandring"),
    "staff": _l("Rapportör (EST)"),
    "open311": _l("Annan tjänst via Open311"),
}
CHANGE_LABELS = {
    "status": _l("Status"),
    "reasons": _l("Skäl"),
    "location": _l("Plats"),
    "hidden": _l("Dold i sammanställningar"),
    "merged_into": _l("Dubblett av"),
}


def staff_status(status: str) -> str:
    return str(STAFF_STATUS_LABELS.get(status, status))


def close_reason(code: str | None) -> str:
    return str(CLOSE_REASONS.get(code or "", code or ""))


def forward_target(code: str | None) -> str:
    return str(FORWARD_TARGETS.get(code or "", code or ""))


def source_label(code: str) -> str:
    return str(SOURCE_LABELS.get(code, code))


def change_label(field: str) -> str:
    return str(CHANGE_LABELS.get(field, field))


TREND_LABELS = {
    "new": _l("Ny"),
    "growing": _l("Växer"),
    "stable": _l("Stabil"),
    "shrinking": _l("Minskar"),
    "gone": _l("Borta"),
}
TREND_SYMBOLS = {"new": "✦", "growing": "▲", "stable": "■", "shrinking": "▼", "gone": "○"}
