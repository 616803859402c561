"""scripts/qgis_process: the provider is listed and the algorithm runs from the command line."""
import json
import os
import pathlib
import subprocess

import pytest

from plugin_checks import check_pansharpened

REPO = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "qgis_process"
QGIS_PROCESS_BIN = "/usr/bin/qgis_process.bin"

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(not os.path.exists(QGIS_PROCESS_BIN), reason="QGIS (qgis_process) is not installed"),
]


@pytest.fixture(scope="module")
def profile_root(tmp_path_factory):
    """A throw-away QGIS profile with the plugin linked and enabled, as `make setup` makes .qgis-profile/."""
    root = tmp_path_factory.mktemp("qgis-profile")
    profile = root / "profiles" / "default"
    (profile / "python" / "plugins").mkdir(parents=True)
    (profile / "python" / "plugins" / "deep_pansharpen").symlink_to(REPO, target_is_directory=True)
    (profile / "QGIS").mkdir()
    (profile / "QGIS" / "QGIS3.ini").write_text("[PythonPlugins]\ndeep_pansharpen=true\n")
    return root


def qgis_process(*args, profile_root=None):
    env = dict(os.environ)
    env.pop("QGIS_CUSTOM_CONFIG_PATH", None)
    if profile_root is not None:
        env["DEEP_PANSHARPEN_PROFILE_ROOT"] = str(profile_root)
    return subprocess.run([str(SCRIPT), *map(str, args)], env=env, capture_output=True, text=True, timeout=240)


def test_list_shows_the_provider_in_the_project_profile():
    """`make setup` links and enables the plugin in .qgis-profile/; the wrapper uses that profile."""
    if not (REPO / ".qgis-profile" / "profiles" / "default" / "python" / "plugins" / "deep_pansharpen").exists():
        pytest.fail("the project profile .qgis-profile/ is missing: run `make setup`")
    res = qgis_process("list")
    assert res.returncode == 0, res.stderr
    assert "Deep Pansharpen" in res.stdout
    assert "deeppansharpen:pansharpen\tPansharpen (PAN + MS)" in res.stdout


def test_help_lists_parameters(profile_root):
    res = qgis_process("help", "deeppansharpen:pansharpen", profile_root=profile_root)
    assert res.returncode == 0, res.stderr
    for name in ("PAN:", "MS:", "METHOD:", "OUTPUT:", "MTF-GLP-HPM"):
        assert name in res.stdout
    # every choice's ids, and how to give them (3.22 numbers the list but takes only the ids)
    from core.methods import method_names
    from core.sensors import SENSORS
    for ids in (method_names("pansharpen"), list(SENSORS), ["same", "uint8", "float32"], ["deflate", "zstd"],
                ["auto", "cpu", "cuda"]):
        for i in ids:
            assert f": {i}\n" in res.stdout, i
    assert "Give the id, e.g. METHOD=auto; not its number." in res.stdout
    assert "Give the id, e.g. SENSOR=generic; not its number." in res.stdout


def test_run_with_choice_ids(profile_root, demo_pair, tmp_path):
    pan, ms = demo_pair
    out = tmp_path / "gsa.tif"
    res = qgis_process("run", "deeppansharpen:pansharpen", "--", f"PAN={pan}", f"MS={ms}", "METHOD=gsa",
                       "SENSOR=landsat89", "OUTPUT_TYPE=float32", "COMPRESSION=zstd", "DEVICE=cpu",
                       f"OUTPUT={out}", profile_root=profile_root)
    assert res.returncode == 0, res.stdout + res.stderr
    ds = check_pansharpened(out, pan, ms, dtype="Float32")
    assert ds.GetMetadataItem("DEEPPANSHARPEN_METHOD") == "gsa"
    assert ds.GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") == "ZSTD"


def test_numbered_method_is_refused_with_the_ids(profile_root, demo_pair, tmp_path):
    pan, ms = demo_pair
    res = qgis_process("run", "deeppansharpen:pansharpen", "--", f"PAN={pan}", f"MS={ms}", "METHOD=5",
                       f"OUTPUT={tmp_path / 'o.tif'}", profile_root=profile_root)
    assert res.returncode != 0
    assert "METHOD takes the id of a choice, not a number" in res.stderr
    assert "gsa" in res.stderr and "Example: METHOD=auto" in res.stderr
    assert not (tmp_path / "o.tif").exists()


def test_run_pansharpen(profile_root, demo_pair, tmp_path):
    pan, ms = demo_pair
    out = tmp_path / "cli.tif"
    res = qgis_process("run", "deeppansharpen:pansharpen", "--", f"PAN={pan}", f"MS={ms}", f"OUTPUT={out}",
                       profile_root=profile_root)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"OUTPUT:\t{out}" in res.stdout
    check_pansharpened(out, pan, ms)


def test_run_reports_missing_input(profile_root, demo_pair, tmp_path):
    _pan, ms = demo_pair
    res = qgis_process("run", "deeppansharpen:pansharpen", "--", f"PAN={tmp_path / 'missing.tif'}", f"MS={ms}",
                       f"OUTPUT={tmp_path / 'o.tif'}", profile_root=profile_root)
    assert res.returncode != 0
    assert "panchromatic (PAN) file was not found" in res.stderr
    assert not (tmp_path / "o.tif").exists()


