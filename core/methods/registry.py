"""The one table of fusion methods: what the toolbox, the dock, the input doctor and the method catalog
show about each method, and where its code lives.

Importing this module imports no method (deep methods import torch), so the plugin can list every method
without torch.  Adding a method = its module + one ``MethodSpec`` line in ``SPECS``; its ``id`` is the
stable name users type (``METHOD=gsa``) and must never change once released.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

TASKS = ("pansharpen", "hsms")
# Speed classes by measured CPU seconds per output megapixel and band (upper bounds).
SPEED_CLASSES = (("fast", 0.25), ("moderate", 0.5), ("slow", float("inf")))
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# The classical HS-MS methods Auto scores (core.auto_select); HySure is left out: it is the slowest by far
# (Fourier-domain ADMM per tile); choose it by name.
HSMS_AUTO_CANDIDATES = ("hs_exp", "mtf_glp_hs", "ls_detail", "gsa_hs", "cnmf")
# What an INFN model moved to another band layout may refine (its option ``base``, Processing's BASE): the blend
# of the classical methods (the default there) or one of Auto's candidates.
INFN_MOVED_BASES = ("hs_blend",) + HSMS_AUTO_CANDIDATES


@dataclass(frozen=True)
class MethodSpec:
    id: str                      # stable lower-case id: METHOD=<id>, output metadata, settings
    label: str                   # shown in choice lists and logs
    task: str                    # "pansharpen" or "hsms"
    description: str             # one line for the dock, the help and docs/algorithms.md
    target: str                  # "module:Class"; a module without a dot lives in core.methods
    needs_torch: bool = False
    trained_on: str = ""         # the data the bundled weights were trained on (deep methods)
    # CPU seconds per output megapixel and band on the 2-core development machine (the doctor's time
    # estimate; scene adaptation comes on top)
    seconds_per_mp_band: float | None = None

    @property
    def module(self) -> str:
        name = self.target.split(":", 1)[0]
        return name if "." in name else f"{__package__}.{name}"

    @property
    def class_name(self) -> str:
        return self.target.split(":", 1)[1]

    @property
    def speed(self) -> str:
        """'fast', 'moderate' or 'slow' (per megapixel and band, on the CPU); '' when not measured."""
        if self.seconds_per_mp_band is None:
            return ""
        return next(name for name, limit in SPEED_CLASSES if self.seconds_per_mp_band <= limit)

    def summary(self) -> str:
        """One line for the dock: what it does and, for deep methods, what its weights saw."""
        text = self.description or self.label
        if self.needs_torch:
            text += f" Weights trained on: {self.trained_on}." if self.trained_on else " Deep-learning method."
        else:
            text += " Classical method (no training, CPU)."
        if self.speed:
            text += f" Speed on the CPU: {self.speed}" + (" (plus the scene adaptation)." if self.needs_torch else ".")
        return text


SPECS: tuple[MethodSpec, ...] = (
    # --- pansharpening (PAN + MS) ---------------------------------------------------------------------
    MethodSpec("exp", "EXP (23-tap interpolation, no fusion)", "pansharpen",
               "The MS interpolated onto the PAN grid; no PAN detail (reference baseline).",
               "classical_pan:Exp", seconds_per_mp_band=0.16),
    MethodSpec("brovey", "Brovey transform (fitted band weights)", "pansharpen",
               "Each MS band scaled by PAN / intensity; the intensity weights the MS bands as the PAN sensor "
               "sees them (fitted on the scene).",
               "classical_pan:Brovey", seconds_per_mp_band=0.15),
    MethodSpec("bt_h", "BT-H (Brovey with haze correction)", "pansharpen",
               "Brovey with regression intensity and haze subtraction (Lolli et al. 2017).",
               "classical_pan:BTH", seconds_per_mp_band=0.20),
    MethodSpec("gsa", "GSA (adaptive Gram-Schmidt)", "pansharpen",
               "Gram-Schmidt with intensity weights fitted to the PAN at reduced scale (Aiazzi 2007).",
               "classical_pan:GSA", seconds_per_mp_band=0.15),
    MethodSpec("bdsd_pc", "BDSD-PC", "pansharpen",
               "Band-dependent spatial detail with physical constraints (Vivone 2019).",
               "classical_pan:BDSDPC", seconds_per_mp_band=0.62),
    MethodSpec("mtf_glp_hpm", "MTF-GLP-HPM", "pansharpen",
               "MTF-matched generalized Laplacian pyramid, multiplicative (high-pass modulation) injection.",
               "classical_pan:MTFGLPHPM", seconds_per_mp_band=0.32),
    MethodSpec("mtf_glp_fs", "MTF-GLP-FS", "pansharpen",
               "MTF-matched GLP with injection gains regressed at full scale (Vivone 2018).",
               "classical_pan:MTFGLPFS", seconds_per_mp_band=0.44),
    MethodSpec("awlp", "AWLP", "pansharpen",
               "Additive wavelet luminance proportional: a-trous PAN details weighted by MS_k / mean MS.",
               "classical_pan:AWLP", seconds_per_mp_band=0.27),
    # 0.41 s: 0.61 PAN megapixels/s for 4 bands with 2 threads (bench/results/panadapter_throughput.md)
    MethodSpec("panadapter", "PanAdapter (deep, adapts to the scene)", "pansharpen",
               "Two-stage deep pansharpening: spatial and spectral priors from pre-trained CNNs are injected "
               "into a frozen transformer through adapters; can fine-tune itself on the scene (ADAPT).",
               "panadapter_method:PanAdapterMethod", needs_torch=True,
               trained_on="Landsat-8 OLI and Sentinel-2 (4 bands: blue, green, red, NIR; 8 bands: Sentinel-2 "
                          "B02-B08, B8A); other band counts adapt to the scene",
               seconds_per_mp_band=0.41),
    # 0.55 s: 0.41-0.52 PAN megapixels/s for 4 bands with 2 threads on a slow afternoon, the two networks making
    # every tile (bench/results/pan_scet_throughput.md, 2026-12-07 15:19)
    MethodSpec("panadapter_v2", "PanAdapter v2 (deep, refines a classical fusion)", "pansharpen",
               "Two networks, averaged, refine the classical fusion that scores best on the scene: one on a frozen "
               "image-restoration transformer pre-trained on photos (SCET) with adapters and small CNN priors, one "
               "a small CNN; can fine-tune itself on the scene (ADAPT).",
               "pan_scet_method:PanScetMethod", needs_torch=True,
               trained_on="Landsat-8 OLI, Sentinel-2 and SpaceNet-6 WorldView-2 (4 bands: blue, green, red, NIR; "
                          "ratios 2 and 4)",
               seconds_per_mp_band=0.55),
    # The check costs about 1.6-2.1 s on a 100-megapixel scene on top of its choice (bench/results/auto_timing.md)
    MethodSpec("auto", "Auto (best classical method for the scene)", "pansharpen",
               "Tries the classical methods on a reduced-resolution copy of the scene and fuses with the one "
               "that scores best (ERGAS, then SAM and Q2n; full-resolution HQNR as a guard).",
               "auto_method:AutoPan", seconds_per_mp_band=0.45),
    # --- HS-MS fusion (LR-HSI + HR-MSI) ---------------------------------------------------------------
    MethodSpec("hs_exp", "EXP (interpolated HSI, no fusion)", "hsms",
               "The LR-HSI interpolated to the MSI grid (23-tap, cubic for other ratios): the no-fusion "
               "reference.",
               "classical_hsms:HSExp", seconds_per_mp_band=0.16),
    MethodSpec("mtf_glp_hs", "MTF-GLP-HS (GLP hypersharpening)", "hsms",
               "Each HSI band gets the detail of the MSI band combination that best explains it (least "
               "squares at low resolution), injected through an MTF-matched GLP.",
               "classical_hsms:MTFGLPHS", seconds_per_mp_band=0.45),
    # The next four: MTF-GLP-HS's 0.45 s plus the difference of their CPU time per megapixel and band in memory
    # (CAVE 512 x 512 x 31, x4: LS detail -0.03, GSA-HS -0.02, CNMF +0.31 (+13 s per scene to prepare),
    # HySure +1.0; bench/results/hsms_classical_quality.md).
    MethodSpec("ls_detail", "LS detail (least-squares detail injection)", "hsms",
               "Each HSI band is fitted at low resolution as a linear combination of the degraded MSI bands plus "
               "an offset; the high-pass detail of that synthesis is added to the interpolated band (fast baseline).",
               "ls_detail:LSDetail", seconds_per_mp_band=0.44),
    MethodSpec("gsa_hs", "GSA-HS (GSA per MSI band group)", "hsms",
               "HSI bands grouped by the MSI band that covers them (spectral responses estimated from the data, "
               "else the best-correlated band); each group pansharpened by adaptive Gram-Schmidt with its MSI "
               "band as the PAN (Yokoya 2017).",
               "gsa_hs:GSAHS", seconds_per_mp_band=0.44),
    MethodSpec("cnmf", "CNMF (coupled non-negative matrix factorisation)", "hsms",
               "Endmembers of the HSI and abundances of the MSI, alternately unmixed with multiplicative NMF "
               "updates and coupled by the spectral responses estimated from the data (Yokoya 2012).",
               "cnmf:CNMF", seconds_per_mp_band=0.8),
    MethodSpec("hysure", "HySure (subspace + total variation)", "hsms",
               "The HR image in the HSI's signal subspace, fitted to both images with vector total-variation "
               "regularisation by ADMM; spectral responses estimated from the data (Simoes 2015).",
               "hysure:HySure", seconds_per_mp_band=1.5),
    # The sum of its four candidates' (it runs each of them on every tile).
    MethodSpec("hs_blend", "Blend (four classical methods fitted per band)", "hsms",
               "The four classical methods combined band by band, with weights fitted on a reduced-resolution "
               "copy of the scene: on the real sensor pairs of the benchmark its error (ERGAS) is below each of "
               "them alone; on lab data whose blur differs from the sensor's (CAVE) choose one method instead.",
               "hs_blend:HSBlend", seconds_per_mp_band=2.1),
    # 0.06 s: the network alone does 0.6-0.8 HR megapixels/s at 31 bands (CPU, 2 threads)
    MethodSpec("infn", "INFN (deep implicit fusion)", "hsms",
               "Implicit neural feature fusion: encoders for both images, dual high-frequency fusion and "
               "cosine-similarity neighbour weights decode the HR-HSI at every MSI pixel; adapts itself to "
               "any sensor pair on the scene (ADAPT).",
               "infn_method:INFN", needs_torch=True,
               trained_on="CAVE (31 bands, 400-700 nm) with a simulated Nikon D700 RGB image, ratios 4 and 8",
               seconds_per_mp_band=0.06),
    MethodSpec("hs_auto", "Auto (best classical method for the scene)", "hsms",
               "Tries EXP, MTF-GLP-HS, LS detail, GSA-HS and CNMF on a reduced-resolution copy of the scene and "
               "fuses with the one that scores best (ERGAS, then SAM and Q2n).",
               "auto_method:AutoHSMS", seconds_per_mp_band=0.5),
)

METHODS: dict[str, MethodSpec] = {s.id: s for s in SPECS}


def find_spec(method_id: str) -> MethodSpec | None:
    """The spec of ``method_id``, or None when no such method is registered."""
    return METHODS.get(method_id)


def specs_for(task: str) -> list[MethodSpec]:
    """The methods of ``task`` in the order the choice lists show them."""
    return [s for s in METHODS.values() if s.task == task]
