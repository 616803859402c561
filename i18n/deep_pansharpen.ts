<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" sourcelanguage="en">
<context>
    <name>DeepPansharpen</name>
    <message>
        <location filename="../ui/dock.py" line="174"/>
        <source>  (deep learning)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="75"/>
        <source> (+{0} more)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="64"/>
        <source>(requirements.txt missing)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="63"/>
        <source>&lt;p&gt;&lt;b&gt;Methods&lt;/b&gt; (METHOD=id): pansharpening: {0}; HS-MS fusion: {1}.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="596"/>
        <source>&lt;p&gt;&lt;b&gt;Methods&lt;/b&gt; ({0}=id):&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="327"/>
        <source>&lt;p&gt;Degrades the HSI/MSI pair by their resolution ratio (Wald protocol), fuses the reduced pair with every chosen method and scores each result against the original HSI (SAM, ERGAS, PSNR ...) in one table and HTML report. The fused images are kept in the output folder.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="604"/>
        <source>&lt;p&gt;Every parameter, its choices and defaults: the parameter reference (Help button), docs/algorithms.md in the plugin folder.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="35"/>
        <source>&lt;p&gt;Injects the detail of the panchromatic (PAN) image into every band of the coarser multispectral (MS) image of the same area. The output has the PAN's pixel grid and CRS and the MS bands. The MS pixel size must be a whole multiple (2, 3, 4 ...) of the PAN's.&lt;/p&gt;&lt;p&gt;Auto (default) tries the classical methods on a reduced copy of the scene and uses the best; MTF-GLP-HPM keeps colours faithful; GSA and BDSD-PC give crisper detail. PanAdapter (deep learning, needs torch and timm) can adapt itself to the scene (Advanced).&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="39"/>
        <source>&lt;p&gt;Injects the spatial detail of a high-resolution multispectral image (HR-MSI, e.g. Sentinel-2 10 m) into every band of a coarser hyperspectral image (LR-HSI, e.g. EnMAP 30 m) of the same area. The output has the MSI's grid and the HSI's bands with their wavelengths; bad bands are written as nodata.&lt;/p&gt;&lt;p&gt;MTF-GLP-HS (default) is classical and fast. INFN (deep learning, needs torch) adapts itself to your sensor pair on the scene (Advanced).&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="599"/>
        <source>&lt;p&gt;Output type &lt;i&gt;uint8&lt;/i&gt; (Byte) from deeper integer data is rescaled to 0-255 by the data's bit depth (the sensor preset's, or the smallest that holds the data); the factor is written to the output's metadata.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="121"/>
        <source>&lt;p&gt;Prepares a test of any fusion method on &lt;i&gt;your own&lt;/i&gt; images. Both images are blurred the way the sensor blurs (its MTF, from the sensor preset) and shrunk by the PAN/MS resolution ratio. Fusing the reduced PAN with the reduced MS should give back the original MS, which is written as the &lt;b&gt;reference&lt;/b&gt;: run any method on the reduced pair, then &lt;i&gt;Assess a fused image&lt;/i&gt; with that reference.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Outputs&lt;/b&gt;: the reduced PAN (on the original MS grid), the reduced MS (ratio times coarser) and the reference MS (on the reduced PAN grid).&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="53"/>
        <source>&lt;p&gt;Runs one method on many scene pairs, listed in a pairs table (CSV with the columns pan, ms or hsi, msi) or found in a folder by two file patterns (*_pan.tif / *_ms.tif). Each pair gives one GeoTIFF; a summary table lists every scene with its status, time and error, and a failed scene does not stop the others. The task (pansharpening or HS-MS fusion) follows from the method.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="262"/>
        <source>&lt;p&gt;Runs several methods on the same PAN/MS pair, GDAL's own pansharpening (weighted Brovey, what Raster &gt; Miscellaneous &gt; Pansharpening runs) included, scores every result and writes one comparison table and HTML report.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Mode&lt;/b&gt;: &lt;i&gt;reduced resolution&lt;/i&gt; degrades the pair (Wald protocol) so that every method can be compared with the true MS (SAM, ERGAS, Q2n ...); &lt;i&gt;full resolution&lt;/i&gt; fuses the pair as it is and scores without a reference (QNR, HQNR). The fused images are kept in the output folder.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="172"/>
        <source>&lt;p&gt;Scores a fused (pansharpened) image with the standard quality indexes of the pansharpening literature, writes them to a CSV table and an HTML report with charts, and returns them as outputs (usable in models and with qgis_process --json).&lt;/p&gt;&lt;p&gt;&lt;b&gt;With a reference&lt;/b&gt; (reduced-resolution test, see &lt;i&gt;Make a reduced-resolution test pair&lt;/i&gt;): SAM (degrees; spectral angle, 0 is best), ERGAS (overall relative error, 0 is best), Q (UIQI), Q2n (Q4/Q8; 1 is best), SCC (spatial correlation), PSNR (dB) and SSIM. MS is then the reduced MS the fused image was made from (it gives the ratio); PAN is not needed.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Without a reference&lt;/b&gt; (full resolution): D_lambda (spectral distortion), D_S (spatial distortion), QNR = (1 - D_lambda)(1 - D_S), D_lambda of Khan and HQNR; 1 is best for QNR/HQNR. PAN and MS are the images the fused image was made from.&lt;/p&gt;&lt;p&gt;The fused image and the reference must be on the same pixel grid; only their common part is scored. Very large images are scored on a regular sample of blocks (said in the report).&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="134"/>
        <source>Adaptation budget</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="572"/>
        <source>Added '{0}' to the map ({1}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="567"/>
        <source>Added '{0}' to the map: a temporary file that QGIS deletes when it closes (right-click &gt; Export &gt; Save As… to keep it).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="148"/>
        <source>Advanced</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="165"/>
        <source>Assess a fused image (quality metrics)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="200"/>
        <source>Assessment mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="329"/>
        <source>Assign the missing one (Raster &gt; Projections &gt; Assign Projection).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="335"/>
        <source>Assign the right CRS to both (Raster &gt; Projections &gt; Assign Projection).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="51"/>
        <source>Automatic (GPU if available)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="40"/>
        <source>Batch fusion (many scene pairs)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="337"/>
        <source>Both rasters are in {value}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="395"/>
        <source>Both rasters have the same pixel size ({hpx:g}): there is nothing to sharpen.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="51"/>
        <source>CPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="76"/>
        <source>CPU only (about 200 MB download)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="51"/>
        <source>CUDA GPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="243"/>
        <source>CUDA GPU (needs PyTorch)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="243"/>
        <source>CUDA GPU (none found)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="242"/>
        <source>CUDA GPU: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="295"/>
        <source>CUDA was chosen but no usable NVIDIA GPU was found; the method will run on the CPU (slower).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="96"/>
        <location filename="../ui/dock_form.py" line="229"/>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="587"/>
        <location filename="../processing_provider/batch_algorithm.py" line="147"/>
        <location filename="../processing_provider/quality_algorithms.py" line="66"/>
        <source>Cancelled by the user.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="539"/>
        <location filename="../ui/dock.py" line="540"/>
        <source>Cancelled; no output was written.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="517"/>
        <source>Cancelling (stops after the current tile)…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="132"/>
        <source>Cancelling…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="218"/>
        <source>Check inputs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="364"/>
        <source>Check that both images show the same place (the same scene, the same tile), and that their coordinate reference systems are right.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="352"/>
        <source>Check the coordinate reference systems of both rasters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="500"/>
        <source>Check the nodata value of the file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="466"/>
        <source>Check the sensor preset, or use Generic.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="249"/>
        <source>Checking whether PyTorch and timm can be imported…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="297"/>
        <source>Choose 'Automatic' or 'CPU', or install the CUDA build of PyTorch.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="183"/>
        <source>Choose a raster file that GDAL can read for the {hr_role} and the {lr_role}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/disk_space.py" line="45"/>
        <source>Choose an output folder on a disk with more free space, or make room on this one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="257"/>
        <source>Choose another PAN band if band 1 is not the panchromatic one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="249"/>
        <source>Choose existing bands in the band lists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="252"/>
        <source>Choose one PAN band.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="189"/>
        <source>Choose the high-resolution {hr_role} image and the low-resolution {lr_role} image.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="271"/>
        <source>Choose the hyperspectral image as LR-HSI, or switch the mode to Pansharpening (PAN + MS).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="397"/>
        <source>Choose the original low-resolution {lr_role}, not one already resampled to the {hr_role} grid.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="39"/>
        <source>Choose the {0} and {1} layers (add them to the project first).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="460"/>
        <source>Choose the {0} and {1} layers first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="70"/>
        <source>Choose the {0} and {1} layers.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="398"/>
        <source>Choose the {0} raster.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="444"/>
        <source>Choose where to save the output raster.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="228"/>
        <source>Classical methods always run on the CPU.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="292"/>
        <source>Click 'Install dependencies…' in the dock (or see the README, 'Deep-learning dependencies'), or choose a classical method.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="98"/>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="164"/>
        <source>Cloud Optimized GeoTIFF</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="83"/>
        <source>Cluster: one scene at a time, its tiles on the cluster</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="320"/>
        <source>Compare HS-MS fusion methods</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="255"/>
        <source>Compare pansharpening methods</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="105"/>
        <source>Comparison report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="102"/>
        <source>Comparison table</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="169"/>
        <source>DEFLATE: small files every GIS reads. ZSTD or none: faster (for many-band outputs compression is a large share of the run time), larger files.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="281"/>
        <source>Dask cluster (empty = this process; local, local:N or tcp://host:port)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="517"/>
        <source>Declare 0 as nodata: Layer Properties &gt; Transparency &gt; 'No data value', or gdal_edit -a_nodata 0 {value}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../plugin.py" line="64"/>
        <location filename="../processing_provider/provider.py" line="21"/>
        <location filename="../ui/dock.py" line="64"/>
        <location filename="../ui/dock.py" line="579"/>
        <source>Deep Pansharpen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/scipy_check.py" line="10"/>
        <source>Deep Pansharpen needs the Python package SciPy, which QGIS's Python cannot import.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/provider.py" line="24"/>
        <source>Deep Pansharpen {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="47"/>
        <source>Deep Pansharpen — deep-learning dependencies</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../plugin.py" line="66"/>
        <source>Deep Pansharpen: pansharpening and HS-MS fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="338"/>
        <source>Deep-learning packages: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="77"/>
        <source>Default PyPI build (includes CUDA on Linux, several GB)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="117"/>
        <source>Degrade a PAN/MS pair by its resolution ratio so that any method can be scored against the original MS.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="200"/>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="127"/>
        <source>Device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="278"/>
        <source>Device for deep-learning methods (auto = GPU if available)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="564"/>
        <source>Done: '{0}' is a temporary file that QGIS deletes when it closes; right-click &gt; Export &gt; Save As… keeps it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="570"/>
        <source>Done: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="283"/>
        <source>Empty: run in this process. 'local' or 'local:N': N worker processes on this computer (default one per CPU). 'tcp://host:8786': a running Dask scheduler whose workers read the inputs and have the plugin on their PYTHONPATH. Needs the Python packages dask and distributed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="154"/>
        <source>Every scene failed; see the summary table {0}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="239"/>
        <source>Exchange them: choose the high-resolution image as {hr} and the low-resolution one as {lr}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="48"/>
        <source>Fix:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="100"/>
        <source>Folder for the fused images</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="70"/>
        <source>Folder:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="76"/>
        <source>Folder: MS / LR-HSI file pattern (empty = *_ms.tif / *_hsi.tif)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="73"/>
        <source>Folder: PAN / HR-MSI file pattern (empty = *_pan.tif / *_msi.tif)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="263"/>
        <source>For a PAN and MS pair switch the mode to Pansharpening (PAN + MS); for HS-MS fusion choose a multi-band HR-MSI.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="344"/>
        <source>For the best result reproject the {lr_role} to the {hr_role}'s CRS yourself with the {hr_role}'s pixel grid (Raster &gt; Projections &gt; Warp), or get both in the same CRS.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="47"/>
        <source>Fuse many scene pairs with one method; writes one output per pair and a summary table.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="188"/>
        <source>Fused image to assess</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="407"/>
        <source>GDAL cannot open the {0} input '{1}': {2}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>GaoFen-2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>Generic (MTF gain 0.3 per band, PAN 0.15)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>GeoEye-1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="177"/>
        <source>GeoTIFF (*.tif *.tiff)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="102"/>
        <source>Give a pairs table (CSV) or an input folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="101"/>
        <source>Give either a pairs table (CSV) or an input folder, not both.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="91"/>
        <source>Give the id, e.g. {0}={1}; not its number.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="48"/>
        <source>HR-MSI (high res.)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="29"/>
        <location filename="../ui/dock_form.py" line="46"/>
        <source>HS-MS fusion (LR-HSI + HR-MSI)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="362"/>
        <source>HS-MS method comparison</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="49"/>
        <source>HSI bands</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="342"/>
        <source>HSI bands (empty = all)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="55"/>
        <source>HSI bands to sharpen (empty = all)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="84"/>
        <source>HSI: {0}; MSI: {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="50"/>
        <location filename="../processing_provider/quality_algorithms.py" line="338"/>
        <source>Hyperspectral image (LR-HSI), low resolution</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>IKONOS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="61"/>
        <source>INFN: classical result the network refines (id)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="406"/>
        <source>If the files were resampled, use the originals; else resample the {lr_role} yourself to {value:g} units per pixel on the {hr_role}'s grid (Raster &gt; Projections &gt; Warp).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="228"/>
        <source>Image fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="277"/>
        <source>Include GDAL's pansharpening (weighted Brovey)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="85"/>
        <source>Inputs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="95"/>
        <source>Install</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../plugin.py" line="69"/>
        <source>Install deep-learning dependencies…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="141"/>
        <source>Install dependencies…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/scipy_check.py" line="11"/>
        <source>Install it for the Python that QGIS uses: on Debian / Ubuntu 'sudo apt install python3-scipy'; with conda 'conda install scipy' (the Windows and macOS installers of QGIS include it), then restart QGIS.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="119"/>
        <source>Installing… QGIS stays usable; this can take several minutes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="48"/>
        <source>LR-HSI (low res.)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>Landsat-8/9 OLI (B2-B5, PAN B8)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="559"/>
        <source>Lower the tile size (Advanced), close other programs, or run on a machine with more memory.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="43"/>
        <source>MS (low res.)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="44"/>
        <source>MS bands</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="55"/>
        <source>MS bands (empty = all)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="55"/>
        <source>MS bands to sharpen (empty = all)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="75"/>
        <source>MS: {0} (bands {1})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="49"/>
        <source>MSI bands</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="58"/>
        <source>MSI bands to use (empty = all)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="114"/>
        <source>Make a reduced-resolution test pair (Wald protocol)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="108"/>
        <location filename="../ui/dock_form.py" line="112"/>
        <source>Method</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="257"/>
        <source>Method (id; the help lists what each does)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="300"/>
        <source>Method comparison ({0})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="275"/>
        <location filename="../processing_provider/quality_algorithms.py" line="345"/>
        <source>Methods (ids)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="193"/>
        <source>Metrics table</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="279"/>
        <source>Mode (reduced: Wald protocol, with a reference; full: QNR, no reference)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="48"/>
        <location filename="../processing_provider/quality_algorithms.py" line="48"/>
        <source>Multispectral (MS) image, low resolution</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="52"/>
        <location filename="../processing_provider/quality_algorithms.py" line="336"/>
        <source>Multispectral image (HR-MSI), high resolution</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="333"/>
        <source>Neither raster has a coordinate reference system; their pixel coordinates are assumed to be in the same units.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="94"/>
        <source>Note: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="83"/>
        <source>Offline: use only the wheel folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="63"/>
        <source>On a sensor pair its model was not trained for, INFN adds its correction to a classical result: 'automatic' takes the blend of four classical methods (hs_blend: best quality, but it runs all four, about twice the time on 200+ band scenes); a single method is faster. A bundled model accepts only the bases it was trained with. Give the id, e.g. BASE=ls_detail.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="259"/>
        <source>Only one MS band is chosen: the output will be a single sharpened band.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="71"/>
        <source>Or: input folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="180"/>
        <source>Output</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="551"/>
        <source>Output about {width} x {height} pixels x {bands} band(s) ({dtype}, at most {disk} on disk); memory about {memory}; time {time} (rough estimate).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="555"/>
        <source>Output about {width} x {height} pixels x {bands} band(s) ({dtype}, at most {disk} on disk); memory about {memory}; time {time} (rough estimate). Only {available} of memory is available.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="276"/>
        <location filename="../ui/dock_form.py" line="171"/>
        <source>Output compression</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="163"/>
        <source>Output data type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="271"/>
        <source>Output data type (same = as the low-resolution input)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="87"/>
        <source>Output folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="43"/>
        <source>PAN (high res.)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="44"/>
        <source>PAN band</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="51"/>
        <location filename="../processing_provider/quality_algorithms.py" line="52"/>
        <source>PAN band (default 1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="74"/>
        <source>PAN: {0} (band {1})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="69"/>
        <source>Packages:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="68"/>
        <source>Pairs table (CSV)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="46"/>
        <location filename="../processing_provider/quality_algorithms.py" line="46"/>
        <source>Panchromatic (PAN) image, high resolution</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="25"/>
        <source>Pansharpen (PAN + MS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="41"/>
        <source>Pansharpening (PAN + MS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="252"/>
        <source>Pansharpening takes exactly one PAN band.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>Pleiades 1A/1B</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="294"/>
        <source>Preset guessed from {0}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="225"/>
        <source>Preview</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="509"/>
        <source>Preview running…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/result_layer.py" line="113"/>
        <source>Preview {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="78"/>
        <source>PyTorch build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="39"/>
        <source>Quality assessment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="80"/>
        <source>Quality metrics (full-resolution QNR) in the summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="238"/>
        <source>Quality of {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>QuickBird</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="152"/>
        <source>Ratio {0}; reduced pair of {1} x {2} pixels.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="84"/>
        <source>Ready to run ({0}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="42"/>
        <location filename="../ui/doctor_panel.py" line="81"/>
        <source>Ready to run.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="133"/>
        <source>Reduced MS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="132"/>
        <source>Reduced PAN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="134"/>
        <source>Reference MS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="191"/>
        <source>Reference MS (reduced-resolution test; optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="196"/>
        <source>Report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="412"/>
        <source>Resolution ratio {ratio} ({hr_role} pixels {hpx:g}{units}, {lr_role} pixels {lr_px:g}{units}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="415"/>
        <source>Resolution ratio {ratio} ({hr_role} pixels {hpx:g}{units}, {lr_role} pixels {lr_px:g}{units}). Fusion methods are designed for ratios 2 to 4; expect a blurry result.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="227"/>
        <source>Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="226"/>
        <source>Run on the current map view only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="323"/>
        <source>Run several HS-MS fusion methods on one HSI/MSI pair at reduced resolution and score them side by side.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="258"/>
        <source>Run several methods on one PAN/MS pair and score them side by side in one table and report.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="509"/>
        <source>Running…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>SPOT-6/7</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="22"/>
        <source>Save it as a GeoTIFF first (right-click &gt; Export &gt; Save As…) and choose that layer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="128"/>
        <source>Scene adaptation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="225"/>
        <source>Scene adaptation is available for deep-learning methods whose algorithm offers it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="92"/>
        <source>Scenes failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="91"/>
        <source>Scenes fused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="168"/>
        <source>Score a fused image with SAM, ERGAS, Q2n ... (with a reference) or QNR, HQNR (without).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="262"/>
        <location filename="../processing_provider/quality_algorithms.py" line="50"/>
        <location filename="../processing_provider/quality_algorithms.py" line="340"/>
        <location filename="../ui/dock_form.py" line="121"/>
        <source>Sensor preset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>Sentinel-2 MSI (B02, B03, B04, B08)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="36"/>
        <source>Sharpen a hyperspectral image with a multispectral image of the same scene.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="32"/>
        <source>Sharpen a multispectral image with a panchromatic band of the same scene.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="205"/>
        <source>Show every finding of the input check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="86"/>
        <source>Skip pairs whose output exists (resume a batch)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="89"/>
        <source>Summary table</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="261"/>
        <source>The HR-MSI has a single band: it looks like a panchromatic image, and HS-MS fusion needs a multispectral one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="267"/>
        <source>The LR-HSI has {value} band(s), not more than the HR-MSI ({value2}): HS-MS fusion sharpens a hyperspectral image with more bands than the multispectral one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="255"/>
        <source>The PAN file has {count} bands; band 1 is used as the PAN.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="66"/>
        <source>The deep-learning methods need PyTorch and timm. They are installed with pip into a folder of this QGIS profile, not into QGIS's own Python, and the packages QGIS ships (numpy, GDAL, PyQt) are never replaced.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="80"/>
        <source>The folder '{0}' is not writable.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="393"/>
        <source>The input check failed: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="106"/>
        <source>The input folder was not found: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/preview_clip.py" line="80"/>
        <source>The low-resolution input does not cover the map view: pan to where both inputs overlap.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/preview_clip.py" line="71"/>
        <source>The map view does not show enough of the inputs: zoom or pan to them, then try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="495"/>
        <source>The map view is large: the preview covers its central {0} x {1} pixels.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="450"/>
        <source>The output '{0}' is a folder; give a file name ending in .tif.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="459"/>
        <source>The output folder '{0}' cannot be created: '{1}' is a file, not a folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="480"/>
        <source>The output folder '{0}' cannot be created: {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="465"/>
        <source>The output folder '{0}' is not writable: choose another folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="447"/>
        <source>The output is written as a GeoTIFF: give it a .tif extension instead of '{0}' ({1}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/disk_space.py" line="54"/>
        <source>The output may need up to {need} but only {free} is free in {folder}; it fits only if compression does well.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/disk_space.py" line="50"/>
        <source>The output needs about {least} even compressed (up to {need}) but only {free} is free in {folder}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/disk_space.py" line="47"/>
        <source>The output needs about {need} but only {free} is free in {folder}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="557"/>
        <source>The output {0} was written but QGIS cannot open it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="104"/>
        <source>The pairs table was not found: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="441"/>
        <source>The pixel grids are centre-aligned (the Landsat layout): every {lr_role} pixel centre sits on {value} {hr_role} pixel centre and the {hr_role} grid starts half {value} {hr_role} pixel outside. This is handled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="437"/>
        <source>The pixel grids are corner-aligned: every {lr_role} pixel covers exactly {ratio} x {ratio} {hr_role} pixels.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="388"/>
        <source>The resolution ratio differs between x ({rx:.4g}) and y ({ry:.4g}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="403"/>
        <source>The resolution ratio is {rx:.3f}, not a whole number: the {lr_role} will be resampled (cubic) to exactly {ratio}x the {hr_role} pixel size first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="187"/>
        <source>The same raster is chosen as {hr_role} and {lr_role}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="411"/>
        <source>The {0} file '{1}' is not a raster image that GDAL can read. Choose a raster file such as a GeoTIFF.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="414"/>
        <source>The {0} file was not found: {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="409"/>
        <source>The {0} input '{1}' is a folder, not a raster file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="415"/>
        <source>The {0} input '{1}' is neither a raster layer of the project nor an existing raster file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="20"/>
        <source>The {0} layer '{1}' comes from the '{2}' data provider; Deep Pansharpen reads raster files only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="420"/>
        <source>The {0} layer '{1}' comes from the '{2}' data provider; Deep Pansharpen reads raster files through GDAL only. Save the layer as a GeoTIFF first (right-click &gt; Export &gt; Save As...) and use that file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="418"/>
        <source>The {0} layer '{1}' could not be opened.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="384"/>
        <source>The {hr_role} and {lr_role} are probably swapped: exchange them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="362"/>
        <source>The {hr_role} and {lr_role} do not overlap: their extents are {gap:,.0f}{value} apart.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="341"/>
        <source>The {hr_role} is in {value} but the {lr_role} is in {value2}. The {lr_role} will be reprojected onto the {hr_role} grid (cubic), which blurs it a little.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="231"/>
        <source>The {hr} and {lr} are probably swapped: the {hr} pixels ({hpx:g}{units}) are larger than the {lr} pixels ({lr_px:g}{units}) and the {hr} has {hr_count} bands, the {lr} {lr_count}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="236"/>
        <source>The {hr} and {lr} are probably swapped: the {hr} pixels ({hpx:g}{units}) are larger than the {lr} pixels ({lr_px:g}{units}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="464"/>
        <source>The {label} preset expects a resolution ratio of {ratio}, the data have {ratio2}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="350"/>
        <source>The {lr_role} cannot be transformed into the {hr_role}'s CRS.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="376"/>
        <source>The {lr_role} covers the whole {hr_role}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="372"/>
        <source>The {lr_role} covers {share:.0%} of the {hr_role}; only the overlap (about {out_w} x {out_h} pixels) is written.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="448"/>
        <source>The {lr_role} grid is shifted by {value:.2f} x {value2:.2f} {hr_role} pixels from both standard layouts. The shift is taken into account, but it often means one image was resampled or is misregistered; misregistration of half a pixel or more visibly degrades the result.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="421"/>
        <source>The {lr_role} is resampled onto the {hr_role} grid, so the grids are aligned by construction.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="381"/>
        <source>The {lr_role} pixels ({lr_px:g}) are smaller than the {hr_role} pixels ({hpx:g}): the resolution ratio is {rx:.3g}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="507"/>
        <source>The {role} declares a mask; {share:.0%} of its pixels are nodata and are left out of the statistics and written as nodata.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="503"/>
        <source>The {role} declares nodata value {nodata:g}; {share:.0%} of its pixels are nodata and are left out of the statistics and written as nodata.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="499"/>
        <source>The {role} holds only nodata.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="327"/>
        <source>The {role} raster has no coordinate reference system, the other has {value}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="200"/>
        <source>The {role} raster is rotated (its geotransform has rotation terms).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="159"/>
        <source>Tile overlap</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="268"/>
        <source>Tile overlap (pixels blended between tiles, 0 to half the tile size)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="155"/>
        <source>Tile size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="265"/>
        <source>Tile size (output pixels, {0} to {1})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="132"/>
        <source>Time budget for adapting the model to this scene</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="453"/>
        <source>Use the original, unresampled files; if edges look doubled in the output, co-register the {lr_role} to the {hr_role} first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="202"/>
        <source>Warp it to a north-up grid first (Raster &gt; Projections &gt; Warp (Reproject)).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="390"/>
        <source>Warp the inputs to square pixels first (Raster &gt; Projections &gt; Warp).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="82"/>
        <source>Wheel folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="210"/>
        <source>Without a reference, the PAN is needed: </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>WorldView-2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>WorldView-2, 4 bands (B, G, R, NIR1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>WorldView-3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="274"/>
        <source>Write a Cloud Optimized GeoTIFF (COG)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="179"/>
        <source>[Temporary file, deleted when QGIS closes]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="143"/>
        <source>about {hours:.1f} h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="142"/>
        <source>about {minutes:.0f} min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="140"/>
        <source>about {seconds:.0f} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="76"/>
        <source>all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="92"/>
        <location filename="../ui/dock_form.py" line="95"/>
        <source>all bands</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="81"/>
        <source>optional: a folder of downloaded wheels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="138"/>
        <source>under a second</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="510"/>
        <source>{0} ({1}) must be a number, not '{2}'.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="514"/>
        <source>{0} ({1}) must be from {2:g} to {3:g}, not {4}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/result_layer.py" line="116"/>
        <source>{0} fused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="368"/>
        <source>{0} must be one of: {1}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="255"/>
        <source>{0} needs the Python packages {1}, which QGIS cannot import.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="158"/>
        <source>{0} of {1} scene(s) failed: {2}. The others were fused; see the summary table {3}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="151"/>
        <source>{0} of {1} scene(s) fused; summary: {2}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/result_layer.py" line="116"/>
        <source>{0} pansharpened</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="43"/>
        <source>{0} problem(s) to fix before running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="139"/>
        <source>{0} scene pair(s).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="112"/>
        <source>{0} takes the id of a choice, not a number (numbers changed meaning when choices were added): one of {1}. Example: {0}={2}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="89"/>
        <source>{0} warning(s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="88"/>
        <source>{0} warning(s): {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="294"/>
        <source>{0}: adapt to the scene before fusing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="301"/>
        <source>{0}: adaptation steps (0 = as many as the time allows)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="296"/>
        <source>{0}: adaptation time (seconds)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="348"/>
        <source>{0}: adapted model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="307"/>
        <source>{0}: return the best classical result where the network loses to it on the scene's check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="342"/>
        <source>{0}: save the adapted model to (.safetensors; empty = not saved)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="304"/>
        <source>{0}: weights file (.safetensors; empty = bundled model)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="299"/>
        <source>{label} is a classical method: it always runs on the CPU.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="289"/>
        <source>{label} is a deep-learning method and needs the Python package(s) {value}, which QGIS's Python cannot import.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="284"/>
        <source>{reason} No fusion method can run without it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="514"/>
        <source>{zero_share:.0%} of the {role} pixels are 0 in every band, but the file declares no nodata value. If they are an empty border they will darken the result and bias the statistics.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
