"""The Processing provider: registration, the pansharpen algorithm's parameters, runs, bad input, models."""
import os

import pytest
from osgeo import gdal
from qgis.core import (
    QgsApplication,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterRasterLayer,
    QgsRasterLayer,
)

from plugin_checks import check_pansharpened

ALG = "deeppansharpen:pansharpen"


@pytest.fixture(scope="module")
def alg(dp_provider):
    a = QgsApplication.processingRegistry().algorithmById(ALG)
    assert a is not None
    return a


def run(params):
    import processing

    return processing.run(ALG, params)


def option_index(alg, name, value):
    """Enum index of ``value`` in the algorithm's choice list for parameter ``name``."""
    from deep_pansharpen.processing_provider.base import COMPRESSION_CHOICES

    a = alg.createInstance()
    lists = {"METHOD": a.methods(), "SENSOR": a.sensors(), "COMPRESSION": [c[0] for c in COMPRESSION_CHOICES]}
    return lists[name].index(value)


# --- registration and parameters -------------------------------------------------------------------

def test_provider_is_registered(dp_provider):
    assert dp_provider.id() == "deeppansharpen"
    assert dp_provider.name() == "Deep Pansharpen"
    assert not dp_provider.icon().isNull()
    assert "tif" in dp_provider.supportedOutputRasterLayerExtensions()
    ids = [a.id() for a in dp_provider.algorithms()]
    assert ALG in ids


def test_pansharpen_parameters(alg, plugin_package):
    from deep_pansharpen.core.methods import method_label, method_names
    from deep_pansharpen.core.sensors import SENSORS

    assert alg.displayName() == "Pansharpen (PAN + MS)"
    assert alg.group() and alg.groupId()
    names = [p.name() for p in alg.parameterDefinitions()]
    for n in ("PAN", "MS", "METHOD", "OUTPUT", "PAN_BAND", "MS_BANDS", "SENSOR", "TILE_SIZE", "OVERLAP",
              "OUTPUT_TYPE", "COG", "COMPRESSION", "DEVICE"):
        assert n in names, n
    p = {d.name(): d for d in alg.parameterDefinitions()}
    assert p["PAN"].type() == "raster" and p["MS"].type() == "raster"
    assert p["OUTPUT"].type() == "rasterDestination"

    method = p["METHOD"]
    assert method.type() == "enum"
    assert method.options() == [method_label(n) for n in method_names("pansharpen")]
    assert method.defaultValue() == method_names("pansharpen").index("auto")
    sensor = p["SENSOR"]
    assert sensor.options() == [s.label for s in SENSORS.values()]
    assert sensor.defaultValue() == list(SENSORS).index("generic")

    assert p["PAN_BAND"].parentLayerParameterName() == "PAN" and p["PAN_BAND"].defaultValue() == 1
    assert p["MS_BANDS"].parentLayerParameterName() == "MS" and p["MS_BANDS"].allowMultiple()
    assert p["MS_BANDS"].flags() & QgsProcessingParameterDefinition.FlagOptional
    assert p["TILE_SIZE"].defaultValue() == 1024 and p["TILE_SIZE"].minimum() == 64
    assert p["OVERLAP"].defaultValue() == 32
    assert len(p["OUTPUT_TYPE"].options()) == 5 and p["OUTPUT_TYPE"].defaultValue() == 0
    assert p["COG"].defaultValue() is False
    assert len(p["COMPRESSION"].options()) == 3 and p["COMPRESSION"].defaultValue() == 0
    assert len(p["DEVICE"].options()) == 3
    advanced = {n for n, d in p.items() if d.flags() & QgsProcessingParameterDefinition.FlagAdvanced}
    assert advanced == {"PAN_BAND", "MS_BANDS", "SENSOR", "TILE_SIZE", "OVERLAP", "OUTPUT_TYPE", "COG", "DEVICE",
                        "COMPRESSION", "CLUSTER", "ADAPT", "ADAPT_SECONDS", "WEIGHTS", "ADAPTED_WEIGHTS"}
    # PanAdapter options, the same kinds as INFN's on hsmsfusion
    assert p["ADAPT"].defaultValue() is False and p["ADAPT_SECONDS"].defaultValue() == 120.0
    assert p["WEIGHTS"].flags() & QgsProcessingParameterDefinition.FlagOptional

    help_text = alg.shortHelpString()
    for words in ("Panchromatic (PAN) image", "Multispectral (MS) image", "Method", "PAN band", "MS bands",
                  "Sensor preset", "Tile size", "Tile overlap", "Output data type", "Cloud Optimized GeoTIFF",
                  "Device", "Output", "METHOD: 0 = "):
        assert words in help_text, words


