"""The chain analyses' settings: defaults, overrides, and a wrong one stopping the start."""

import pytest

from app import create_app
from chainmap.settings import ChainSettings, ChainSettingsError


def test_overrides_replace_defaults_and_wrong_ones_are_named():
    settings = ChainSettings.from_config({"strong_min_enterprises": 8, "concentrated_hhi": 0.3})
    assert (settings.strong_min_enterprises, settings.concentrated_hhi) == (8, 0.3)
    assert settings.leader_min_local_suppliers == ChainSettings().leader_min_local_suppliers
    with pytest.raises(ChainSettingsError, match="unknown setting 'strong_min'"):
        ChainSettings.from_config({"strong_min": 8})
    with pytest.raises(ChainSettingsError, match="must be a number"):
        ChainSettings.from_config({"strong_min_enterprises": "8"})


def test_a_wrong_setting_stops_the_start(tmp_path):
    with pytest.raises(ChainSettingsError, match="unknown setting 'x'"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}",
                    "SECRET_KEY": "x", "CHAIN_ANALYSIS": {"x": 1}})  # fmt: skip
