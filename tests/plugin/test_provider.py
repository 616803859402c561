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
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsRasterLayer,
)
from qgis.PyQt.QtCore import QUrl

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


# --- registration and parameters -------------------------------------------------------------------

def test_provider_is_registered(dp_provider):
    assert dp_provider.id() == "deeppansharpen"
    assert dp_provider.name() == "Deep Pansharpen"
    assert not dp_provider.icon().isNull()
    assert "tif" in dp_provider.supportedOutputRasterLayerExtensions()
    ids = [a.id() for a in dp_provider.algorithms()]
    assert ALG in ids


def test_pansharpen_parameters(alg, plugin_package):
    from deep_pansharpen.core.methods import method_names
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

    # choices are stable ids (static strings), not positions
    choices = {"METHOD": (method_names("pansharpen"), "auto"),
               "SENSOR": (list(SENSORS), "generic"),
               "OUTPUT_TYPE": (["same", "uint8", "uint16", "int16", "float32"], "same"),
               "COMPRESSION": (["deflate", "zstd", "none"], "deflate"),
               "DEVICE": (["auto", "cpu", "cuda"], "auto")}
    for name, (ids, default) in choices.items():
        assert p[name].type() == "enum" and p[name].usesStaticStrings(), name
        assert p[name].options() == ids and p[name].defaultValue() == default, name
        assert all(i == i.lower() and " " not in i for i in ids), name
    assert "panadapter" in p["METHOD"].options() and "gsa" in p["METHOD"].options()

    assert p["PAN_BAND"].parentLayerParameterName() == "PAN" and p["PAN_BAND"].defaultValue() == 1
    assert p["MS_BANDS"].parentLayerParameterName() == "MS" and p["MS_BANDS"].allowMultiple()
    assert p["MS_BANDS"].flags() & QgsProcessingParameterDefinition.FlagOptional
    assert p["TILE_SIZE"].defaultValue() == 1024 and p["TILE_SIZE"].minimum() == 64
    assert p["OVERLAP"].defaultValue() == 32
    assert p["COG"].defaultValue() is False
    advanced = {n for n, d in p.items() if d.flags() & QgsProcessingParameterDefinition.FlagAdvanced}
    assert advanced == {"PAN_BAND", "MS_BANDS", "SENSOR", "TILE_SIZE", "OVERLAP", "OUTPUT_TYPE", "COG", "DEVICE",
                        "COMPRESSION", "CLUSTER", "ADAPT", "ADAPT_SECONDS", "ADAPT_STEPS", "WEIGHTS", "ADAPTED_WEIGHTS",
                        "GUARD"}
    # PanAdapter options, the same kinds as INFN's on hsmsfusion
    assert p["ADAPT"].defaultValue() is False
    assert p["GUARD"].defaultValue() is True
    assert p["ADAPT_SECONDS"].dataType() == QgsProcessingParameterNumber.Integer
    assert p["ADAPT_SECONDS"].defaultValue() == 120
    assert p["WEIGHTS"].flags() & QgsProcessingParameterDefinition.FlagOptional
    # QGIS 3.22 lists destination parameters among the outputs even when advanced: the adapted model's
    # path is an optional text parameter (with a save-file widget) and an output of the same name
    assert not p["ADAPTED_WEIGHTS"].isDestination()
    assert p["ADAPTED_WEIGHTS"].flags() & QgsProcessingParameterDefinition.FlagOptional
    assert p["ADAPTED_WEIGHTS"].metadata()["widget_wrapper"]["class"].endswith("SaveFileWidgetWrapper")
    assert alg.outputDefinition("ADAPTED_WEIGHTS").type() == "outputFile"
    assert "tcp://host:8786" in p["CLUSTER"].help() and "local:N" in p["CLUSTER"].help()

    help_text = alg.shortHelpString()
    assert len(help_text) < 1500
    for method in method_names("pansharpen"):
        assert f"<b>{method}</b>" in help_text, method
    assert "docs/algorithms.md" in help_text


