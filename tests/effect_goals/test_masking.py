"""Small figures never leave the coordinators' hands unmasked."""
from __future__ import annotations

import dataclasses
from fractions import Fraction

from tests.effect_goals.factories import effect_goal
from tracker.effect_goals.display import count_text, parts_text, percent_text, results_table, value_text
from tracker.effect_goals.masking import change_hidden, count_hidden, export_figures, share_hidden
from tracker.effect_goals.models import Measurement
from tracker.effect_goals.rollup import Assessment, Result
from tracker.effect_goals.service import EffectGoalResults


def _result(numerator, denominator, baseline=None, value=None) -> Result:
    return Result(year=2025, numerator=numerator, denominator=denominator, baseline=baseline,
                  value=value if value is not None else Fraction(numerator, denominator or 1),
                  assessment=Assessment.met, reason=None, reported=1, responsible=1)


def test_counts_from_one_to_four_are_masked_zero_and_five_are_not():
    assert [count_hidden(n, 5) for n in (0, 1, 4, 5, None)] == [False, True, True, False, False]
    assert count_text(3, 5) == "färre än 5"
    assert count_text(3, None) == "3"  # a coordinator
    assert count_text(1234, 5) == "1\u00a0234"


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
    small = _result(38, 40)
    assert value_text(goal, small, 5) == "visas inte (för få fall)"
    assert parts_text(goal, small, 5) == "visas inte (för få fall)"  # 2 did not
    assert parts_text(goal, _result(3, 40), 5) == "färre än 5 av 40"
    assert value_text(goal, _result(3, 40), None) == "7,5\u00a0%"


def test_a_withheld_year_shows_neither_its_parts_nor_its_assessment_nor_a_bar():
    results = [dataclasses.replace(_result(n, d), year=y) for n, d, y in ((38, 40, 2024), (30, 40, 2025), (3, 4, 2026))]
    goal = EffectGoalResults.of(effect_goal(), "Program", results, withheld_years=[2025])
    masked, exact = results_table(goal, 5).rows, results_table(goal, None).rows
    assert [(r.value, r.parts, r.withheld, r.percent) for r in masked] == [
        ("visas inte (för få fall)", "–", True, None), ("visas inte (för få fall)", "–", True, None),
        ("visas inte (för få fall)", "färre än 5", True, None)]
    assert [(r.value, r.parts, r.withheld) for r in exact][1] == ("75,0\u00a0%", "30 av 40", False)


def test_an_export_writes_small_figures_as_fewer_than_5_and_withheld_ones_as_dolt():
    goal = effect_goal()

    def measurement(numerator, denominator):
        return Measurement(effect_goal_id=1, organisation_id=1, year=2025, numerator=numerator, denominator=denominator)

    assert export_figures(goal, measurement(3, 40), 5) == ("färre än 5", 40)
    assert export_figures(goal, measurement(38, 40), 5) == ("dolt", 40)
    assert export_figures(goal, measurement(30, 40), 5, withheld=True) == ("dolt", 40)
    assert export_figures(goal, measurement(3, 40), None, withheld=False) == (3, 40)
    assert export_figures(goal, None, 5) == (None, None)


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
