"""The inbox's settings are read when the app starts, not when the first review arrives."""
import pytest

from reviews.clock import ScheduleError
from storefront import create_app


@pytest.mark.parametrize("settings", [
    {"INBOX_BUSINESS_HOURS": {"mon": [["09:00", "25:00"]]}},
    {"INBOX_BUSINESS_HOURS": {"monday": [["09:00", "18:00"]]}},
    {"INBOX_HOLIDAYS": ["2026-13-01"]},
    {"INBOX_CLOCK": "wall"},
])
def test_opening_hours_that_cannot_be_read_stop_the_app_at_start(tmp_path, settings):
    with pytest.raises(ScheduleError):
        create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})
