"""Three real medborgarlöften, as their kommuner published them (shared/seeds/, see README).

Facts from the published pages (parties, police areas, periods, signing, places, focus
areas, activities, owners, cadence), written in our own words. What the pages do not say is
marked ASSUMED; the follow-ups and evaluations are invented for the tests, since the pages
publish none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Focus:
    title: str
    theme: str
    landmark: str | None = None  # a demo landmark's name: the circle around it
    area: str | None = None  # "min lat, min lon, max lat, max lon"
    description: str = ""
    # The evaluation: (indicator, reason group, target, conclusion).
    evaluation: tuple[str, str, float, str] | None = None


@dataclass(frozen=True)
class Act:
    title: str
    owners: tuple[str, ...]
    focus: tuple[str, ...] = ()
    target_on: date | None = None


@dataclass(frozen=True)
class FollowUpSeed:
    activity: str | None  # None: the promise as a whole
    done_on: date
    text: str
    progress: int | None = None
    status: str = ""


@dataclass(frozen=True)
class PromiseSeed:
    slug: str
    kommun: str
    title: str
    lokalpolisomrade: str
    starts_on: date
    ends_on: date
    signed_on: date
    signatories: tuple[str, ...]
    summary: str
    focus: tuple[Focus, ...]
    activities: tuple[Act, ...]
    follow_ups: tuple[FollowUpSeed, ...] = ()
    conclusion: str = ""
    cadence_months: int = 4


TORPA = PromiseSeed(
    slug="vanersborg",
    kommun="Vänersborg",
    title="Medborgarlöften Torpa 2023–2024",
    lokalpolisomrade="Östra Fyrbodal",
    starts_on=date(2023, 1, 1),
    ends_on=date(2024, 12, 31),
    # Signed "last week" on a page published 27 December 2022: ASSUMED 21 December.
    signed_on=date(2022, 12, 21),
    signatories=(
        "Lokalpolisområdeschef, Östra Fyrbodal",
        "Kommunstyrelsens ordförande, Vänersborgs kommun",
    ),
    summary=(
        "Två år till med fokus på Torpaområdet, där de boende känner sig mer otrygga än i "
        "andra delar av kommunen. Kommunen och polisen gör det tillsammans med ABVB, "
        "Brf Ängsvallen, föreningar och de som bor på Torpa.\n\n"
        "Ett samverkansavtal för samma två år skrevs under samtidigt."
    ),
    focus=(
        Focus(
            "Fysiska miljön på Torpa",
            "bostadsomrade",
            area="58.3620,12.3300,58.3710,12.3450",
            description="Asfalt, belysning, fartgupp, innergårdar och grönområden.",
            evaluation=("reports", "", 4, "Färre förslag om mörka gårdar efter ny belysning."),
        ),
        Focus(
            "Barn och unga",
            "barn_och_unga",
            evaluation=("est", "PEOPLE", 10, "Fritidsgården når fler, men samlingarna finns kvar."),
        ),
        Focus("Föräldrarollen", "barn_och_unga"),
        Focus("Hemmiljön", "bostadsomrade"),
        Focus(
            "Kriminalitet",
            "ordning",
            evaluation=("est", "DISORDER", 5, "Polisens närvaro märks; fortsätt i nästa löfte."),
        ),
    ),
    activities=(
        Act("Stöd till barn för att klara skolan", ("Kommunen",), ("Barn och unga",)),
        Act(
            "Starta SSPF (skola, socialtjänst, polis, fritid)",
            ("Kommunen", "Polisen"),
            ("Barn och unga", "Kriminalitet"),
        ),
        Act(
            "Fler tjejer och killar på fritidsgårdens aktiviteter",
            ("Kommunen",),
            ("Barn och unga",),
        ),
        Act("Stärka föräldrarollen för de boende på Torpa", ("Kommunen",), ("Föräldrarollen",)),
        Act("Arbetsmarknadsinsatser på en mötesplats", ("Kommunen",), ("Hemmiljön",)),
        Act(
            "Ny asfalt, belysning, fartgupp och upprustade innergårdar",
            ("Kommunen", "ABVB", "Brf Ängsvallen"),
            ("Fysiska miljön på Torpa",),
            date(2024, 10, 31),
        ),
        Act(
            "Ny detaljplan för Sportcentrum och Torpagärdet, med de boende",
            ("Kommunen",),
            ("Fysiska miljön på Torpa",),
        ),
        Act("Ökad polisnärvaro för kontakt och tillit", ("Polisen",), ("Kriminalitet",)),
    ),
    follow_ups=(
        FollowUpSeed(
            "Starta SSPF (skola, socialtjänst, polis, fritid)",
            date(2023, 4, 18),
            "Första SSPF-mötet; skolan och socialtjänsten är med.",
            25,
        ),
        FollowUpSeed(
            "Ny asfalt, belysning, fartgupp och upprustade innergårdar",
            date(2023, 4, 25),
            "ABVB och Brf Ängsvallen har inventerat gårdarna.",
            10,
        ),
        FollowUpSeed(
            "Starta SSPF (skola, socialtjänst, polis, fritid)",
            date(2023, 8, 22),
            "Fritid och polis deltar varje vecka.",
            70,
        ),
        FollowUpSeed(
            "Ökad polisnärvaro för kontakt och tillit",
            date(2023, 8, 29),
            "Kommunpolisen har fasta tider på mötesplatsen.",
            None,
            "pagar",
        ),
        FollowUpSeed(
            "Starta SSPF (skola, socialtjänst, polis, fritid)",
            date(2023, 12, 12),
            "SSPF arbetar nu med en grupp ungdomar.",
            100,
        ),
        FollowUpSeed(
            "Ny asfalt, belysning, fartgupp och upprustade innergårdar",
            date(2024, 6, 4),
            "Två fartgupp och ny belysning på tre gårdar.",
            60,
        ),
        FollowUpSeed(
            "Ny asfalt, belysning, fartgupp och upprustade innergårdar",
            date(2024, 11, 26),
            "Alla innergårdar är upprustade.",
            100,
        ),
        FollowUpSeed(
            None, date(2025, 1, 20), "Sista tertialen är följd upp; utvärderingen börjar."
        ),
    ),
    conclusion="SSPF och de nya innergårdarna blev av. Föräldrarollen behöver mer i nästa löfte.",
)

VAGGERYD = PromiseSeed(
    slug="vaggeryd",
    kommun="Vaggeryd",
    title="Medborgarlöfte Vaggeryds kommun",
    lokalpolisomrade="Värnamo",
    # The page gives no dates; it speaks of 2020 and 2021 as past: ASSUMED the year 2022.
    starts_on=date(2022, 1, 1),
    ends_on=date(2022, 12, 31),
    signed_on=date(2022, 1, 20),  # ASSUMED
    signatories=("Kommunstyrelsens ordförande, Vaggeryds kommun", "Lokalpolisområdeschef, Värnamo"),
    summary=(
        "Vi arbetar för att invånarna ska känna sig tryggare, utifrån samverkansöverenskommelsen "
        "mellan kommunen och polisen. Trygghetsvandringarna som pandemin stoppade görs nu. "
        "Uppföljningen sker varje tertial."
    ),
    focus=(
        Focus(
            "Skillingaryds centrum",
            "centrummiljo",
            landmark="Skillingaryds centrum",
            evaluation=("reports", "", 3, "Vandringen gav tre åtgärder; två är gjorda."),
        ),
        Focus("Vaggeryds centrum", "centrummiljo", landmark="Vaggeryds centrum"),
        Focus(
            "Narkotikabrottslighet",
            "narkotika",
            description="Upptäcka yngre som riskerar missbruk; jämnare könsfördelning.",
            evaluation=("est", "DISORDER", 6, "Fler tidiga kontakter med yngre."),
        ),
        Focus(
            "Förbättrad trafiksäkerhet",
            "trafik",
            description="Motorburen ungdom och höga hastigheter.",
            evaluation=("est", "TRAFFIC", 8, "Trafikinsatserna fortsätter."),
        ),
    ),
    activities=(
        Act(
            "Trygghetsvandringar i Skillingaryd och Vaggeryd",
            ("Kommunen", "Polisen"),
            ("Skillingaryds centrum", "Vaggeryds centrum"),
        ),
        Act("Fortsätta arbeta med Effektiv samordning för trygghet (EST)", ("Kommunen", "Polisen")),
        Act(
            "Trygghetsrundor på aktuella hot spots utifrån lägesbilden",
            ("Polisen", "Kommunen"),
            ("Narkotikabrottslighet",),
        ),
        Act(
            "Trafikinsatser där trafikproblem har identifierats",
            ("Polisen",),
            ("Förbättrad trafiksäkerhet",),
        ),
    ),
    follow_ups=(
        FollowUpSeed(
            "Trygghetsvandringar i Skillingaryd och Vaggeryd",
            date(2022, 4, 27),
            "Vandring i Skillingaryds centrum med 14 deltagare.",
            50,
        ),
        FollowUpSeed(
            "Trafikinsatser där trafikproblem har identifierats",
            date(2022, 8, 16),
            "Hastighetskontroller på tre vägar.",
            40,
        ),
        FollowUpSeed(
            "Trygghetsvandringar i Skillingaryd och Vaggeryd",
            date(2022, 9, 28),
            "Vandring i Vaggeryds centrum.",
            100,
        ),
    ),
    conclusion="Båda vandringarna är gjorda. Narkotika och trafik fortsätter som fokus.",
)

ARBOGA = PromiseSeed(
    slug="arboga",
    kommun="Arboga",
    title="Medborgarlöften i Arboga kommun 2021",
    lokalpolisomrade="Västra Mälardalen",
    starts_on=date(2021, 1, 1),
    ends_on=date(2021, 12, 31),
    signed_on=date(2021, 2, 16),
    signatories=(
        "Lokalpolisområdeschef, Västra Mälardalen",
        "Kommunstyrelsens ordförande, Arboga kommun",
    ),
    summary=(
        "Undertecknat i Rådhuset. Tre fokusområden valda ur lägesbilden: centrummiljön, osund "
        "konkurrens och motorburen ungdom. Löftet utvärderas efter ett år."
    ),
    focus=(
        Focus(
            "Centrummiljön",
            "centrummiljo",
            landmark="Stora torget",
            description="Belysning, buskage, narkotika och skadegörelse.",
            evaluation=("reports", "", 5, "Ljusare torg; skadegörelsen kvar kring stationen."),
        ),
        Focus(
            "Sätra",
            "bostadsomrade",
            area="59.3975,15.8130,59.4035,15.8250",
            evaluation=("reports", "", 2, "Ombyggnaden av Sätra följdes av polisen."),
        ),
        Focus(
            "Osund konkurrens", "annat", description="Tobakstillsyn, miljö och hälsa tillsammans."
        ),
        Focus(
            "Motorburen ungdom",
            "trafik",
            evaluation=("est", "TRAFFIC", 10, "Dialogen med ungdomarna fortsätter."),
        ),
    ),
    activities=(
        Act("Fortsatt samverkan med aktörerna i Sätra", ("Polisen",), ("Sätra",)),
        Act("Polisen deltar i ombyggnaden av Sätraområdet", ("Polisen",), ("Sätra",)),
        Act(
            "Medborgardialoger och trygghetsvandringar vid hot spots",
            ("Polisen", "Säkerhetssamordnaren"),
            ("Centrummiljön",),
        ),
        Act(
            "Gemensam lägesbild; uppdatera hot spots vid behov", ("Polisen", "Säkerhetssamordnaren")
        ),
        Act("Vidareutbildning om brottsförebyggande arbete vid hot spots", ("Polisen", "Kommunen")),
        Act(
            "Gemensam tillsyn: tobak, miljö och hälsa",
            ("Kommunen", "Polisen"),
            ("Osund konkurrens",),
        ),
    ),
    follow_ups=(
        FollowUpSeed(
            "Medborgardialoger och trygghetsvandringar vid hot spots",
            date(2021, 4, 20),
            "Planering av vandringar vid Stora torget.",
            25,
        ),
        FollowUpSeed(
            "Gemensam tillsyn: tobak, miljö och hälsa",
            date(2021, 6, 15),
            "Två gemensamma tillsynsbesök.",
            50,
        ),
        FollowUpSeed(
            "Medborgardialoger och trygghetsvandringar vid hot spots",
            date(2021, 10, 5),
            "Vandringar vid torget och i Sätra gjorda.",
            100,
        ),
    ),
    conclusion="Vandringarna gjordes, tillsynen samordnades. Motorburen ungdom tas med till 2022.",
)

SEEDS = (TORPA, VAGGERYD, ARBOGA)
