"""The report's method appendix: how each figure is counted (Swedish msgids; the page translates them).

Keep this in step with the rules in `figures`.
"""
from __future__ import annotations

from tracker.i18n import N_
from tracker.reports.report import DETAIL_LIMIT, NAMES_SHOWN

METHOD = [
    (N_("Vad som räknas som rapporterat"), N_(
        "Ett åtagande räknas som rapporterat för en tertial när organisationen har lämnat in en rapport med "
        "status för tertialen. Utkast räknas inte: ett åtagande med bara ett utkast räknas som ej rapporterat, "
        "på samma sätt som i styrkortet och programöversikten.")),
    (N_("Vilka åtaganden som förväntas rapportera"), N_(
        "Ett åtagande förväntas rapportera i en tertial om åtagandet och dess aktivitet fortfarande ingår i "
        "programmet, eller togs bort ur programmet samma dag som tertialen började eller senare. Ett åtagande "
        "som har en inlämnad rapport för tertialen räknas alltid som förväntat. När en aktivitet togs bort läses "
        "ur ändringsloggen; en borttagen aktivitet eller ett avslutat åtagande utan registrerat datum räknas som "
        "borttaget före programmets början.")),
    (N_("Inlämnad i tid och sent"), N_(
        "En rapport är inlämnad i tid när den först lämnades in (den tidigaste sparade versionen med "
        "tillståndet inlämnad) senast på tertialens sista rapporteringsdag, räknat på dygnet i svensk tid "
        "(Europe/Stockholm). Senare rättelser ändrar inte när rapporten först lämnades in. En rapport som "
        "lämnades in efter sista rapporteringsdagen räknas som sen. Andelen i tid räknas på alla förväntade "
        "rapporter, också de som inte lämnades in.")),
    (N_("Ej rapporterad"), N_(
        "Ett förväntat åtagande utan inlämnad rapport visas som en egen kategori, Ej rapporterad. Det tas "
        "aldrig bort ur nämnaren: andelar räknas alltid på alla förväntade åtaganden.")),
    (N_("Status vid den sista tertialen"), N_(
        "Statusfördelningarna, listorna över försenade och avvikande åtaganden och organisationernas tabeller "
        "visar den status som lämnades in för intervallets sista tertial. En status från en tidigare tertial "
        "förs inte vidare: ett åtagande utan inlämnad rapport för den sista tertialen räknas som Ej rapporterad. "
        "Åtaganden som avslutades före den sista tertialen står kvar i organisationens tabell men räknas inte "
        "i fördelningarna.")),
    (N_("Försenade åtaganden"), N_(
        "Ett åtagande är försenat när aktivitetens tidsperiod slutade före den sista tertialens slut och "
        "statusen varken är Genomförd eller Utgår. Också ett åtagande utan inlämnad rapport kan alltså vara "
        "försenat. En tidsperiod som inte gick att tolka räknas som hela programperioden.")),
    (N_("Behov av stöd"), N_(
        "Alla inlämnade rapporter i intervallet där organisationen angav att den behöver stöd, med den text "
        "organisationen skrev. Samma åtagande kan förekomma en gång per tertial.")),
    (N_("Andelar och tidpunkter"), N_(
        "Procent avrundas till hela procent, halva procent uppåt. Uppgifterna lästes vid den tidpunkt som "
        "anges som Data per; rapporter som lämnades in eller ändrades senare syns inte i rapporten.")),
]
# Only in a report over more than DETAIL_LIMIT organisations (`report.DETAIL_LIMIT`); filled in with `limit`
# and `names`. Keep it in step with `figures._summarise` and `pdf_summary`.
SUMMARISED = (N_("Rapporter med många organisationer"), N_(
    "När rapporten omfattar fler än %(limit)s organisationer redovisas varje aktivitet summerad över "
    "organisationerna: antal åtaganden per status vid den sista tertialen, och de organisationer vars åtagande "
    "pågår med avvikelse, är försenat eller som anmälde behov av stöd. Högst %(names)s organisationer nämns per "
    "aktivitet och uppgift; resten anges som ”och N till”. Organisationerna redovisas med en rad var: antal "
    "åtaganden, avvikelser, försenade, behov av stöd och andelen rapporter inlämnade i tid. Varje organisations "
    "åtaganden med status, kommentarer, nästa steg och beskrivningar av behov av stöd finns i organisationens "
    "styrkort för respektive tertial, som arkiveras på samma sätt. Siffrorna räknas på samma sätt som i en "
    "rapport med färre organisationer; bara uppställningen skiljer sig. Program med högst %(limit)s "
    "organisationer redovisas med en rad per åtagande."))