# --- runs --------------------------------------------------------------------------------------------

def test_run_on_landsat_demo_writes_pan_grid_geotiff(alg, demo_pair, tmp_path):
    pan, ms = demo_pair
    out = str(tmp_path / "pansharpened.tif")
    result = run({"PAN": pan, "MS": ms, "OUTPUT": out})
    assert result["OUTPUT"] == out
    ds = check_pansharpened(out, pan, ms)
    assert ds.GetDriver().ShortName == "GTiff"


def test_run_with_layers_band_subset_and_output_type(alg, demo_pair, tmp_path):
    pan, ms = demo_pair
    pan_layer, ms_layer = QgsRasterLayer(pan, "pan"), QgsRasterLayer(ms, "ms")
    assert pan_layer.isValid() and ms_layer.isValid()
    out = str(tmp_path / "gsa_rgb.tif")
    run({"PAN": pan_layer, "MS": ms_layer, "METHOD": option_index(alg, "METHOD", "gsa"),
         "MS_BANDS": [3, 2, 1], "PAN_BAND": 1, "SENSOR": option_index(alg, "SENSOR", "generic"),
         "TILE_SIZE": 64, "OVERLAP": 8, "OUTPUT_TYPE": 4, "OUTPUT": out})
    check_pansharpened(out, pan, ms, bands=[3, 2, 1], dtype="Float32")
    assert gdal.Open(out).GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") == "DEFLATE"      # the default


def test_compression_choice_reaches_the_output(alg, demo_pair, tmp_path):
    pan, ms = demo_pair
    for comp, tag in (("zstd", "ZSTD"), ("none", None)):
        out = str(tmp_path / f"{comp}.tif")
        run({"PAN": pan, "MS": ms, "COMPRESSION": option_index(alg, "COMPRESSION", comp), "OUTPUT": out})
        assert gdal.Open(out).GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") == tag


def test_run_without_extension_writes_tif(alg, demo_pair, tmp_path):
    pan, ms = demo_pair
    result = run({"PAN": pan, "MS": ms, "OUTPUT": str(tmp_path / "no_extension")})
    assert result["OUTPUT"].endswith(".tif") and os.path.exists(result["OUTPUT"])


def test_temporary_output(alg, demo_pair):
    pan, ms = demo_pair
    result = run({"PAN": pan, "MS": ms, "METHOD": option_index(alg, "METHOD", "brovey"),
                  "OUTPUT": "TEMPORARY_OUTPUT"})
    assert result["OUTPUT"].endswith(".tif")
    assert gdal.Open(result["OUTPUT"]).RasterCount == 4


# --- bad input: readable messages --------------------------------------------------------------------

def test_missing_pan_file(alg, demo_pair, tmp_path):
    _pan, ms = demo_pair
    missing = str(tmp_path / "nowhere" / "pan.tif")
    with pytest.raises(QgsProcessingException, match=r"panchromatic \(PAN\) file was not found: .*nowhere/pan.tif"):
        run({"PAN": missing, "MS": ms, "OUTPUT": str(tmp_path / "o.tif")})


def test_input_that_is_not_a_raster(alg, demo_pair, tmp_path):
    pan, _ms = demo_pair
    text = tmp_path / "notes.txt"
    text.write_text("this is not an image\n")
    with pytest.raises(QgsProcessingException, match=r"multispectral \(MS\) file '.*notes.txt' is not a raster"):
        run({"PAN": pan, "MS": str(text), "OUTPUT": str(tmp_path / "o.tif")})


def test_output_folder_not_writable(alg, demo_pair, tmp_path):
    pan, ms = demo_pair
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(QgsProcessingException, match=r"output folder .* cannot be created: .*a_file' is a file"):
        run({"PAN": pan, "MS": ms, "OUTPUT": str(blocker / "sub" / "out.tif")})
    if os.geteuid() != 0:            # root writes everywhere; /proc refuses even root
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "out.tif"
    else:
        target = "/proc/deep_pansharpen_test/out.tif"
    with pytest.raises(QgsProcessingException, match=r"output folder .* not writable|cannot be created"):
        run({"PAN": pan, "MS": ms, "OUTPUT": str(target)})


