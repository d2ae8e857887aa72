"""The two-level reason taxonomy of a trygghetsförslag (see DOMAIN.md, section 2).

Codes are ours and stable (they are stored); labels are translated at render time.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Reason:
    code: str
    label: object  # a lazy string


@dataclass(frozen=True)
class ReasonGroup:
    code: str
    label: object
    reasons: tuple[Reason, ...]
    positive: bool = False


GROUPS: tuple[ReasonGroup, ...] = (
    ReasonGroup(
        "PLACE",
        _l("Otrygg plats"),
        (
            Reason("place.dark", _l("Belysning saknas, mörk plats")),
            Reason("place.broken_light", _l("Trasig gatubelysning")),
            Reason("place.bushes", _l("Skymmande buskage och växtlighet")),
            Reason("place.sightlines", _l("Dålig insyn, skymd sikt")),
            Reason("place.deserted", _l("Ödslig plats")),
            Reason("place.no_alternative", _l("Inga alternativa gångvägar")),
            Reason("place.tunnel", _l("Gångtunnel eller passage")),
            Reason("place.decay", _l("Förfallen miljö")),
            Reason("place.wayfinding", _l("Svårt att hitta, dålig skyltning")),
        ),
    ),
    ReasonGroup(
        "DAMAGE",
        _l("Skadegörelse, klotter, nedskräpning"),
        (
            Reason("damage.graffiti", _l("Klotter")),
            Reason("damage.hate_graffiti", _l("Kränkande eller rasistiskt klotter")),
            Reason("damage.glass", _l("Glaskross")),
            Reason("damage.fire", _l("Brand, anlagd brand")),
            Reason("damage.other", _l("Annan skadegörelse")),
            Reason("damage.litter", _l("Nedskräpning")),
            Reason("damage.dumping", _l("Dumpning, övergivna fordon")),
        ),
    ),
    ReasonGroup(
        "PEOPLE",
        _l("Otrygghetsskapande samlingar"),
        (
            Reason("people.outdoors", _l("Samling av personer utomhus")),
            Reason("people.indoors", _l("Samlingar i trapphus, källare, garage eller köpcentrum")),
            Reason("people.youth_groups", _l("Störande ungdomsgäng")),
            Reason("people.intoxicated", _l("Alkohol- eller drogpåverkade personer")),
        ),
    ),
    ReasonGroup(
        "DISORDER",
        _l("Ordningsstörning och brott"),
        (
            Reason("disorder.violence", _l("Bråk eller våld")),
            Reason("disorder.burglary", _l("Inbrott, rån")),
            Reason("disorder.drugs", _l("Misstänkt narkotikahandel")),
            Reason("disorder.rough_sleeping", _l("Olovlig övernattning")),
            Reason("disorder.weapons", _l("Hittade tillhyggen eller stenupplag")),
        ),
    ),
    ReasonGroup(
        "TRAFFIC",
        _l("Trafik"),
        (
            Reason("traffic.speeding", _l("Fortkörning")),
            Reason("traffic.reckless", _l("Störande körning, buskörning (moped, MC, A-traktor)")),
            Reason("traffic.crossing", _l("Osäker korsning eller övergångsställe")),
        ),
    ),
    ReasonGroup(
        "MAINT",
        _l("Skötsel och underhåll"),
        (
            Reason("maint.potholes", _l("Hål i väg eller gångbana")),
            Reason("maint.park", _l("Lekplats, park")),
            Reason("maint.cleaning", _l("Överfulla papperskorgar, städning")),
            Reason("maint.snow", _l("Snöröjning, halka")),
        ),
    ),
    ReasonGroup(
        "POSITIVE",
        _l("Trygg plats"),
        (
            Reason("positive.lighting", _l("God belysning")),
            Reason("positive.people", _l("Människor i rörelse")),
            Reason("positive.overview", _l("Bra sikt och överblick")),
            Reason("positive.maintained", _l("Välskött och städat")),
            Reason("positive.adults", _l("Vuxna, personal eller vakter finns nära")),
            Reason("positive.other", _l("Annat som gör platsen trygg")),
        ),
        positive=True,
    ),
)

BY_CODE: dict[str, Reason] = {r.code: r for g in GROUPS for r in g.reasons}
UNSAFE_CODES: frozenset[str] = frozenset(
    r.code for g in GROUPS if not g.positive for r in g.reasons
)
SAFE_CODES: frozenset[str] = frozenset(r.code for g in GROUPS if g.positive for r in g.reasons)
# Physical defects a kommun can forward to its felanmälan.
DEFECT_CODES: frozenset[str] = frozenset(
    {"place.broken_light", "damage.glass", "damage.dumping"}
    | {r.code for g in GROUPS if g.code == "MAINT" for r in g.reasons}
)


def label(code: str) -> str:
    reason = BY_CODE.get(code)
    return str(reason.label) if reason else code


def groups(*, positive: bool) -> list[ReasonGroup]:
    return [g for g in GROUPS if g.positive == positive]


# Statuses speak of perceived safety, not of defects (DOMAIN.md): nothing is "fixed".
STATUS_LABELS = {
    "ny": _l("Ny – inte granskad ännu"),
    "granskad": _l("Granskad"),
    "del_av_hot_spot": _l("Del av en plats där många känner sig otrygga"),
    "atgard_planerad": _l("Åtgärd planerad"),
    "vidarebefordrad": _l("Vidarebefordrad till den som ansvarar"),
    "avslutad": _l("Avslutad"),
}
# The first step of a report's public timeline, and a step that is only a reply.
RECEIVED_LABEL = _l("Mottaget")
REPLY_LABEL = _l("Svar från kommunen")
TIME_LABELS = {"dag": _l("dag"), "kvall": _l("kväll"), "natt": _l("natt")}
DAY_TYPE_LABELS = {"vardag": _l("vardag"), "helg": _l("helg")}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))
