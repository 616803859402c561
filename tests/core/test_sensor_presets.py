"""Sensor presets: a 4-band WorldView-2 product gets the WorldView-2 gains of its bands, by name or by guess."""
from pathlib import Path

import pytest

from core.errors import InputError
from core.sensor_guess import guess_sensor
from core.sensors import SENSORS, preset_for_bands

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"


def test_four_band_worldview2_preset_takes_the_gains_of_those_bands():
    full, four = SENSORS["wv2"], preset_for_bands("wv2_bgrn", 4)
    picked = [full.band_names.index(n) for n in ("blue", "green", "red", "NIR1")]
    assert [full.gnyq_ms[i] for i in picked] == list(four.gnyq_ms)
    assert four.gnyq_pan == full.gnyq_pan and four.bit_depth == full.bit_depth
    with pytest.raises(InputError, match="expects 8 MS bands"):
        preset_for_bands("wv2", 4)
    assert list(SENSORS)[-1] == "wv2_bgrn"        # appended: saved toolbox models index the list


def test_the_worldview2_sample_is_guessed_as_the_four_band_preset():
    name, why = guess_sensor(str(SAMPLE / "worldview2_pan_0.5m.tif"), str(SAMPLE / "worldview2_ms_BGRN_2m.tif"))
    assert name == "wv2_bgrn" and "WV02" in why                 # the sample says SATELLITEID=WV02
    assert guess_sensor(str(SAMPLE / "worldview2_pan_0.5m.tif"), str(SAMPLE / "worldview2_ms_BGRN_2m.tif"),
                        ms_band_count=3) is None
