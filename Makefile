# Deep Pansharpen — developer entry points.
#
#   make setup   install QGIS (Debian packages), create .venv, install Python deps, enable the plugin
#   make test    lint (ruff, configured in pyproject.toml), then run the test suite headless
#   make demo    pansharpen the bundled Landsat 8 sample with qgis_process
#   make package build dist/deep_pansharpen.zip for "Install from ZIP" / plugins.qgis.org
#
# Everything is idempotent: a second `make setup` only checks a stamp file and the plugin links.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT        := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
PLUGIN_NAME := deep_pansharpen
SYS_PYTHON  := /usr/bin/python3
VENV        := $(ROOT)/.venv
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.setup-stamp
CONSTRAINTS := $(VENV)/system-constraints.txt

# Project-local QGIS profile root (QGIS_CUSTOM_CONFIG_PATH); the profile itself is <root>/profiles/default.
PROFILE_ROOT := $(ROOT)/.qgis-profile
PROFILE_DIR  := $(PROFILE_ROOT)/profiles/default
# The user's real default profile, so that QGIS Desktop sees the plugin too (set LINK_USER_PROFILE=no to skip).
USER_PROFILE_DIR  ?= $(HOME)/.local/share/QGIS/QGIS3/profiles/default
LINK_USER_PROFILE ?= yes

APT_PACKAGES := qgis python3-qgis python3-gdal gdal-bin xvfb python3-venv python3-scipy qttools5-dev-tools
# Extra arguments for pip, e.g. PIP_ARGS="--extra-index-url <url of CPU-only torch wheels>".
PIP_ARGS ?=

SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: help setup system-packages plugin-links test demo lint clean translations

help:
	@echo "make setup | make test | make demo | make package | make bench | make bench-dask | make lint | make clean"

setup: $(STAMP) plugin-links

# --- system packages (Debian 12) ---------------------------------------------------------------
system-packages:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo ">> installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	else \
	  echo ">> Debian packages present"; \
	fi