# The effect goals' entries; the second is filled in with the masking threshold (`threshold`, and `largest`,
# the largest count that is masked). Keep them in step with `effect_goals.rollup` and `effect_goals.masking`.
EFFECT_GOALS = [
    (N_("Effektmålens resultat"), N_(
        "Ett effektmål följs upp en gång om året. Varje ansvarig organisation rapporterar för året en täljare "
        "och en nämnare (till exempel personer med ett stadigvarande boende efter placeringen av alla personer "
        "som fullföljt en placering), eller ett antal när målet är en ökning. Stadens resultat är summan av "
        "täljarna delad med summan av nämnarna, Σ täljare / Σ nämnare, över de organisationer som har "
        "rapporterat. Det är aldrig ett medelvärde av organisationernas procentandelar: en organisation med 2 "
        "fall väger inte lika tungt som en med 200. Med 9 av 10 och 40 av 100 blir resultatet 49 av 110, det "
        "vill säga 44,5 procent, inte medelvärdet 65 procent. Ett mål om ökning jämför årets summerade antal "
        "med basårets, räknat bara över de organisationer som har rapporterat båda åren: (årets antal − "
        "basårets antal) / basårets antal. Resultatet saknas (Underlag saknas) när ingen organisation har "
        "rapporterat för året, när nämnaren är 0, när basår saknas eller när ingen organisation har rapporterat "
        "både basåret och året. Täckningen, till exempel ”12 av 13 organisationer har rapporterat”, säger hur "
        "många av de ansvariga organisationerna resultatet bygger på. Målet är uppnått när resultatet når "
        "målvärdet: minst målvärdet för en lägsta andel och för en ökning, högst målvärdet för en högsta andel "
        "och 100 procent när alla enheter ska omfattas.")),
    (N_("Små antal i effektmålen"), N_(
        "Siffrorna gäller våldsutsatta och deras barn. För att ingen ska gå att känna igen visas antal från 1 "
        "till %(largest)s som ”färre än %(threshold)s”, och en andel visas inte när dess täljare, nämnare eller "
        "skillnaden mellan dem är ett så litet antal (av 38 av 40 går det att räkna ut de 2 som inte "
        "omfattas). En ökning visas inte när årets eller basårets antal är så litet. Då visas inte heller om "
        "målet är uppnått, eftersom också det säger något om andelen. Ett dolt tal ska inte heller gå att räkna "
        "fram ur stadens resultat och de siffror som visas: i varje summa som stadens resultat bygger på "
        "(täljarna och nämnarna var för sig) döljs därför minst två organisationers siffror, som tillsammans inte "
        "är ett litet antal, och räcker inte det visas inte stadens resultat för året. Samma beslut gäller på "
        "webbsidorna, i styrkorten, i rapporterna och i Excel- och CSV-filerna. Antalet 0 visas: det pekar inte "
        "ut någon. Gränsen %(threshold)s är en inställning i systemet. Rapporten som PDF visar alltid "
        "siffrorna så; på webbsidan ser bara samordnare exakta siffror (i styrkortet också organisationens egna "
        "kontaktpersoner, för dess egna siffror).")),
]


# What the final report does not show (it has no lists as of the last tertial alone).
LAST_TERTIAL_ONLY = frozenset({METHOD[4][0], METHOD[5][0]})
# The final report's own entries; keep them in step with the rules in `final`.
FINAL = [
    (N_("Slutrapportens tertialer"), N_(
        "Slutrapporten omfattar programmets alla tertialer, från den första i tertialkalendern till den sista "
        "tertialen i programmets sista år. Bara tertialer inom programmets år räknas. Rapporten kan skapas när "
        "den sista tertialen har stängts.")),
    (N_("Slutstatus"), N_(
        "Ett åtagandes slutstatus är den status som organisationen senast lämnade in under programmet, från "
        "vilken tertial den än kom. Till skillnad från halvtidsrapporten förs alltså en tidigare status vidare "
        "när organisationen inte rapporterade den sista tertialen; tertialen som statusen kommer från anges. Ett "
        "åtagande som aldrig fick en inlämnad rapport har slutstatusen Ej rapporterad. Varje åtagande som "
        "förväntades rapportera i minst en tertial räknas, också de som avslutades före programmets slut.")),
    (N_("Genomfört, utgått och förs vidare"), N_(
        "Genomfört är åtaganden med slutstatusen Genomförd. Utgått är åtaganden med slutstatusen Utgår; "
        "skälet är den kommentar organisationen skrev i den rapporten. Förs vidare är åtaganden som fortfarande "
        "ingick i programmet den sista tertialen och vars slutstatus varken är Genomförd eller Utgår, också "
        "de som aldrig rapporterades. Åtaganden som avslutades före den sista tertialen utan att vara "
        "genomförda eller utgå redovisas för sig.")),
    (N_("Utveckling över perioden"), N_(
        "För varje tertial räknas den status som lämnades in för just den tertialen av de åtaganden som "
        "förväntades rapportera i den. Här förs ingen status vidare: ett förväntat åtagande utan inlämnad "
        "rapport för tertialen räknas som Ej rapporterad. I aktiviteternas tabeller visar en tom ruta att "
        "åtagandet inte förväntades rapportera den tertialen. Behov av stöd räknas per tertial på samma sätt.")),
]


def method(*, effect_goals: bool, threshold: int, final: bool = False,
           summarised: bool = False) -> list[tuple[str, str, dict]]:
    """The appendix as (title, text msgid, values to fill in after translating); the effect goals' when shown,
    the final report's own entries first for the final report, the summarised layout's when it is used."""
    common = [(title, text) for title, text in METHOD if not (final and title in LAST_TERTIAL_ONLY)]
    entries = [(title, text, {}) for title, text in (FINAL if final else []) + common]
    if summarised:
        entries.append((*SUMMARISED, {"limit": DETAIL_LIMIT, "names": NAMES_SHOWN}))
    if effect_goals:
        (goals_title, goals_text), (masking_title, masking_text) = EFFECT_GOALS
        entries += [(goals_title, goals_text, {}),
                    (masking_title, masking_text, {"threshold": threshold, "largest": threshold - 1})]
    return entries
