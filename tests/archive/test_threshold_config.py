"""Archived PDFs mask with the installation's threshold, as the pages do."""
from __future__ import annotations

from tracker.archive import generation


def test_the_archive_masks_with_the_configured_threshold(app, monkeypatch):
    app.config["EFFECT_GOAL_MASK_THRESHOLD"] = 7
    with app.app_context():
        assert generation.mask_threshold() == 7
    monkeypatch.setenv("TRACKER_EFFECT_GOAL_MASK_THRESHOLD", "6")  # a worker process has no app context
    assert generation.mask_threshold() == 6
