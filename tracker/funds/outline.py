"""What the city's compilation of a grant year says, as blocks both documents render.

`outline` turns a compilation into a list of blocks (headings, texts, tables,
charts) structured like 000, the 2016 tjänsteutlåtande. The PDF (`funds.pdf`)
and the Word file (`funds.docx`) render the same blocks, so the two never say
different things. An official Swedish document: texts are Swedish literals and
the Swedish labels, never translated per request. Unknown amounts read
"okänt", never 0; figures are shown as given, with their differences.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from tracker.funds.compilation import AreaSection, Compilation
from tracker.funds.display import check_text, count_of, day, kronor, signed_kronor, swedish, unknown_text
from tracker.funds.ledger import REPORT_STATE_SYMBOLS, REPORT_STATE_TEXTS, CheckState, NamndRow, Total
from tracker.funds.models import Evaluation, Outcome
from tracker.organisations.models import Organisation

TITLE = "Redovisning av utvecklingsmedel för arbetet mot våld i nära relationer år {year}"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 0 the title, 1 a section, 2 a subsection


@dataclass(frozen=True)
class Text:
    text: str
    style: str = "body"  # body, lead (emphasised) or meta (a note about the figures)


@dataclass(frozen=True)
class Labelled:
    """A nämnd's own words under its name, with a line of facts (amount, outcome) where it gave any."""

    label: str
    text: str
    facts: str | None = None


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Grid:
    """A table: `widths` are shares of the line, `numeric` the right-aligned columns, `states` a row's check state."""

    columns: list[str]
    rows: list[list[str]]
    widths: list[float]
    total: list[str] | None = None
    numeric: tuple[int, ...] = ()
    states: list[CheckState | None] = field(default_factory=list)
    compact: bool = False  # many narrow columns: smaller headings


@dataclass(frozen=True)
class Chart:
    """Horizontal bars in kronor: one group per row, one bar per series; rows hold only known values."""

    title: str
    series: list[str]
    rows: list[tuple[str, list[int | None]]]
    caption: str


Block = Heading | Text | Labelled | Bullets | Grid | Chart


def title_of(comp: Compilation) -> str:
    return TITLE.format(year=comp.year)


def outline(comp: Compilation) -> list[Block]:
    """The compilation block by block, in 000's order; the day it is made is the renderers' to add."""
    return [
        Heading(title_of(comp), 0),
        Text("Stockholms stad · Socialförvaltningen", "meta"),
        Text("Sammanställningen bygger på nämndernas inlämnade återrapporter; utkast räknas inte. Ett belopp som "
             "inte är känt skrivs som ”okänt”, aldrig som 0. Uppgifter som inte stämmer med varandra rättas inte: "
             "båda visas, med skillnaden.", "meta"),
        *_summary(comp), *_background(comp), *_requisition(comp), *_areas(comp), *_reasons(comp),
        *_evaluation(comp), *_outcomes(comp), *_checks(comp), *_charts(comp),
    ]


def name_of(organisation: Organisation | None, successor: Organisation | None = None, *, short: bool = False) -> str:
    """The organisation's name in the year, and who has taken over its work since: "… (nu Hägersten-Älvsjö)"."""
    if organisation is None:
        return "Hela staden"
    name = organisation.short_name if short else organisation.name
    return f"{name} (nu {successor.short_name})" if successor is not None else name


def _summary(comp: Compilation) -> list[Block]:
    led, fund_year = comp.ledger, comp.ledger.fund_year
    sentences = []
    if led.requisitioned is not None:
        sentences.append(f"Under {comp.year} rekvirerade staden totalt {kronor(led.requisitioned)} i "
                         "utvecklingsmedel inom området våld i nära relationer.")
    if led.used is not None:
        repay = f" och {kronor(led.to_repay)} ska återbetalas till Socialstyrelsen" if led.to_repay else ""
        sentences.append(f"Totalt har {kronor(led.used)} använts{repay}.")
    if comp.namnder:
        sentences.append(f"{count_of(comp.submitted, comp.namnder)} har lämnat in sin återrapport.")
    if fund_year.report_deadline:
        sentences.append(f"Användningen ska redovisas till Socialstyrelsen senast {day(fund_year.report_deadline)}.")
    rows = [[swedish(f.label), kronor(f.value), swedish(f.note, **(f.note_args or {})) if f.note else "–"]
            for f in comp.figures]
    flags = led.flags
    blocks: list[Block] = [Heading("Sammanfattning", 1)]
    if sentences:
        blocks.append(Text(" ".join(sentences), "lead"))
    blocks.append(Grid(["Uppgift", "Belopp", "Källa"], rows, [0.3, 0.22, 0.48], numeric=(1,)))
    if flags:
        blocks.append(Text(f"{len(flags)} av {len(led.checks)} kontroller stämmer inte eller kan inte göras; "
                           "se avsnittet Kontroller.", "meta"))
    return blocks


