"""Processing algorithm ``deeppansharpen:batch`` — "Batch fusion (many scene pairs)"."""
from __future__ import annotations

import os

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterString,
)

from ..core.methods import method_names
from .base import FusionAlgorithmBase, _advanced, numbered_choice_problem


class BatchAlgorithm(FusionAlgorithmBase):
    TASK = "batch"
    DEFAULT_METHOD = "auto"
    PAIRS = "PAIRS"
    FOLDER = "FOLDER"
    HR_PATTERN = "HR_PATTERN"
    LR_PATTERN = "LR_PATTERN"
    METRICS = "METRICS"
    SKIP_EXISTING = "SKIP_EXISTING"
    TILES_ON_CLUSTER = "TILES_ON_CLUSTER"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    SUMMARY = "SUMMARY"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"

    def name(self) -> str:
        return "batch"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Batch fusion (many scene pairs)")

    def tags(self):
        return [self.tr(t) for t in ("batch", "pansharpening", "fusion", "many", "folder", "csv", "dask",
                                     "cluster")]

    def shortDescription(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Fuse many scene pairs with one method; writes one output per pair and a summary table.")

    def methods(self) -> list[str]:
        return method_names("pansharpen") + method_names("hsms")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "<p>Runs one method on many scene pairs, listed in a pairs table (CSV with the columns pan, ms or "
            "hsi, msi) or found in a folder by two file patterns (*_pan.tif / *_ms.tif). Each pair gives one "
            "GeoTIFF; a summary table lists every scene with its status, time and error, and a failed scene "
            "does not stop the others. The task (pansharpening or HS-MS fusion) follows from the method.</p>"
        ) + self.method_ids_help() + self.output_type_help() + self.reference_help()

    def method_ids_help(self) -> str:
        """The method ids of both tasks on two lines (labels would overflow the help panel; the pansharpen and
        hsmsfusion help pages and the reference say what each does)."""
        return self.tr("<p><b>Methods</b> (METHOD=id): pansharpening: {0}; HS-MS fusion: {1}.</p>").format(
            ", ".join(method_names("pansharpen")), ", ".join(method_names("hsms")))

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API name)
        self.addParameter(QgsProcessingParameterFile(
            self.PAIRS, self.tr("Pairs table (CSV)"), behavior=QgsProcessingParameterFile.File,
            extension="csv", optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.FOLDER, self.tr("Or: input folder"), behavior=QgsProcessingParameterFile.Folder, optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.HR_PATTERN, self.tr("Folder: PAN / HR-MSI file pattern (empty = *_pan.tif / *_msi.tif)"),
            defaultValue="", optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.LR_PATTERN, self.tr("Folder: MS / LR-HSI file pattern (empty = *_ms.tif / *_hsi.tif)"),
            defaultValue="", optional=True))
        self.add_method_parameter()
        self.addParameter(QgsProcessingParameterBoolean(
            self.METRICS, self.tr("Quality metrics (full-resolution QNR) in the summary"), defaultValue=False))
        self.add_common_advanced_parameters()
        self.addParameter(_advanced(QgsProcessingParameterBoolean(
            self.TILES_ON_CLUSTER, self.tr("Cluster: one scene at a time, its tiles on the cluster"),
            defaultValue=False)))
        self.addParameter(_advanced(QgsProcessingParameterBoolean(
            self.SKIP_EXISTING, self.tr("Skip pairs whose output exists (resume a batch)"), defaultValue=False)))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, self.tr("Output folder")))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.SUMMARY, self.tr("Summary table"), fileFilter="CSV files (*.csv)", optional=True,
            createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber(self.SUCCEEDED, self.tr("Scenes fused")))
        self.addOutput(QgsProcessingOutputNumber(self.FAILED, self.tr("Scenes failed")))

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API name)
        problem = numbered_choice_problem(self, parameters)
        if problem:
            return False, problem
        pairs = self.parameterAsFile(parameters, self.PAIRS, context)
        folder = self.parameterAsFile(parameters, self.FOLDER, context)
        if bool(pairs) == bool(folder):
            return False, self.tr("Give either a pairs table (CSV) or an input folder, not both.") if pairs \
                else self.tr("Give a pairs table (CSV) or an input folder.")
        if pairs and not os.path.isfile(pairs):
            return False, self.tr("The pairs table was not found: {0}").format(pairs)
        if folder and not os.path.isdir(folder):
            return False, self.tr("The input folder was not found: {0}").format(folder)
        return QgsProcessingAlgorithm.checkParameterValues(self, parameters, context)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API name)
        from ..core import batch
        from ..core.errors import Cancelled, InputError, MissingDependency

        choices = self.common_choices(parameters, context)
        cluster = choices.pop("cluster")
        task = batch.task_of(choices["method"])
        out_dir = self.parameterAsString(parameters, self.OUTPUT_FOLDER, context)
        summary = self.parameterAsFileOutput(parameters, self.SUMMARY, context) or \
            os.path.join(out_dir, "batch_summary.csv")

        def log(message: str) -> None:
            if message.startswith("Warning: "):
                feedback.pushWarning(message[len("Warning: "):])
            else:
                feedback.pushInfo(message)

        try:
            os.makedirs(out_dir, exist_ok=True)
            os.makedirs(os.path.dirname(os.path.abspath(summary)), exist_ok=True)
            table = self.parameterAsFile(parameters, self.PAIRS, context)
            if table:
                pairs = batch.pairs_from_csv(table, task, out_dir, choices["method"])
            else:
                hr_p, lr_p = batch.DEFAULT_PATTERNS[task]
                pairs = batch.pairs_from_folder(
                    self.parameterAsFile(parameters, self.FOLDER, context),
                    self.parameterAsString(parameters, self.HR_PATTERN, context).strip() or hr_p,
                    self.parameterAsString(parameters, self.LR_PATTERN, context).strip() or lr_p,
                    out_dir, choices["method"], log)
            feedback.pushInfo(self.tr("{0} scene pair(s).").format(len(pairs)))
            reports = batch.run_batch(
                pairs, dict(choices, task=task), summary,
                metrics=self.parameterAsBool(parameters, self.METRICS, context), cluster=cluster,
                tiles_on_cluster=self.parameterAsBool(parameters, self.TILES_ON_CLUSTER, context),
                skip_existing=self.parameterAsBool(parameters, self.SKIP_EXISTING, context),
                progress=feedback.setProgress, is_cancelled=feedback.isCanceled, log=log, pairs_table=table or "")
        except Cancelled as exc:
            raise QgsProcessingException(self.tr("Cancelled by the user.")) from exc
        except (InputError, MissingDependency, OSError) as exc:
            raise QgsProcessingException(str(exc)) from exc
        failed = sum(r.status == "failed" for r in reports)
        feedback.pushInfo(self.tr("{0} of {1} scene(s) fused; summary: {2}").format(
            len(reports) - failed, len(reports), summary))
        if reports and failed == len(reports):
            raise QgsProcessingException(self.tr("Every scene failed; see the summary table {0}.").format(summary))
        if failed:
            # As the command line exits 1: a batch with failed scenes must not look like a success to a script
            # or a model (the outputs of the other scenes are written and listed in the summary).
            raise QgsProcessingException(self.tr("{0} of {1} scene(s) failed: {2}. The others were fused; see the "
                                                 "summary table {3}.").format(
                failed, len(reports), ", ".join(r.scene for r in reports if r.status == "failed"), summary))
        return {self.OUTPUT_FOLDER: out_dir, self.SUMMARY: summary,
                self.SUCCEEDED: len(reports) - failed, self.FAILED: failed}
