"""Issue 18, "also": what the Processing algorithm accepts and how it words a refusal (GDAL virtual paths,
number ranges, damaged files)."""
import os
import zipfile

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback

ALG = "deeppansharpen:pansharpen"


@pytest.fixture(scope="module")
def alg(dp_provider):
    a = QgsApplication.processingRegistry().algorithmById(ALG)
    assert a is not None
    return a


def _check(alg, params):
    return alg.create().checkParameterValues(params, QgsProcessingContext())


def _run(params):
    import processing
    return processing.run(ALG, params, feedback=QgsProcessingFeedback())


def test_vsizip_input_is_accepted_and_gives_the_same_result(alg, demo_pair, tmp_path):
    pan, ms = demo_pair
    archive = str(tmp_path / "ms.zip")
    with zipfile.ZipFile(archive, "w") as z:
        z.write(ms, "ms.tif")
    zipped = f"/vsizip/{archive}/ms.tif"
    ok, message = _check(alg, {"PAN": pan, "MS": zipped, "METHOD": "gsa", "OUTPUT": str(tmp_path / "z.tif")})
    assert ok, message                                  # before: "file was not found"
    a = _run({"PAN": pan, "MS": zipped, "METHOD": "gsa", "OUTPUT": str(tmp_path / "z.tif")})["OUTPUT"]
    b = _run({"PAN": pan, "MS": ms, "METHOD": "gsa", "OUTPUT": str(tmp_path / "f.tif")})["OUTPUT"]
    assert np.array_equal(gdal.Open(a).ReadAsArray(), gdal.Open(b).ReadAsArray())


def test_unreachable_vsicurl_says_what_gdal_says(alg, demo_pair, tmp_path):
    pan, _ms = demo_pair
    ok, message = _check(alg, {"PAN": pan, "MS": "/vsicurl/http://127.0.0.1:9/ms.tif", "METHOD": "gsa",
                               "OUTPUT": str(tmp_path / "o.tif")})
    assert not ok and "GDAL cannot open" in message and "not found" not in message


def test_tile_size_parameter_states_its_range(alg, demo_pair, tmp_path):
    param = alg.parameterDefinition("TILE_SIZE")
    assert (param.minimum(), param.maximum()) == (64, 16384)
    assert "64 to 16384" in param.description()
    pan, ms = demo_pair
    for size in (10, 99999):
        ok, message = _check(alg, {"PAN": pan, "MS": ms, "TILE_SIZE": size, "OUTPUT": str(tmp_path / "o.tif")})
        assert not ok and "from 64 to 16384" in message, message   # before: "Incorrect parameter value"


def test_adapt_seconds_nan_is_refused(alg, demo_pair, tmp_path):
    pan, ms = demo_pair
    ok, message = _check(alg, {"PAN": pan, "MS": ms, "METHOD": "panadapter", "ADAPT": True, "ADAPT_SECONDS": "nan",
                               "OUTPUT": str(tmp_path / "o.tif")})
    assert not ok and "ADAPT_SECONDS" in message and "from 1 to 36000" in message


def test_truncated_input_is_one_plain_message(demo_pair, tmp_path):
    pan, ms = demo_pair
    full = str(tmp_path / "full.tif")
    gdal.Translate(full, ms, creationOptions=["TILED=YES", "COMPRESS=DEFLATE"])
    data = open(full, "rb").read()
    cut = str(tmp_path / "cut.tif")
    open(cut, "wb").write(data[:len(data) // 2])
    with pytest.raises(QgsProcessingException, match="damaged or incomplete"):
        _run({"PAN": pan, "MS": cut, "METHOD": "gsa", "OUTPUT": str(tmp_path / "o.tif")})
    assert not os.path.exists(tmp_path / "o.tif")


def test_byte_output_help_says_how_it_is_scaled(alg):
    text = alg.shortHelpString()
    assert "Byte" in text and "bit depth" in text
