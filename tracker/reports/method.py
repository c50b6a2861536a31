"""The report's method appendix: how each figure is counted (Swedish msgids; the page translates them).

Keep this in step with the rules in `figures`.
"""
from __future__ import annotations

from tracker.i18n import N_

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