# --- virtual environment -----------------------------------------------------------------------
# --system-site-packages so that QGIS's python3-qgis, GDAL, numpy and scipy are the Debian ones.
# pip is constrained to the system numpy/scipy/GDAL versions so it can never upgrade them.
$(STAMP): requirements.txt requirements-dev.txt
	@$(MAKE) --no-print-directory system-packages
	@if [ ! -x "$(PY)" ]; then \
	  echo ">> creating $(VENV)"; \
	  $(SYS_PYTHON) -m venv --system-site-packages "$(VENV)"; \
	fi
	@$(SYS_PYTHON) -c 'import numpy, scipy; from osgeo import gdal; \
	print(f"numpy=={numpy.__version__}\nscipy=={scipy.__version__}\nGDAL=={gdal.__version__}")' > "$(CONSTRAINTS)"
	@echo ">> system packages pinned for pip:"; sed 's/^/   /' "$(CONSTRAINTS)"
	@# make QGIS's bundled Processing plugins (processing, grassprovider, ...) importable from the venv
	@site=$$("$(PY)" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'); \
	  echo /usr/share/qgis/python/plugins > "$$site/qgis-bundled-plugins.pth"
	"$(PY)" -m pip install --disable-pip-version-check -c "$(CONSTRAINTS)" $(PIP_ARGS) \
	  -r requirements.txt -r requirements-dev.txt
	@"$(PY)" -m pip check || echo "!! pip check reported problems (often harmless metadata of Debian packages); see above"
	"$(PY)" -c 'import importlib.util, numpy, scipy, torch, torchvision, timm, safetensors, qgis.core; \
	from osgeo import gdal; assert importlib.util.find_spec("processing"), "QGIS processing plugin not importable"; \
	print(f"   numpy {numpy.__version__} (from {numpy.__file__}), GDAL {gdal.__version__}, torch {torch.__version__}, timm {timm.__version__}")'
	@"$(PY)" -c 'import numpy; assert numpy.__file__.startswith("/usr/lib/python3/"), "numpy in .venv is not the system one: " + numpy.__file__'
	@touch "$(STAMP)"

# --- enable the plugin in the project-local profile (and the user's default profile) ------------
# QGIS reads [PythonPlugins] <name>=true from <profile>/QGIS/QGIS3.ini; it is written with QSettings
# so that an existing file keeps its format.  An installed (non-symlink) copy is left alone.
# core.venv_link links the .venv's torch/timm/safetensors into the profile's deep_pansharpen_deps folder,
# so QGIS Desktop (system Python) can run the deep methods right after setup.
plugin-links: $(STAMP)
	@dirs="$(PROFILE_DIR)"; \
	if [ "$(LINK_USER_PROFILE)" = "yes" ]; then dirs="$$dirs $(USER_PROFILE_DIR)"; fi; \
	for d in $$dirs; do \
	  mkdir -p "$$d/python/plugins" "$$d/QGIS"; \
	  link="$$d/python/plugins/$(PLUGIN_NAME)"; \
	  if [ -e "$$link" ] && [ ! -L "$$link" ]; then \
	    echo "!! $$link is a real folder (an installed copy?): left alone"; \
	  elif [ "$$(readlink "$$link" || true)" != "$(ROOT)" ]; then \
	    ln -sfn "$(ROOT)" "$$link"; \
	  fi; \
	  grep -qsx '$(PLUGIN_NAME)=true' "$$d/QGIS/QGIS3.ini" || \
	    $(SYS_PYTHON) -c 'import sys; from PyQt5.QtCore import QSettings; \
	s = QSettings(sys.argv[1], QSettings.IniFormat); s.setValue("PythonPlugins/$(PLUGIN_NAME)", True); s.sync()' \
	      "$$d/QGIS/QGIS3.ini"; \
	  echo ">> plugin $(PLUGIN_NAME) linked and enabled in $$d"; \
	  (cd "$(ROOT)" && "$(PY)" -m core.venv_link --profile "$$d"); \
	done

# --- everyday targets --------------------------------------------------------------------------
test: setup
	"$(PY)" -m ruff check .
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest tests -q

demo: setup
	bash scripts/demo.sh

lint: setup
	"$(PY)" -m ruff check .
	"$(PY)" -m compileall -q -x '(\.venv|\.qgis-profile|\.git)' .

# the .ts template from the sources, and a .qm for every translated language file
translations:
	/usr/bin/python3 scripts/make_ts.py
	@for ts in i18n/deep_pansharpen_*.ts; do [ -e "$$ts" ] && lrelease -silent "$$ts" || true; done

clean:
	rm -rf .qgis-profile .pytest_cache tests/artifacts demo_output
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# --- plugin zip ----------------------------------------------------------------------------------
# One top-level folder deep_pansharpen/ with LICENSE, no tests/bench/dev files/caches; fails over 25 MB.
PACKAGE_ZIP    ?= $(ROOT)/dist/$(PLUGIN_NAME).zip
PACKAGE_MAX_MB ?= 25

.PHONY: package
package:
	$(SYS_PYTHON) scripts/package_plugin.py --root "$(ROOT)" --name $(PLUGIN_NAME) \
	  --output "$(PACKAGE_ZIP)" --max-mb $(PACKAGE_MAX_MB)

# --- benchmarks (tables committed under bench/results/; not part of `make test`) -----------------
.PHONY: bench bench-quality bench-throughput
bench: bench-throughput bench-quality

bench-throughput: setup
	"$(PY)" bench/bench_classical.py

bench-quality: setup
	"$(PY)" bench/bench_quality.py

# One 4096^2 scene on a Dask LocalCluster with 1, 2 and 4 worker processes, checked against the
# single-process output (not part of `make bench`: it needs dask/distributed and several minutes).
.PHONY: bench-dask
bench-dask: setup
	"$(PY)" bench/bench_dask.py

# --- PanAdapter: pre-training, two-stage training, bundling, benchmark ---------------------------
# Each run is
# resumable (add --resume to the same command) and logs / checkpoints under $(PA_OUT) (git-ignored).
PA_OUT           ?= build/panadapter
# Step counts, not minutes: the same weights whatever else the machine is doing (seeded data and init).
PRETRAIN_STEPS   ?= 3500
STAGE1_STEPS     ?= 3000
STAGE2_STEPS     ?= 6000
PRETRAIN_THREADS ?= 2
TRAIN_THREADS    ?= 1
PA_LAYOUTS       ?= 4band 8band
PA_TRAIN         := "$(PY)" -m core.training.train_panadapter --threads $(TRAIN_THREADS)
# Stage 2 draws every training pair of a ratio alike (stage 1 and the PNN ablations by pixel count, which
# suits them better: README); with one pair per ratio (8 bands) it makes no difference.
STAGE2_PAIRS     := --pair-weight-power 0

.PHONY: pretrain train-panadapter train-panadapter-ablations bench-panadapter
pretrain: setup
	"$(PY)" -m core.training.pretrain_panadapter --out $(PA_OUT)/pretrain --steps $(PRETRAIN_STEPS) \
	  --threads $(PRETRAIN_THREADS) --epoch-steps 500

train-panadapter: setup
	mkdir -p resources/weights
	for lay in $(PA_LAYOUTS); do \
	  $(PA_TRAIN) --stage 1 --layout $$lay --pretrained $(PA_OUT)/pretrain/pretrained.safetensors \
	    --out $(PA_OUT)/$${lay}_s1 --steps $(STAGE1_STEPS); \
	  $(PA_TRAIN) --stage 2 --layout $$lay --init $(PA_OUT)/$${lay}_s1/panadapter_$${lay}_s1.safetensors \
	    --out $(PA_OUT)/$${lay}_s2 --name panadapter_$$lay --steps $(STAGE2_STEPS) $(STAGE2_PAIRS); \
	  cp $(PA_OUT)/$${lay}_s2/panadapter_$$lay.safetensors $(PA_OUT)/$${lay}_s2/panadapter_$$lay.json resources/weights/; \
	done
	"$(PY)" scripts/make_panadapter_reference.py

# Ablations for bench-panadapter: stage 2 on a random frozen transformer, and a PNN-like CNN (width 96, about
# the stage-2 trainable size) with the same MTF-GLP-HPM residual base and with a residual on the MS.
# Their stage-1 start is rebuilt from the bundled network when build/ lacks it (scripts/panadapter_stage1_from_bundled.py).
# The results are copied to bench/ablations/ (committed, not packaged) for bench/bench_panadapter.py.
train-panadapter-ablations: setup
	for lay in $(PA_LAYOUTS); do \
	  test -f $(PA_OUT)/$${lay}_s1/panadapter_$${lay}_s1.safetensors || "$(PY)" scripts/panadapter_stage1_from_bundled.py \
	    resources/weights/panadapter_$$lay.safetensors $(PA_OUT)/$${lay}_s1/panadapter_$${lay}_s1.safetensors; \
	  $(PA_TRAIN) --stage 2 --random-vit --layout $$lay --init $(PA_OUT)/$${lay}_s1/panadapter_$${lay}_s1.safetensors \
	    --out $(PA_OUT)/$${lay}_s2_randvit --steps $(STAGE2_STEPS) $(STAGE2_PAIRS); \
	  $(PA_TRAIN) --variant pnn --config '{"width": 96, "base": "mtf_glp_hpm"}' --layout $$lay \
	    --out $(PA_OUT)/$${lay}_pnn_hpm --steps $$(( $(STAGE1_STEPS) + $(STAGE2_STEPS) )); \
	  $(PA_TRAIN) --variant pnn --config '{"width": 96}' --layout $$lay \
	    --out $(PA_OUT)/$${lay}_pnn --steps $$(( $(STAGE1_STEPS) + $(STAGE2_STEPS) )); \
	  mkdir -p bench/ablations; \
	  for run in s2_randvit pnn_hpm pnn; do \
	    cp $(PA_OUT)/$${lay}_$$run/panadapter_$${lay}_$$run.safetensors $(PA_OUT)/$${lay}_$$run/panadapter_$${lay}_$$run.json bench/ablations/; \
	  done; \
	done

bench-panadapter: setup
	"$(PY)" bench/bench_panadapter.py

# PanAdapter v2's speed (and PanAdapter's 8-band layout) and its float32 / bfloat16-body results on the real pairs
.PHONY: bench-pan-scet-speed
bench-pan-scet-speed: setup
	"$(PY)" bench/bench_pan_scet_speed.py --threads 2
	"$(PY)" bench/bench_pan_scet_speed.py --method panadapter --bands 8 --ratios 4 --threads 2
	"$(PY)" bench/bench_precision.py

# PanAdapter v2's adaptation objectives (Wald, full resolution, both) with a trace of the true error per check
.PHONY: bench-pan-scet-fullscale
bench-pan-scet-fullscale: setup
	"$(PY)" bench/bench_pan_scet_fullscale.py --threads 1 --trace 300

# --- Pre-trained SR bodies (SCET, RFDN): the authors' weights -> resources/weights, and the transfer check ------
# PanScet (PanAdapter v2) on SCET's frozen blocks, and its random-body ablation; add RESUME=--resume to go on
# with an interrupted run (checkpoints in the run folder).
PS_OUT   ?= build/pan_scet
PS_STEPS ?= 24000
RESUME   ?=
PS_TRAIN  = "$(PY)" -m core.training.train_pan_scet --layout 4band_vhr --steps $(PS_STEPS) $(RESUME)
# The bundled network: small trainable CNN priors (the frozen RFDN priors trained no better and cost 2x the
# time) and branch updates that start at zero (bench/results/pan_scet_training.md).
PS_CONFIG = '{"spe_prior": "cnn", "spa_prior": "cnn", "ctf_zero_init": true}'
# The PNN-like ablation: no transformer body, small trainable CNN priors, the same heads, bases and tail.
PS_PNN   = '{"scpa_blocks": 0, "attn_blocks": 0, "spe_prior": "cnn", "spa_prior": "cnn"}'
.PHONY: train-pan-scet train-pan-scet-ablations
# The bundled network averages its result with the body-less one (its manifest's ensemble_with): copy both runs'
# .safetensors + .json to resources/weights.
train-pan-scet: setup
	$(PS_TRAIN) --out $(PS_OUT)/4band_vhr --threads 2 --config $(PS_CONFIG) --ensemble-with pan_scet_4band_vhr_pnn

# The two ablations side by side, one thread each (RESUME=--resume continues both).
train-pan-scet-ablations: setup
	$(PS_TRAIN) --out $(PS_OUT)/4band_vhr_random --threads 1 --random-body --config $(PS_CONFIG) & \
	$(PS_TRAIN) --out $(PS_OUT)/4band_vhr_pnn --threads 1 --name pan_scet_4band_vhr_pnn --config $(PS_PNN) & \
	wait

.PHONY: convert-pretrained bench-pretrained
convert-pretrained: setup
	"$(PY)" scripts/convert_pretrained.py
	"$(PY)" scripts/make_pretrained_reference.py

bench-pretrained: setup
	"$(PY)" bench/bench_pretrained_sr.py

# --- INFN (HS-MS fusion): training on CAVE --------------------------------------------------------
# The bundled model: the standard CAVE protocol at x4 and x8, 3 scenes held out for validation (the trainer's
# defaults), seed 0, in three stages.  Resumable: run again with INFN_RESUME=--resume (first stage),
# INFN_LONG_RESUME=--resume (second) or INFN_STAGE3_RESUME=--resume (third; the earlier ones then only say they
# are complete).  The third stage's best checkpoint by x4 validation PSNR lands in $(INFN_STAGE3_OUT)/ and is
# copied next to the plugin's other weights.
INFN_OUT    ?= build/infn_cave_x4x8
INFN_STEPS  ?= 20000
INFN_CONFIG ?= {"spa_width": 16, "spa_blocks": 1, "mlp_hidden": [64], "spe_width": 48, "spe_blocks": 2, "feat_dim": 48, "mlp_out": 48, "dec_widths": [48]}
INFN_RESUME ?=
# Second stage: the first stage's model trained on for 22000 more steps (cosine from 2e-4), one thread, seed 0.
INFN_LONG_OUT    ?= build/infn_cave_long
INFN_LONG_STEPS  ?= 22000
INFN_LONG_RESUME ?=
# A third stage from the second's best, a lower peak rate and another crop order (seed 1); its best is bundled.
INFN_STAGE3_OUT    ?= build/infn_cave_stage3
INFN_STAGE3_RESUME ?=
.PHONY: train-infn
train-infn: setup
	"$(PY)" -m core.training.train_infn --out $(INFN_OUT) --ratio 4 8 --steps $(INFN_STEPS) --threads 2 \
	  --config '$(INFN_CONFIG)' $(INFN_RESUME)
	"$(PY)" -m core.training.train_infn --out $(INFN_LONG_OUT) --ratio 4 8 --steps $(INFN_LONG_STEPS) --threads 1 \
	  --lr 2e-4 --warmup 500 --epoch-steps 2000 --init $(INFN_OUT)/infn_cave_x4x8.safetensors $(INFN_LONG_RESUME)
	"$(PY)" -m core.training.train_infn --out $(INFN_STAGE3_OUT) --ratio 4 8 --steps 20000 --threads 1 \
	  --lr 1e-4 --min-lr 1e-6 --warmup 500 --epoch-steps 2000 --seed 1 \
	  --init $(INFN_LONG_OUT)/infn_cave_x4x8.safetensors $(INFN_STAGE3_RESUME)
	cp $(INFN_STAGE3_OUT)/infn_cave_x4x8.safetensors $(INFN_STAGE3_OUT)/infn_cave_x4x8.json resources/weights/
	"$(PY)" scripts/make_infn_reference.py

# The base-refining variant (an experiment, not shipped: bench/results/infn_base_training.md): the bundled model
# fine-tuned to refine four classical fusions, one drawn per patch.  Its weights are in bench/ablations/.
INFN_BASE_OUT ?= build/infn_cave_base
.PHONY: train-infn-base
train-infn-base: setup
	"$(PY)" -m core.training.train_infn --out $(INFN_BASE_OUT) --name infn_cave_base_x4x8 --ratio 4 8 --steps 12000 \
	  --threads 1 --lr 3e-4 --bases hs_exp mtf_glp_hs ls_detail gsa_hs \
	  --init resources/weights/infn_cave_x4x8.safetensors $(INFN_RESUME)

# --- INFN (HS-MS fusion): benchmark -------------------------------------------------------------
# CAVE validation x4/x8, scene-adapted INFN on EnMAP + simulated Sentinel-2, CPU throughput; writes
# bench/results/infn_quality.md.  INFN_WEIGHTS defaults to the bundled model (else build/infn_cave_x4x8/).
INFN_WEIGHTS      ?=
INFN_ADAPT_SECONDS ?= 120
.PHONY: bench-infn
bench-infn: setup
	"$(PY)" bench/bench_infn.py $(if $(INFN_WEIGHTS),--weights $(INFN_WEIGHTS)) --adapt-seconds $(INFN_ADAPT_SECONDS)

# The deep guard's check against the truth: INFN on the CAVE validation scenes (with ADAPT), PanAdapter v2 on the
# pansharpening pairs (bench/results/guard_check.md).
.PHONY: bench-guard
bench-guard: setup
	"$(PY)" bench/bench_guard_check.py --adapt