def test_output_must_be_geotiff(alg, demo_pair, tmp_path):
    pan, ms = demo_pair
    with pytest.raises(QgsProcessingException, match=r"GeoTIFF: give it a \.tif extension"):
        run({"PAN": pan, "MS": ms, "OUTPUT": str(tmp_path / "out.img")})


def test_non_gdal_layer_is_refused(alg, demo_pair, tmp_path):
    _pan, ms = demo_pair
    xyz = QgsRasterLayer("type=xyz&url=http://127.0.0.1:9/{z}/{x}/{y}.png&zmax=19&zmin=0", "tiles", "wms")
    if not xyz.isValid():
        pytest.skip("the WMS/XYZ provider is not available")
    with pytest.raises(QgsProcessingException, match=r"'wms' data provider.*GDAL only"):
        run({"PAN": xyz, "MS": ms, "OUTPUT": str(tmp_path / "o.tif")})


def test_engine_errors_become_processing_exceptions(alg, demo_pair, tmp_path):
    pan, ms = demo_pair
    with pytest.raises(QgsProcessingException) as err:
        run({"PAN": pan, "MS": ms, "MS_BANDS": [9], "OUTPUT": str(tmp_path / "o.tif")})
    assert "9" in str(err.value)


# --- Graphical Modeler -------------------------------------------------------------------------------

def _model_input(model, name, description, x):
    param = QgsProcessingParameterRasterLayer(name, description)
    model.addModelParameter(param, QgsProcessingModelParameter(name))
    return QgsProcessingModelChildParameterSource.fromModelParameter(name)


def _fill_defaults(child):
    """Give every parameter not set yet its default value, as the modeler dialog does."""
    child_alg = QgsApplication.processingRegistry().algorithmById(child.algorithmId())
    for d in child_alg.parameterDefinitions():
        if d.isDestination() or d.name() in child.parameterSources():
            continue
        child.addParameterSources(d.name(), [QgsProcessingModelChildParameterSource.fromStaticValue(d.defaultValue())])


def test_model_chaining_pansharpen_and_gdal_translate(alg, demo_pair, tmp_path):
    """A model built as in the Graphical Modeler: PAN + MS -> pansharpen (Brovey) -> gdal:translate (Float32)."""
    pan, ms = demo_pair
    model = QgsProcessingModelAlgorithm("pansharpen then translate", "tests")
    pan_src = _model_input(model, "pan", "PAN", 0)
    ms_src = _model_input(model, "ms", "MS", 1)

    sharpen = QgsProcessingModelChildAlgorithm(ALG)
    sharpen.setChildId("sharpen")
    sharpen.addParameterSources("PAN", [pan_src])
    sharpen.addParameterSources("MS", [ms_src])
    sharpen.addParameterSources("METHOD", [QgsProcessingModelChildParameterSource.fromStaticValue(
        option_index(alg, "METHOD", "brovey"))])
    _fill_defaults(sharpen)
    model.addChildAlgorithm(sharpen)

    translate = QgsProcessingModelChildAlgorithm("gdal:translate")
    translate.setChildId("translate")
    translate.addParameterSources("INPUT", [QgsProcessingModelChildParameterSource.fromChildOutput("sharpen", "OUTPUT")])
    translate.addParameterSources("DATA_TYPE", [QgsProcessingModelChildParameterSource.fromStaticValue(6)])  # Float32
    out_def = QgsProcessingModelOutput("translated", "Translated")
    out_def.setChildOutputName("OUTPUT")
    translate.setModelOutputs({"translated": out_def})
    _fill_defaults(translate)
    model.addChildAlgorithm(translate)
    model.updateDestinationParameters()

    ok, errors = model.validate()
    assert ok, errors
    out = str(tmp_path / "model_out.tif")
    context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
    params = {"pan": pan, "ms": ms, "translate:translated": out}
    results, ok = model.run(params, context, feedback)
    assert ok
    assert results["translate:translated"] == out
    ds = check_pansharpened(out, pan, ms, dtype="Float32")
    assert ds.RasterCount == 4