def test_every_algorithm_has_a_short_description_and_a_help_page(dp_provider):
    import re

    from deep_pansharpen.processing_provider.base import DOCS_PATH

    docs = open(DOCS_PATH, encoding="utf-8").read()
    anchors = set(re.findall(r'<a id="([a-z_]+)"></a>', docs))
    shared = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([A-Z_]+)` \|.*$", docs.split("<a id=")[0], re.M)}
    assert set(shared) == {"SENSOR", "OUTPUT_TYPE", "COMPRESSION", "DEVICE"}
    for a in dp_provider.algorithms():
        assert 20 < len(a.shortDescription()) < 150, a.id()
        assert "docs/algorithms.md" in a.shortHelpString() and len(a.shortHelpString()) < 1500, a.id()
        url = a.helpUrl()
        assert url == QUrl.fromLocalFile(DOCS_PATH).toString() + "#" + a.name(), a.id()
        assert a.name() in anchors, a.id()
        # the reference names every parameter of the algorithm and every id of its choices (the shared
        # choices in the table above the first section)
        section = docs.split(f'<a id="{a.name()}"></a>')[1].split("<a id=")[0]
        for d in a.parameterDefinitions():
            assert f"`{d.name()}`" in section, (a.id(), d.name())
            if d.type() == "enum":
                where = shared.get(d.name(), section)
                for option in d.options():
                    assert f"`{option}`" in where, (a.id(), d.name(), option)


@pytest.mark.parametrize("alg_id", ["deeppansharpen:pansharpen", "deeppansharpen:hsmsfusion"])
def test_adapted_model_is_under_advanced_in_the_dialog(dp_provider, alg_id, monkeypatch):
    """The toolbox dialog puts ADAPTED_WEIGHTS in the Advanced group, as a save-file picker."""
    from processing.gui import ParametersPanel
    from processing.gui.AlgorithmDialog import AlgorithmDialog
    from qgis.gui import QgsFileWidget

    monkeypatch.setattr(ParametersPanel, "iface", None)       # the test iface has no browser model

    dialog = AlgorithmDialog(QgsApplication.processingRegistry().createAlgorithmById(alg_id))
    try:
        wrappers = dialog.mainWidget().wrappers

        def in_advanced(widget):
            while widget is not None:
                if widget.objectName() == "grpAdvanced":
                    return True
                widget = widget.parentWidget()
            return False

        picker = wrappers["ADAPTED_WEIGHTS"].widget
        assert isinstance(picker, QgsFileWidget) and picker.storageMode() == QgsFileWidget.SaveFile
        assert in_advanced(picker) and in_advanced(wrappers["ADAPT_SECONDS"].wrappedWidget())
        assert not in_advanced(wrappers["METHOD"].wrappedWidget())
        picker.setFilePath("/tmp/adapted.safetensors")
        assert wrappers["ADAPTED_WEIGHTS"].value() == "/tmp/adapted.safetensors"
    finally:
        dialog.deleteLater()


def test_numbered_choices_are_refused_with_the_ids(alg, demo_pair, tmp_path):
    """Numbers changed meaning when methods were added, so 0.2 takes ids only and says so."""
    pan, ms = demo_pair
    out = tmp_path / "numbered.tif"
    for name, value in (("METHOD", 5), ("METHOD", "5"), ("SENSOR", 9), ("OUTPUT_TYPE", "4")):
        with pytest.raises(QgsProcessingException, match=rf"{name} takes the id of a choice, not a number") as err:
            run({"PAN": pan, "MS": ms, name: value, "OUTPUT": str(out)})
        assert "Example: " + name + "=" in str(err.value)
    assert "mtf_glp_hpm" in str(err.value) or "float32" in str(err.value)
    assert not out.exists()
    with pytest.raises(QgsProcessingException):
        run({"PAN": pan, "MS": ms, "METHOD": "no_such_method", "OUTPUT": str(out)})


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
    run({"PAN": pan_layer, "MS": ms_layer, "METHOD": "gsa",
         "MS_BANDS": [3, 2, 1], "PAN_BAND": 1, "SENSOR": "generic",
         "TILE_SIZE": 64, "OVERLAP": 8, "OUTPUT_TYPE": "float32", "OUTPUT": out})
    check_pansharpened(out, pan, ms, bands=[3, 2, 1], dtype="Float32")
    assert gdal.Open(out).GetMetadataItem("DEEPPANSHARPEN_METHOD") == "gsa"
    assert gdal.Open(out).GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") == "DEFLATE"      # the default


def test_compression_choice_reaches_the_output(alg, demo_pair, tmp_path):
    pan, ms = demo_pair
    for comp, tag in (("zstd", "ZSTD"), ("none", None)):
        out = str(tmp_path / f"{comp}.tif")
        run({"PAN": pan, "MS": ms, "COMPRESSION": comp, "OUTPUT": out})
        assert gdal.Open(out).GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") == tag


def test_run_without_extension_writes_tif(alg, demo_pair, tmp_path):
    pan, ms = demo_pair
    result = run({"PAN": pan, "MS": ms, "OUTPUT": str(tmp_path / "no_extension")})
    assert result["OUTPUT"].endswith(".tif") and os.path.exists(result["OUTPUT"])


def test_temporary_output(alg, demo_pair):
    pan, ms = demo_pair
    result = run({"PAN": pan, "MS": ms, "METHOD": "brovey",
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
    sharpen.addParameterSources("METHOD", [QgsProcessingModelChildParameterSource.fromStaticValue("brovey")])
    _fill_defaults(sharpen)
    model.addChildAlgorithm(sharpen)

    translate = QgsProcessingModelChildAlgorithm("gdal:translate")
    translate.setChildId("translate")
    translate.addParameterSources("INPUT",
                                  [QgsProcessingModelChildParameterSource.fromChildOutput("sharpen", "OUTPUT")])
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
    assert ds.GetMetadataItem("DEEPPANSHARPEN_METHOD") == "brovey"      # the model's METHOD id reached the run

