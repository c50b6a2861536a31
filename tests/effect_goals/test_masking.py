"""Small figures never leave the coordinators' hands unmasked: the texts and file cells for each decision.

What is decided for whom is in test_disclosure; here, how a decision (`masking.Shown`) reads.
"""
from __future__ import annotations

import dataclasses
from fractions import Fraction

from tests.effect_goals.factories import effect_goal
from tracker.effect_goals.display import count_text, parts_text, percent_text, results_table, value_text
from tracker.effect_goals.masking import (
    EXACT,
    FiguresShown,
    Shown,
    change_hidden,
    count_hidden,
    export_figures,
    share_hidden,
)
from tracker.effect_goals.models import Measurement, TargetType
from tracker.effect_goals.rollup import Assessment, Result
from tracker.effect_goals.service import EffectGoalResults


def _result(numerator, denominator, baseline=None, value=None) -> Result:
    return Result(year=2025, numerator=numerator, denominator=denominator, baseline=baseline,
                  value=value if value is not None else Fraction(numerator, denominator or 1),
                  assessment=Assessment.met, reason=None, reported=1, responsible=1)


WITHHELD_SHARE = FiguresShown(Shown.withheld, Shown.withheld)
SMALL_BASE = FiguresShown(Shown.withheld, Shown.fewer)  # a share of fewer than 5


def test_counts_from_one_to_four_are_masked_zero_and_five_are_not():
    assert [count_hidden(n, 5) for n in (0, 1, 4, 5, None)] == [False, True, True, False, False]
    assert count_text(3, 5, shown=Shown.fewer) == "färre än 5"
    assert count_text(3, None, shown=Shown.exact) == "3"  # a coordinator
    assert count_text(1234, 5, shown=Shown.exact) == "1\u00a0234"
    assert count_text(40, 5, shown=Shown.withheld) == "–"


def test_a_share_is_withheld_when_a_part_or_the_difference_is_small():
    assert share_hidden(3, 40, 5)  # the numerator
    assert share_hidden(38, 40, 5)  # 2 did not: as telling
    assert share_hidden(4, 4, 5)
    assert not share_hidden(35, 40, 5)
    assert not share_hidden(40, 40, 5)  # all of them: nobody singled out
    assert not share_hidden(3, 40, None)
    assert change_hidden(3, 48, 5) and change_hidden(60, 2, 5) and not change_hidden(60, 48, 5)


def test_masked_texts_show_no_figure():
    goal = effect_goal()
    assert value_text(goal, _result(38, 40), WITHHELD_SHARE) == "visas inte (för få fall)"
    assert parts_text(goal, _result(38, 40), WITHHELD_SHARE, 5) == "–"  # 2 did not
    # A large base alone would tell as much as the difference: only a small base is said to be small.
    assert parts_text(goal, _result(3, 40), WITHHELD_SHARE, 5) == "–"
    assert parts_text(goal, _result(3, 4), SMALL_BASE, 5) == "färre än 5"
    assert value_text(goal, _result(3, 40), EXACT) == "7,5\u00a0%"
    assert parts_text(goal, _result(3, 40), EXACT, None) == "3 av 40"


def test_a_change_shows_each_count_as_decided():
    goal = effect_goal(target_type=TargetType.change_at_least, baseline_year=2024)
    change = _result(60, None, baseline=3, value=Fraction(57, 3))
    assert parts_text(goal, change, FiguresShown(baseline=Shown.fewer), 5) == "60 mot färre än 5 (basår 2024)"
    assert parts_text(goal, change, FiguresShown(Shown.withheld, baseline=Shown.withheld), 5) == "–"
    assert value_text(goal, change, FiguresShown(baseline=Shown.fewer)) == "visas inte (för få fall)"


def test_a_withheld_year_shows_neither_its_parts_nor_its_assessment_nor_a_bar():
    results = [dataclasses.replace(_result(n, d), year=y) for n, d, y in ((38, 40, 2024), (30, 40, 2025), (3, 4, 2026))]
    goal = EffectGoalResults.of(effect_goal(), "Program", results, shown=[WITHHELD_SHARE, WITHHELD_SHARE, SMALL_BASE])
    masked, exact = results_table(goal, 5).rows, results_table(goal, None).rows
    assert [(r.value, r.parts, r.withheld, r.percent) for r in masked] == [
        ("visas inte (för få fall)", "–", True, None), ("visas inte (för få fall)", "–", True, None),
        ("visas inte (för få fall)", "färre än 5", True, None)]
    assert [(r.value, r.parts, r.withheld) for r in exact][1] == ("75,0\u00a0%", "30 av 40", False)


def test_a_masked_view_without_a_decision_shows_nothing():
    goal = EffectGoalResults.of(effect_goal(), "Program", [_result(30, 40)])  # nobody decided: fail closed
    assert [(r.value, r.parts) for r in results_table(goal, 5).rows] == [("visas inte (för få fall)", "–")]


def test_an_export_writes_what_was_decided_fewer_than_5_and_dolt():
    def measurement(numerator, denominator):
        return Measurement(effect_goal_id=1, organisation_id=1, year=2025, numerator=numerator, denominator=denominator)

    assert export_figures(measurement(3, 4), (Shown.withheld, Shown.fewer), 5) == ("dolt", "färre än 5")
    assert export_figures(measurement(0, 3), (Shown.withheld, Shown.fewer), 5) == ("dolt", "färre än 5")
    assert export_figures(measurement(38, 40), (Shown.withheld, Shown.withheld), 5) == ("dolt", "dolt")
    assert export_figures(measurement(3, None), (Shown.fewer, Shown.exact), 5) == ("färre än 5", None)
    assert export_figures(measurement(3, 40), (Shown.exact, Shown.exact), None) == (3, 40)
    assert export_figures(None, (Shown.exact, Shown.exact), 5) == (None, None)


def test_percent_texts_use_a_decimal_comma_and_sign_a_change():
    assert percent_text(Fraction(49, 110)) == "44,5\u00a0%"
    assert percent_text(Fraction(1, 4), signed=True) == "+25,0\u00a0%"
    assert percent_text(Fraction(-1, 10), signed=True) == "−10,0\u00a0%"


def test_an_upload_over_the_limit_is_refused_with_a_message(client, login, make_user):
    from tracker.accounts.models import Role

    login(make_user(Role.coordinator))
    # A raw body: the test client would otherwise spool a large form to a temporary file of its own.
    response = client.post("/effektmal/import", data=b"x" * (5 * 1024 * 1024),
                           content_type="multipart/form-data; boundary=gräns")
    assert response.status_code == 413
    assert "Filen är för stor" in response.text


def test_every_export_explains_the_formulas_and_the_masking(client, login, make_user):
    import io

    from openpyxl import load_workbook

    from tracker.accounts.models import Role

    login(make_user(Role.reader))
    response = client.get("/effektmal/export.xlsx?ar=2025")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Effektmål", "Metod"]
    method = " ".join(row[0] for row in workbook["Metod"].iter_rows(values_only=True))
    assert "aldrig ett medelvärde" in method and "färre än 5" in method
    workbook.close()