def _background(comp: Compilation) -> list[Block]:
    fund_year = comp.ledger.fund_year
    window = (f"{day(fund_year.usage_from)} – {day(fund_year.usage_to)}"
              if fund_year.usage_from or fund_year.usage_to else "inte angivet")
    facts = [
        ["Bidragsår", fund_year.title],
        ["Medlen fick användas", window],
        ["Retroaktiv användning", "tillåten" if fund_year.retroactive else "inte tillåten"],
        ["Rekvisition till Socialstyrelsen senast", day(fund_year.requisition_deadline)],
        ["Återrapport till Socialstyrelsen senast", day(fund_year.report_deadline)],
        ["Återbetalning av det som inte använts senast", day(fund_year.repayment_deadline)],
        ["Statsbidraget totalt", kronor(fund_year.national_total)],
        ["Varav till kommunerna", kronor(fund_year.national_municipal)],
        ["Staden kan rekvirera", kronor(fund_year.entitlement)],
        ["Nämndernas sista dag för återrapporten", day(fund_year.internal_deadline)],
    ]
    blocks: list[Block] = [Heading("Bakgrund", 1), Grid(["Uppgift", "Värde"], facts, [0.45, 0.55])]
    purposes = comp.ledger.data.purposes
    if purposes:
        blocks += [Text(f"Medlen avsåg att stärka följande {_number(len(purposes))} områden:"),
                   Bullets([p.title for p in purposes])]
    else:
        blocks.append(Text("Inga områden är registrerade för året.", "meta"))
    if fund_year.source:
        blocks.append(Text(f"Källa: {fund_year.source}", "meta"))
    return blocks


def _requisition(comp: Compilation) -> list[Block]:
    led, fund_year = comp.ledger, comp.ledger.fund_year
    blocks: list[Block] = [Heading("Rekvisition och fördelning", 1), Heading("Rekvisition", 2)]
    if led.data.rounds:
        rows = [[r.label, kronor(r.amount), day(r.requested_on), r.note or "–"] for r in led.data.rounds]
        blocks.append(Grid(["Omgång", "Belopp", "Datum", "Anmärkning"], rows, [0.22, 0.18, 0.14, 0.46],
                           total=["Summa av omgångarna", kronor(led.rounds.value), "", _unknown_note(led.rounds)],
                           numeric=(1,)))
    else:
        blocks.append(Text("Inga rekvisitionsomgångar är registrerade.", "meta"))
    if fund_year.requisitioned_total is not None:
        blocks.append(Text(f"Rekvirerat totalt enligt källan: {kronor(fund_year.requisitioned_total)}."))
    blocks += [Heading("Fördelning", 2), *_decision(comp), _allocation_table(comp)]
    blocks += [Text(note, "meta") for note in _allocation_notes(comp)]
    return blocks


def _decision(comp: Compilation) -> list[Block]:
    fund_year = comp.ledger.fund_year
    parts = []
    if fund_year.allocation_reference or fund_year.allocation_decided_on:
        decided = f", fattat {day(fund_year.allocation_decided_on)}" if fund_year.allocation_decided_on else ""
        parts.append(f"Beslut: {fund_year.allocation_reference or 'diarienummer inte angivet'}{decided}.")
    parts.append(f"Total enligt beslutet: {kronor(fund_year.allocation_stated_total)}.")
    blocks: list[Block] = [Text(" ".join(parts))]
    if fund_year.allocation_key:
        blocks.append(Text(f"Fördelningsnyckel: {fund_year.allocation_key}"))
    return blocks


def _allocation_table(comp: Compilation) -> Grid:
    led = comp.ledger
    rows = []
    for row in led.rows:
        name = name_of(row.organisation, row.successor, short=True) + (" (stadsövergripande)" if row.citywide else "")
        rows.append([name, kronor(row.allocated) if row.has_allocation else "ingen rad", kronor(row.used),
                     kronor(row.unspent), report_state_text(row)])
    total = ["Summa", kronor(led.allocated.value), kronor(led.reported_used.value),
             kronor(led.reported_unspent.value), f"{comp.submitted} av {comp.namnder} inlämnade"]
    return Grid(["Nämnd", "Fördelat", "Använt", "Ej använt", "Återrapport"], rows, [0.34, 0.16, 0.16, 0.16, 0.18],
                total=total, numeric=(1, 2, 3))


