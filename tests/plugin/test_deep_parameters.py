"""The deep methods' Processing parameters (add_deep_parameters) and the options they become (deep_options), the
same for PanAdapter (pansharpen) and INFN (hsmsfusion)."""
import pytest
from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingParameterDefinition

DEEP = ["ADAPT", "ADAPT_SECONDS", "ADAPT_STEPS", "WEIGHTS", "GUARD", "ADAPTED_WEIGHTS"]


def algorithm(alg_id):
    alg = QgsApplication.processingRegistry().algorithmById(alg_id).create()
    assert alg is not None
    return alg


@pytest.mark.parametrize("alg_id, who", [("deeppansharpen:pansharpen", "PanAdapter, PanAdapter v2"),
                                         ("deeppansharpen:hsmsfusion", "INFN")])
def test_deep_parameters_are_advanced_named_for_the_method_with_their_defaults(dp_provider, alg_id, who):
    alg = algorithm(alg_id)
    names = [p.name() for p in alg.parameterDefinitions()]
    assert [n for n in names if n in DEEP] == DEEP
    assert names.index("ADAPTED_WEIGHTS") == names.index("OUTPUT") - 1        # the deep block ends the advanced part
    for n in DEEP:
        p = alg.parameterDefinition(n)
        assert p.description().startswith(f"{who}: ") and p.flags() & QgsProcessingParameterDefinition.FlagAdvanced
    assert alg.parameterDefinition("ADAPT").defaultValue() is False
    assert alg.parameterDefinition("GUARD").defaultValue() is True
    seconds = alg.parameterDefinition("ADAPT_SECONDS")
    assert (seconds.defaultValue(), seconds.minimum(), seconds.maximum()) == (120, 1, 36000)
    steps = alg.parameterDefinition("ADAPT_STEPS")
    assert (steps.defaultValue(), steps.minimum()) == (0, 0)
    assert alg.parameterDefinition("WEIGHTS").extension() == "safetensors"
    assert alg.outputDefinition("ADAPTED_WEIGHTS") is not None


@pytest.mark.parametrize("alg_id", ["deeppansharpen:pansharpen", "deeppansharpen:hsmsfusion"])
def test_deep_options_carry_only_what_the_user_set(dp_provider, alg_id, tmp_path):
    alg = algorithm(alg_id)
    context = QgsProcessingContext()
    assert alg.deep_options({}, context) == {}
    assert alg.deep_options({"ADAPT": False, "ADAPT_STEPS": 0, "WEIGHTS": "", "ADAPTED_WEIGHTS": " ",
                             "GUARD": True}, context) == {}
    assert alg.deep_options({"GUARD": False}, context) == {"guard": False}      # the deep guard off
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"x")
    got = alg.deep_options({"ADAPT": True, "ADAPT_SECONDS": 30, "ADAPT_STEPS": 5, "WEIGHTS": str(weights),
                            "ADAPTED_WEIGHTS": str(tmp_path / "adapted.pt")}, context)
    want = {"adapt": True, "adapt_seconds": 30.0, "adapt_steps": 5, "weights": str(weights),
            "adapted_weights": str(tmp_path / "adapted.safetensors")}
    assert got == want


def test_infn_base_parameter_becomes_the_base_option_for_infn_only(dp_provider):
    alg = algorithm("deeppansharpen:hsmsfusion")
    p = alg.parameterDefinition("BASE")
    assert p.description().startswith("INFN: ") and p.flags() & QgsProcessingParameterDefinition.FlagAdvanced
    assert p.defaultValue() == "automatic" and p.options() == list(alg.BASES) and "hs_blend" in p.options()
    names = [q.name() for q in alg.parameterDefinitions()]
    assert names.index("BASE") == names.index("ADAPT") - 1
    context = QgsProcessingContext()
    assert alg.infn_options("infn", {}, context) == {}
    assert alg.infn_options("infn", {"BASE": "automatic"}, context) == {}
    assert alg.infn_options("infn", {"BASE": "ls_detail"}, context) == {"base": "ls_detail"}
    assert alg.infn_options("mtf_glp_hs", {"BASE": "ls_detail"}, context) == {}     # classical methods take none
