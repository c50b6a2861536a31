"""The Metod sheet of a grant-year file: what the file holds and how it is read back, always in Swedish."""
from __future__ import annotations

from tracker import clock
from tracker.funds.exchange_sheets import (
    ALLOCATIONS,
    AMOUNT,
    AREAS,
    CITYWIDE,
    EVALUATED,
    EVALUATION_TEXT,
    NOTE,
    ORG,
    ORG_NAME,
    OUTCOME,
    PURPOSE,
    PURPOSE_NAME,
    REASON_SEPARATOR,
    REASONS,
    REASONS_TEXT,
    REPORTS,
    STATUS,
    UNSPENT,
    USED,
    WORK,
    YEAR,
)
from tracker.funds.models import Evaluation, Outcome, ReasonCategory, ReportState

# Each a line of its own; {year}, {today} and {max_rows} are filled in for the file.
GENERAL = (
    "Utvecklingsmedel {year}: fördelning och återrapporter, exporterad {today}.",
    "Ett tomt belopp betyder att beloppet inte är känt. Det är aldrig 0: 0 skrivs ut som 0.",
    "Belopp är hela kronor, utan decimaler och aldrig negativa.",
    "Filen kan ändras och läsas in igen på årets sida, med samma blad och kolumner. År måste vara "
    "{year}; Nämnd-id och Syfte-id avgör vilken nämnd och vilket syfte raden gäller. Nämnd och Syfte "
    "visas bara för att läsas och läses inte in.",
    "Inläsningen är allt eller inget: finns ett enda fel sparas ingenting, och varje fel anges med blad, "
    "rad och kolumn.",
    "Oförändrade rader sparar ingenting. Rader som tas bort ur filen lämnas som de är: inläsningen tar "
    "aldrig bort en rad i fördelningen eller en återrapport. En tömd rad på bladet Områden tar bort det "
    "nämnden skrivit om syftet, som när fälten töms i formuläret.",
    "En återrapport läses bara in för en nämnd som har en rad i fördelningen, i året eller på bladet "
    "Fördelning i samma fil: medel som inte har fördelats kan inte återrapporteras, och en återrapport "
    "utan fördelning är oftast ett felskrivet Nämnd-id.",
    "Återrapporter ändras med samma regler som i formuläret: bara medan återrapporteringen är öppen eller "
    "återöppnad för nämnden, och en inlämnad återrapport ska vara fullständig och kan inte bli ett utkast "
    "igen. Oförändrade återrapporter läses in även när återrapporteringen är stängd.",
    "Text som börjar med = + - @ är text, aldrig en formel.",
    "Högst {max_rows} rader per blad.",
)
# Sheet, column, meaning; {status}, {reasons}, {evaluated} and {outcome} are the labels a cell may hold.
COLUMNS = (
    (ALLOCATIONS, YEAR, "Bidragsåret."),
    (ALLOCATIONS, ORG, "Nämndens id i tracker."),
    (ALLOCATIONS, ORG_NAME, "Nämndens namn det året (läses inte in)."),
    (ALLOCATIONS, AMOUNT, "Det fördelade beloppet enligt beslutet. Tomt: inte känt. Ingen summarad: "
                          "summan och beslutets tryckta total visas på årets sida."),
    (ALLOCATIONS, CITYWIDE, "Ja när medlen används på stadsövergripande nivå, annars Nej (tomt läses som Nej)."),
    (ALLOCATIONS, NOTE, "Anteckning om raden."),
    (REPORTS, STATUS, "{status}; tomt när nämnden inte har börjat återrapportera."),
    (REPORTS, USED, "Använt belopp. Tomt: inte känt."),
    (REPORTS, UNSPENT, "Belopp som inte har använts. Tomt: inte känt."),
    (REPORTS, REASONS, "Orsaker till att inte allt använts, åtskilda med semikolon: {reasons}."),
    (REPORTS, REASONS_TEXT, "Orsakerna med nämndens egna ord."),
    (REPORTS, EVALUATED, "Om användningen har utvärderats: {evaluated}."),
    (REPORTS, EVALUATION_TEXT, "Hur användningen har utvärderats."),
    (AREAS, PURPOSE, "Syftets id för året."),
    (AREAS, PURPOSE_NAME, "Syftets rubrik (läses inte in)."),
    (AREAS, WORK, "Vad nämnden har gjort inom syftet."),
    (AREAS, AMOUNT, "Belopp som använts inom syftet. Tomt: inte känt."),
    (AREAS, OUTCOME, "Nämndens egen bedömning: {outcome}. De fyra första är Socialstyrelsens "
                     "skala; Inte alls och Vet ej finns så att ingen nämnd behöver överdriva eller gissa."),
)
CHOICES = {"status": ReportState, "reasons": ReasonCategory, "evaluated": Evaluation, "outcome": Outcome}


def method_lines(year: int, *, max_rows: int) -> list[list[str]]:
    """The Metod sheet's rows: the general lines, then a table of every column's meaning."""
    values = {"year": year, "today": clock.today().isoformat(), "max_rows": max_rows,
              **{name: REASON_SEPARATOR.join(member.label for member in enum) for name, enum in CHOICES.items()}}
    return ([[line.format(**values)] for line in GENERAL] + [[], ["Blad", "Kolumn", "Betydelse"]]
            + [[sheet, column, meaning.format(**values)] for sheet, column, meaning in COLUMNS])