def report_state_text(row: NamndRow) -> str:
    """The report's state as symbol and words (never colour alone), and whether it is late."""
    text = f"{REPORT_STATE_SYMBOLS[row.report_state]} {REPORT_STATE_TEXTS[row.report_state]}"
    return f"{text} · försenad" if row.late else text


def _allocation_notes(comp: Compilation) -> list[str]:
    led, fund_year = comp.ledger, comp.ledger.fund_year
    notes = []
    unknown = [f"{what} för {total.unknown} av {total.parts} nämnder" for what, total in (
        ("fördelat", led.allocated), ("använt", led.reported_used), ("ej använt", led.reported_unspent))
        if total.unknown]
    if unknown:
        notes.append("En summa är okänd när något av beloppen är okänt. Okänt: " + ", ".join(unknown) + ".")
    stated, rows = fund_year.allocation_stated_total, led.allocated.value
    if stated is not None and rows is not None and stated != rows:
        notes.append(f"Raderna summerar till {kronor(rows)} medan beslutets total är {kronor(stated)}: "
                     f"skillnad {signed_kronor(rows - stated)}. Båda visas som de står.")
    return notes


def _areas(comp: Compilation) -> list[Block]:
    blocks: list[Block] = [Heading("Användningen inom varje område", 1)]
    if not comp.sections:
        return blocks + [Text("Inga områden är registrerade för året.", "meta")]
    blocks.append(Text("Nedan följer en sammanställning av hur utvecklingsmedlen har använts, strukturerad utifrån "
                       f"de {_number(len(comp.sections))} områden som de avsåg att stärka."))
    for section in comp.sections:
        blocks += _area(section, comp.namnder)
    return blocks


def _area(section: AreaSection, namnder: int) -> list[Block]:
    blocks: list[Block] = [Heading(section.purpose.short_title, 2), Text(section.purpose.title, "meta"),
                           Text(f"{count_of(section.count, namnder)} har arbetat inom området.", "lead")]
    if section.amount.parts:
        blocks.append(Text(f"Belopp som nämnderna har angett för området: {_total_text(section.amount)}."))
    if section.purpose.summary:
        blocks.append(Text(section.purpose.summary))
    if not section.works:
        blocks.append(Text("Ingen nämnd har redovisat arbete inom området.", "meta"))
    for work in section.works:
        facts = [f"Belopp: {kronor(work.amount)}" if work.amount is not None else None,
                 f"Egen bedömning: {Outcome(work.outcome).label}" if work.outcome else None]
        blocks.append(Labelled(name_of(work.organisation, work.successor), work.text,
                               " · ".join(f for f in facts if f) or None))
    return blocks


def _reasons(comp: Compilation) -> list[Block]:
    led = comp.ledger
    blocks: list[Block] = [Heading("Orsaker till att inte allt har använts", 1)]
    submitted = [row for row in led.rows if row.submitted]
    unknown = sum(1 for row in submitted if row.used is None or row.unspent is None)
    if submitted and not unknown:
        blocks.append(Text(f"{count_of(comp.none_used, comp.namnder)} har inte använt något av sina medel och "
                           f"{count_of(comp.not_all_used, comp.namnder)} har inte använt hela beloppet."))
    elif submitted:
        blocks.append(Text(f"Använt eller ej använt belopp är okänt för {count_of(unknown, comp.namnder)}, så hur "
                           "många som inte har använt allt kan inte räknas fram ur återrapporterna.", "meta"))
    if comp.reasons:
        blocks.append(Grid(["Orsak", "Nämnder"], [[category.label, count_of(n, comp.namnder)]
                                                  for category, n in comp.reasons], [0.6, 0.4]))
    else:
        blocks.append(Text("Ingen nämnd har angett en orsak i sin återrapport.", "meta"))
    blocks += [Labelled(name_of(s.organisation, s.successor), s.text) for s in comp.reason_texts]
    if led.fund_year.note:
        blocks.append(Labelled("Anmärkning om årets uppgifter", led.fund_year.note))
    return blocks


def _evaluation(comp: Compilation) -> list[Block]:
    counts = dict(comp.evaluation)
    rows = [[choice.label, count_of(counts.get(choice, 0), comp.namnder)] for choice in Evaluation]
    rows.append(["Inte angivet", count_of(comp.namnder - sum(counts.values()), comp.namnder)])
    blocks: list[Block] = [Heading("Utvärdering", 1), Text("Har nämnden utvärderat hur medlen har använts?"),
                           Grid(["Svar", "Nämnder"], rows, [0.6, 0.4])]
    blocks += [Labelled(f"{name_of(s.organisation, s.successor)} ({Evaluation(s.choice).label.lower()})"
                        if s.choice else name_of(s.organisation, s.successor), s.text)
               for s in comp.evaluation_texts]
    return blocks