def test_run_hsmsfusion_infn_with_adaptation(profile_root, tmp_path):
    """METHOD=infn on the bundled Jasper Ridge demo (198 bands: no model fits, so it adapts; short budget), on
    the base BASE names (LS detail; the default, the blend, runs in the desktop test)."""
    pytest.importorskip("torch")
    from osgeo import gdal


    sample = REPO / "resources" / "sample"
    hsi = tmp_path / "hsi.tif"
    msi = tmp_path / "msi.tif"
    hsi.write_bytes((sample / "jasper_ridge_lrhsi_120m.tif").read_bytes())
    msi.write_bytes((sample / "jasper_ridge_msi_s2_30m.tif").read_bytes())
    out = tmp_path / "infn.tif"
    saved = tmp_path / "adapted.safetensors"
    res = qgis_process("run", "deeppansharpen:hsmsfusion", "--", f"HSI={hsi}", f"MSI={msi}", "METHOD=infn",
                       "ADAPT=true", "ADAPT_SECONDS=4", "DEVICE=cpu", f"ADAPTED_WEIGHTS={saved}", f"OUTPUT={out}",
                       "BASE=ls_detail", profile_root=profile_root)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "INFN adaptation" in res.stdout + res.stderr
    assert saved.exists() and (tmp_path / "adapted.json").exists()
    ds = gdal.Open(str(out))
    assert (ds.RasterXSize, ds.RasterYSize, ds.RasterCount) == (99, 99, 198)
    assert ds.GetRasterBand(50).GetMetadataItem("wavelength") == gdal.Open(str(hsi)).GetRasterBand(50) \
        .GetMetadataItem("wavelength")
    assert "infn" in ds.GetMetadataItem("DEEPPANSHARPEN_METHOD")
    assert json.loads(ds.GetMetadataItem("DEEPPANSHARPEN_INFN_BASE"))["base"] == "ls_detail"
    a = ds.GetRasterBand(50).ReadAsArray().astype(float)
    assert a.std() > 0 and 0 < a.mean() < 5000


def test_run_writes_nothing_next_to_the_inputs(profile_root, demo_pair, tmp_path):
    """qgis_process loads the inputs before the plugin runs; their statistics must not land in .aux.xml files
    beside them, and a side file the user already had is kept."""
    import shutil

    folder = tmp_path / "in"
    folder.mkdir()
    pan, ms = (shutil.copy(p, folder) for p in demo_pair)
    res = qgis_process("run", "deeppansharpen:pansharpen", "--", f"PAN={pan}", f"MS={ms}", "METHOD=gsa",
                       f"OUTPUT={tmp_path / 'a.tif'}", profile_root=profile_root)
    assert res.returncode == 0, res.stdout + res.stderr
    assert sorted(os.listdir(folder)) == sorted(os.path.basename(p) for p in (pan, ms))
    # a side file that existed before the run is the user's: it stays
    own = pathlib.Path(pan + ".aux.xml")
    own.write_text('<PAMDataset><Metadata><MDI key="NOTE">mine</MDI></Metadata></PAMDataset>\n')
    res = qgis_process("run", "deeppansharpen:pansharpen", "--", f"PAN={pan}", f"MS={ms}", "METHOD=gsa",
                       f"OUTPUT={tmp_path / 'b.tif'}", profile_root=profile_root)
    assert res.returncode == 0, res.stdout + res.stderr
    assert own.exists() and "mine" in own.read_text()
    assert not os.path.exists(ms + ".aux.xml")


SAMPLE = REPO / "resources" / "sample"


@pytest.mark.parametrize("alg,method,inputs", [
    ("pansharpen", m, ("PAN=landsat8_pan_B8_15m.tif", "MS=landsat8_ms_B2-B5_30m.tif"))
    for m in ("exp", "brovey", "bt_h", "gsa", "bdsd_pc", "mtf_glp_hpm", "mtf_glp_fs", "awlp", "auto")
] + [
    ("pansharpen", "gsa", ("PAN=worldview2_pan_0.5m.tif", "MS=worldview2_ms_BGRN_2m.tif")),
    ("hsmsfusion", "mtf_glp_hs", ("MSI=jasper_ridge_msi_s2_30m.tif", "HSI=jasper_ridge_lrhsi_120m.tif")),
])
def test_a_successful_run_prints_no_gdal_errors(profile_root, tmp_path, alg, method, inputs):
    """A run that succeeds prints no GDAL 'ERROR n:' lines (they read as failures to a user)."""
    import shutil

    args = []
    for item in inputs:
        key, name = item.split("=")
        args.append(f"{key}={shutil.copy(SAMPLE / name, tmp_path)}")
    res = qgis_process("run", f"deeppansharpen:{alg}", "--", *args, f"METHOD={method}", "COG=true",
                       f"OUTPUT={tmp_path / 'out.tif'}", profile_root=profile_root)
    assert res.returncode == 0, res.stdout + res.stderr
    errors = [ln for ln in (res.stdout + res.stderr).splitlines() if ln.startswith("ERROR ")]
    assert errors == []