def _outcomes(comp: Compilation) -> list[Block]:
    columns = ["Område", *(o.label for o in Outcome), "Ingen bedömning"]
    rows = [[s.purpose.short_title, *(str(s.outcomes.get(o, 0)) for o in Outcome),
             str(s.count - sum(s.outcomes.values()))] for s in comp.sections]
    blocks: list[Block] = [
        Heading("Bedömning av resultat", 1),
        Text("Nämndernas egen bedömning per område av hur väl arbetet har nått sitt syfte, på Socialstyrelsens "
             "skala från ”helt” till ”i liten utsträckning”. ”Inte alls” och ”vet ej” är tillagda så att ingen "
             "nämnd behöver överdriva ett resultat eller gissa. Antalet nämnder som har arbetat inom området och "
             "inte gjort någon bedömning står i den sista kolumnen."),
    ]
    if not any(s.outcomes for s in comp.sections):
        blocks.append(Text("Ingen nämnd har angett en bedömning av resultatet.", "meta"))
    if rows:
        blocks.append(Grid(columns, rows, [0.2] + [0.8 / 7] * 7, numeric=tuple(range(1, len(columns))),
                           compact=True))
    return blocks


def _checks(comp: Compilation) -> list[Block]:
    checks = comp.ledger.checks
    blocks: list[Block] = [
        Heading("Kontroller", 1),
        Text("Kontrollerna jämför uppgifterna med varandra. Ingen uppgift rättas: varje kontroll visar de två "
             "beloppen och skillnaden. ✓ stämmer, △ skiljer sig, ? kan inte kontrolleras (ett belopp är okänt), "
             "✕ något saknas."),
    ]
    if not checks:
        return blocks + [Text("Det finns inga uppgifter att kontrollera än.", "meta")]
    rows = [[f"{c.symbol} {c.state.label}", swedish(c.title), name_of(c.organisation, short=True), check_text(c)]
            for c in checks]
    return blocks + [Grid(["Status", "Kontroll", "Nämnd", "Uppgifter"], rows, [0.15, 0.25, 0.23, 0.37],
                          states=[c.state for c in checks])]


def _charts(comp: Compilation) -> list[Block]:
    namnder = comp.allocated_vs_used
    known = [(name, [allocated, used]) for name, allocated, used in namnder if allocated is not None or used is not None]
    missing = [f"{what} är okänt för {count_of(n, len(namnder))}" for what, n in (
        ("fördelat", sum(1 for _n, allocated, _u in namnder if allocated is None)),
        ("använt", sum(1 for _n, _a, used in namnder if used is None))) if n]
    caption = (_sentence(" och ".join(missing)) + "; okända belopp visas inte som staplar." if missing
               else "Alla belopp är kända.")
    if not known:
        caption = "Inget belopp per nämnd är känt, så diagrammet har inga staplar. " + caption
    areas = comp.used_per_area
    area_rows = [(title, [total.value]) for title, total in areas if total.value is not None]
    missing = [f"{_number(n)} {what}" for n, what in (
        (sum(1 for _t, total in areas if not total.parts), "utan redovisat arbete"),
        (sum(1 for _t, total in areas if total.parts and total.value is None),
         "där någon nämnd inte har angett belopp, så att summan är okänd")) if n]
    area_caption = (f"Av {_number(len(areas))} områden visas inte: " + " och ".join(missing) + "."
                    if missing else "Alla områden har ett känt belopp.")
    if not area_rows:
        area_caption = "Inget område har ett känt belopp, så diagrammet har inga staplar. " + area_caption
    return [Heading("Diagram", 1),
            Chart("Fördelat och använt per nämnd", ["Fördelat", "Använt"], known, caption),
            Chart("Använt per område", ["Använt"], area_rows, area_caption)]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _total_text(total: Total) -> str:
    if total.value is None and total.unknown:
        return f"okänt ({unknown_text(total).rstrip('.')})"
    return kronor(total.value)


def _unknown_note(total: Total) -> str:
    return unknown_text(total).rstrip(".")


_NUMBERS = {2: "två", 3: "tre", 4: "fyra", 5: "fem", 6: "sex", 7: "sju", 8: "åtta", 9: "nio", 10: "tio"}


def _number(n: int) -> str:
    return _NUMBERS.get(n, str(n))
