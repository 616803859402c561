<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" sourcelanguage="en">
<context>
    <name>DeepPansharpen</name>
    <message>
        <location filename="../ui/dock.py" line="177"/>
        <source>  (deep learning)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="76"/>
        <source> (+{0} more)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="64"/>
        <source>(requirements.txt missing)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="363"/>
        <source>&lt;p&gt;&lt;b&gt;Sensor preset&lt;/b&gt; (advanced): the satellite that took the images. It tells the method how blurry each band is (its MTF) and the radiometric depth. Keep &lt;i&gt;Generic&lt;/i&gt; if your sensor is not listed.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Tile size&lt;/b&gt; (advanced): the image is processed in square tiles of this many output pixels so that large images fit in memory. Smaller tiles use less memory; the result does not depend on it.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Tile overlap&lt;/b&gt; (advanced): pixels shared by neighbouring tiles and blended smoothly, so no seams appear.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Output data type&lt;/b&gt; (advanced): the pixel type of the output. By default it is the same as the low-resolution input; values outside the range of the chosen type are clipped.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Cloud Optimized GeoTIFF&lt;/b&gt; (advanced): write a COG (internal tiles and overviews), convenient for web publishing.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Output compression&lt;/b&gt; (advanced): DEFLATE (default) gives small files that every GIS reads; ZSTD is faster for slightly larger files and needs GDAL 2.3 or newer to read; none is fastest and gives the largest files. Compression is a large share of the run time for many-band outputs.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Device&lt;/b&gt; (advanced): where deep-learning methods run: automatic, the CPU, or an NVIDIA GPU (CUDA). Classical methods always run on the CPU. Deep-learning methods need the optional Python packages torch and timm.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Dask cluster&lt;/b&gt; (advanced): empty runs in this process. &lt;i&gt;local&lt;/i&gt; or &lt;i&gt;local:N&lt;/i&gt; starts N worker processes on this computer; &lt;i&gt;tcp://host:8786&lt;/i&gt; uses a running Dask scheduler (its workers must read the inputs and have the plugin on their PYTHONPATH). Tiles are fused as Dask tasks; an interrupted run resumes from its finished tiles. Needs the Python packages dask and distributed.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Output&lt;/b&gt;: the GeoTIFF file to write. It has the pixel grid and coordinate system of the sharp input and one band per low-resolution band.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="48"/>
        <source>&lt;p&gt;Makes a sharp colour (multispectral) image: the fine detail of the panchromatic image is injected into every band of the coarser multispectral image. The result has the pixel size, grid and coordinate system of the panchromatic image and the bands of the multispectral image.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Panchromatic (PAN) image&lt;/b&gt;: the high-resolution, single-band image (e.g. Landsat 8 band 8 at 15 m). It must be a raster file read by GDAL (GeoTIFF, JP2, ...), not a web service.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Multispectral (MS) image&lt;/b&gt;: the low-resolution image with several bands (e.g. Landsat 8 bands 2-5 at 30 m) covering the same area in the same coordinate system. Its pixel size must be a whole multiple of the PAN pixel size (2, 3, 4, ...); only the area covered by both images is written.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Method&lt;/b&gt;: how the detail is injected. &lt;i&gt;MTF-GLP-HPM&lt;/i&gt; (the default) keeps the colours faithful and is a good first choice; &lt;i&gt;GSA&lt;/i&gt; and &lt;i&gt;BDSD-PC&lt;/i&gt; give crisper detail; &lt;i&gt;Brovey&lt;/i&gt; is the classic fast ratio method; &lt;i&gt;EXP&lt;/i&gt; only enlarges the multispectral image (no sharpening, useful as a reference). Methods marked as deep learning need the optional Python packages torch and timm.&lt;/p&gt;&lt;p&gt;&lt;i&gt;PanAdapter&lt;/i&gt; (deep learning, needs torch and timm) is a neural network bundled for 4-band (blue, green, red, NIR) and 8-band images, trained on Landsat-8 and Sentinel-2. For other band counts it adapts itself to your scene first.&lt;/p&gt;&lt;p&gt;&lt;b&gt;PanAdapter: adapt to the scene&lt;/b&gt; (advanced): before fusing, the network fine-tunes the small trainable parts on your own two images at reduced resolution (both degraded by the ratio; the original MS is the target), then sharpens at full resolution. Automatic when no bundled model has your band count.&lt;/p&gt;&lt;p&gt;&lt;b&gt;PanAdapter: adaptation time&lt;/b&gt; (advanced): seconds spent adapting (a GPU does much more in the same time).&lt;/p&gt;&lt;p&gt;&lt;b&gt;PanAdapter: weights file&lt;/b&gt; (advanced): a .safetensors model with its .json manifest, e.g. one saved by an earlier adaptation. Empty = the bundled model for your band count.&lt;/p&gt;&lt;p&gt;&lt;b&gt;PanAdapter: save the adapted model&lt;/b&gt; (advanced): where to save the adapted model, to reuse it on other scenes of the same sensor without adapting again.&lt;/p&gt;&lt;p&gt;&lt;b&gt;PAN band&lt;/b&gt; (advanced): which band of the panchromatic file to use (normally 1).&lt;/p&gt;&lt;p&gt;&lt;b&gt;MS bands&lt;/b&gt; (advanced): which multispectral bands to sharpen and write, in this order. Leave empty for all bands.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="49"/>
        <source>&lt;p&gt;Makes a sharp hyperspectral image: the spatial detail of a high-resolution multispectral image (e.g. Sentinel-2 at 10 m, ALI at 10 m) is injected into every band of a coarser hyperspectral image (e.g. EnMAP at 30 m, Hyperion at 30 m). The result has the grid of the multispectral image and the bands of the hyperspectral image, with their wavelength and FWHM metadata.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Hyperspectral image (LR-HSI)&lt;/b&gt;: the low-resolution image with many bands. Bad bands (nodata) are written as nodata.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Multispectral image (HR-MSI)&lt;/b&gt;: the high-resolution image with a few bands. Its pixel size must divide the hyperspectral pixel size (ratio 2, 3, 4 ...).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Method&lt;/b&gt;: &lt;i&gt;MTF-GLP-HS&lt;/i&gt; (default) gives every hyperspectral band the detail of the combination of multispectral bands that best explains it; &lt;i&gt;EXP&lt;/i&gt; only enlarges the hyperspectral image (the no-fusion reference).&lt;/p&gt;&lt;p&gt;&lt;i&gt;INFN&lt;/i&gt; (deep learning, needs torch) is a neural network trained on the CAVE hyperspectral database (31 bands + RGB). For any other sensor pair it adapts itself to your scene first.&lt;/p&gt;&lt;p&gt;&lt;b&gt;HSI bands / MSI bands&lt;/b&gt; (advanced): bands to use; empty = all.&lt;/p&gt;&lt;p&gt;&lt;b&gt;INFN: adapt to the scene&lt;/b&gt; (advanced): before fusing, the network is fine-tuned on your two images at reduced resolution (both degraded by the ratio; the original hyperspectral image is the target). New input and output layers are made for your band layout, starting from the bundled model; the spectral response linking the two images is estimated from the data and reported in the log and the output metadata. Bad bands (nodata, flagged bad, constant) are written as nodata. Without a model for your band layout, adaptation starts automatically.&lt;/p&gt;&lt;p&gt;&lt;b&gt;INFN: adaptation time&lt;/b&gt; (advanced): seconds spent adapting (more = better, up to a point; a GPU does much more in the same time).&lt;/p&gt;&lt;p&gt;&lt;b&gt;INFN: adaptation steps&lt;/b&gt; (advanced): a fixed number of training steps instead of the time budget, to repeat an adaptation exactly (the log gives the number a timed run used).&lt;/p&gt;&lt;p&gt;&lt;b&gt;INFN: weights file&lt;/b&gt; (advanced): a .safetensors model (with its .json manifest next to it), e.g. one saved by an earlier adaptation. Empty = the bundled model.&lt;/p&gt;&lt;p&gt;&lt;b&gt;INFN: save the adapted model&lt;/b&gt; (advanced): where to save the adapted model, to reuse it on other scenes of the same sensors without adapting again.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="111"/>
        <source>&lt;p&gt;Prepares a test of any fusion method on &lt;i&gt;your own&lt;/i&gt; images. Both images are blurred the way the sensor blurs (its MTF, from the sensor preset) and shrunk by the PAN/MS resolution ratio. Fusing the reduced PAN with the reduced MS should give back the original MS, which is written as the &lt;b&gt;reference&lt;/b&gt;: run any method on the reduced pair, then &lt;i&gt;Assess a fused image&lt;/i&gt; with that reference.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Outputs&lt;/b&gt;: the reduced PAN (on the original MS grid), the reduced MS (ratio times coarser) and the reference MS (on the reduced PAN grid).&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="64"/>
        <source>&lt;p&gt;Runs one fusion method on many scenes. Each pair of images gives one GeoTIFF, and a summary table (CSV) lists every scene with its status, time, device and error; a scene that fails is reported there and the others go on.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Pairs table&lt;/b&gt;: a CSV file with the columns &lt;i&gt;pan&lt;/i&gt; and &lt;i&gt;ms&lt;/i&gt; (pansharpening) or &lt;i&gt;hsi&lt;/i&gt; and &lt;i&gt;msi&lt;/i&gt; (HS-MS fusion), and optionally &lt;i&gt;output&lt;/i&gt; and &lt;i&gt;name&lt;/i&gt;. Relative paths are relative to the table. &lt;b&gt;Or&lt;/b&gt; an &lt;b&gt;input folder&lt;/b&gt; with two file patterns, each with one &lt;i&gt;*&lt;/i&gt;: files whose &lt;i&gt;*&lt;/i&gt; parts are equal form a pair (e.g. &lt;i&gt;*_pan.tif&lt;/i&gt; and &lt;i&gt;*_ms.tif&lt;/i&gt; pair &lt;i&gt;a_pan.tif&lt;/i&gt; with &lt;i&gt;a_ms.tif&lt;/i&gt;). Empty patterns mean *_pan.tif / *_ms.tif, or *_msi.tif / *_hsi.tif for HS-MS fusion.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Method&lt;/b&gt;: the task (pansharpening or HS-MS fusion) follows from it.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Quality metrics&lt;/b&gt;: adds the full-resolution QNR (D_lambda, D_S, HQNR) of every pansharpened output to the summary.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Output folder&lt;/b&gt;: where outputs not named by the table go, as &lt;i&gt;name_method.tif&lt;/i&gt;.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Dask cluster&lt;/b&gt; (advanced): with a cluster, every scene is a task on it (its outputs must be on storage the workers share), or, with &lt;b&gt;one scene at a time&lt;/b&gt;, the scenes run one after the other with their tiles spread over the cluster.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="242"/>
        <source>&lt;p&gt;Runs several methods on the same PAN/MS pair, GDAL's own pansharpening (weighted Brovey, what Raster &gt; Miscellaneous &gt; Pansharpening runs) included, scores every result and writes one comparison table and HTML report.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Mode&lt;/b&gt;: &lt;i&gt;reduced resolution&lt;/i&gt; degrades the pair (Wald protocol) so that every method can be compared with the true MS (SAM, ERGAS, Q2n ...); &lt;i&gt;full resolution&lt;/i&gt; fuses the pair as it is and scores without a reference (QNR, HQNR). The fused images are kept in the output folder.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="158"/>
        <source>&lt;p&gt;Scores a fused (pansharpened) image with the standard quality indexes of the pansharpening literature, writes them to a CSV table and an HTML report with charts, and returns them as outputs (usable in models and with qgis_process --json).&lt;/p&gt;&lt;p&gt;&lt;b&gt;With a reference&lt;/b&gt; (reduced-resolution test, see &lt;i&gt;Make a reduced-resolution test pair&lt;/i&gt;): SAM (degrees; spectral angle, 0 is best), ERGAS (overall relative error, 0 is best), Q (UIQI), Q2n (Q4/Q8; 1 is best), SCC (spatial correlation), PSNR (dB) and SSIM. MS is then the reduced MS the fused image was made from (it gives the ratio); PAN is not needed.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Without a reference&lt;/b&gt; (full resolution): D_lambda (spectral distortion), D_S (spatial distortion), QNR = (1 - D_lambda)(1 - D_S), D_lambda of Khan and HQNR; 1 is best for QNR/HQNR. PAN and MS are the images the fused image was made from.&lt;/p&gt;&lt;p&gt;The fused image and the reference must be on the same pixel grid; only their common part is scored. Very large images are scored on a regular sample of blocks (said in the report).&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="136"/>
        <source>Adaptation budget</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="576"/>
        <source>Added '{0}' to the map ({1}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="571"/>
        <source>Added '{0}' to the map: a temporary file that QGIS deletes when it closes (right-click &gt; Export &gt; Save As… to keep it).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="150"/>
        <source>Advanced</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="155"/>
        <source>Assess a fused image (quality metrics)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="185"/>
        <source>Assessment mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="327"/>
        <source>Assign the missing one (Raster &gt; Projections &gt; Assign Projection).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="333"/>
        <source>Assign the right CRS to both (Raster &gt; Projections &gt; Assign Projection).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="53"/>
        <source>Automatic (GPU if available)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="43"/>
        <source>Batch fusion (many scene pairs)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="335"/>
        <source>Both rasters are in {value}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="393"/>
        <source>Both rasters have the same pixel size ({hpx:g}): there is nothing to sharpen.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="53"/>
        <source>CPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="76"/>
        <source>CPU only (about 200 MB download)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="53"/>
        <source>CUDA GPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="246"/>
        <source>CUDA GPU (needs PyTorch)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="246"/>
        <source>CUDA GPU (none found)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="245"/>
        <source>CUDA GPU: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="293"/>
        <source>CUDA was chosen but no usable NVIDIA GPU was found; the method will run on the CPU (slower).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="96"/>
        <location filename="../ui/dock_form.py" line="231"/>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="339"/>
        <location filename="../processing_provider/batch_algorithm.py" line="161"/>
        <location filename="../processing_provider/quality_algorithms.py" line="71"/>
        <source>Cancelled by the user.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="543"/>
        <location filename="../ui/dock.py" line="544"/>
        <source>Cancelled; no output was written.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="521"/>
        <source>Cancelling (stops after the current tile)…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="132"/>
        <source>Cancelling…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="220"/>
        <source>Check inputs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="362"/>
        <source>Check that both images show the same place (the same scene, the same tile), and that their coordinate reference systems are right.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="350"/>
        <source>Check the coordinate reference systems of both rasters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="498"/>
        <source>Check the nodata value of the file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="464"/>
        <source>Check the sensor preset, or use Generic.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="252"/>
        <source>Checking whether PyTorch and timm can be imported…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="295"/>
        <source>Choose 'Automatic' or 'CPU', or install the CUDA build of PyTorch.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="182"/>
        <source>Choose a raster file that GDAL can read for the {hr_role} and the {lr_role}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="570"/>
        <source>Choose an output folder on a disk with more free space.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="256"/>
        <source>Choose another PAN band if band 1 is not the panchromatic one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="248"/>
        <source>Choose existing bands in the band lists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="251"/>
        <source>Choose one PAN band.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="188"/>
        <source>Choose the high-resolution {hr_role} image and the low-resolution {lr_role} image.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="269"/>
        <source>Choose the hyperspectral image as LR-HSI, or switch the mode to Pansharpening (PAN + MS).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="395"/>
        <source>Choose the original low-resolution {lr_role}, not one already resampled to the {hr_role} grid.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="40"/>
        <source>Choose the {0} and {1} layers (add them to the project first).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="464"/>
        <source>Choose the {0} and {1} layers first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="71"/>
        <source>Choose the {0} and {1} layers.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="206"/>
        <source>Choose the {0} raster.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="238"/>
        <source>Choose where to save the output raster.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="231"/>
        <source>Classical methods always run on the CPU.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="290"/>
        <source>Click 'Install dependencies…' in the dock (or see the README, 'Deep-learning dependencies'), or choose a classical method.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="98"/>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="166"/>
        <source>Cloud Optimized GeoTIFF</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="100"/>
        <source>Cluster: one scene at a time, its tiles on the cluster</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="239"/>
        <source>Compare pansharpening methods</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="268"/>
        <source>Comparison report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="265"/>
        <source>Comparison table</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="171"/>
        <source>DEFLATE: small files every GIS reads. ZSTD or none: faster (for many-band outputs compression is a large share of the run time), larger files.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="161"/>
        <source>Dask cluster (empty = this process; local, local:N or tcp://host:port)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="515"/>
        <source>Declare 0 as nodata: Layer Properties &gt; Transparency &gt; 'No data value', or gdal_edit -a_nodata 0 {value}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../plugin.py" line="64"/>
        <location filename="../processing_provider/provider.py" line="21"/>
        <location filename="../ui/dock.py" line="67"/>
        <location filename="../ui/dock.py" line="583"/>
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
        <location filename="../ui/dock.py" line="341"/>
        <source>Deep-learning packages: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="77"/>
        <source>Default PyPI build (includes CUDA on Linux, several GB)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="202"/>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="129"/>
        <source>Device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="158"/>
        <source>Device for deep-learning methods</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="568"/>
        <source>Done: '{0}' is a temporary file that QGIS deletes when it closes; right-click &gt; Export &gt; Save As… keeps it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="574"/>
        <source>Done: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="168"/>
        <source>Every scene failed; see the summary table {0}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="238"/>
        <source>Exchange them: choose the high-resolution image as {hr} and the low-resolution one as {lr}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="49"/>
        <source>Fix:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="263"/>
        <source>Folder for the fused images</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="70"/>
        <source>Folder:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="93"/>
        <source>Folder: MS / LR-HSI file pattern (empty = *_ms.tif / *_hsi.tif)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="90"/>
        <source>Folder: PAN / HR-MSI file pattern (empty = *_pan.tif / *_msi.tif)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="262"/>
        <source>For a PAN and MS pair switch the mode to Pansharpening (PAN + MS); for HS-MS fusion choose a multi-band HR-MSI.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="342"/>
        <source>For the best result reproject the {lr_role} to the {hr_role}'s CRS yourself with the {hr_role}'s pixel grid (Raster &gt; Projections &gt; Warp), or get both in the same CRS.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="50"/>
        <source>Fuse many scene pairs with one method; writes one output per pair and a summary table.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="173"/>
        <source>Fused image to assess</source>
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
        <location filename="../ui/dock_form.py" line="179"/>
        <source>GeoTIFF (*.tif *.tiff)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="116"/>
        <source>Give a pairs table (CSV) or an input folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="115"/>
        <source>Give either a pairs table (CSV) or an input folder, not both.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="50"/>
        <source>HR-MSI (high res.)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="39"/>
        <location filename="../ui/dock_form.py" line="48"/>
        <source>HS-MS fusion (LR-HSI + HR-MSI)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="51"/>
        <source>HSI bands</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="87"/>
        <source>HSI bands to sharpen (empty = all)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="122"/>
        <source>HSI: {0}; MSI: {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="82"/>
        <source>Hyperspectral image (LR-HSI), low resolution</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>IKONOS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="94"/>
        <source>INFN: adapt to the scene before fusing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="99"/>
        <source>INFN: adaptation steps (0 = as many as the time allows)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="96"/>
        <source>INFN: adaptation time (seconds)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="105"/>
        <source>INFN: save the adapted model (.safetensors)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="102"/>
        <source>INFN: weights file (.safetensors; empty = bundled model)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="404"/>
        <source>If the files were resampled, use the originals; else resample the {lr_role} yourself to {value:g} units per pixel on the {hr_role}'s grid (Raster &gt; Projections &gt; Warp).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="111"/>
        <source>Image fusion</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="259"/>
        <source>Include GDAL's pansharpening (weighted Brovey)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="87"/>
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
        <location filename="../ui/dock_form.py" line="143"/>
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
        <location filename="../ui/dock_form.py" line="50"/>
        <source>LR-HSI (low res.)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>Landsat-8/9 OLI (B2-B5, PAN B8)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="556"/>
        <source>Lower the tile size (Advanced), close other programs, or run on a machine with more memory.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="174"/>
        <source>METHOD must be a number from 0 to {0}: {1}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="45"/>
        <source>MS (low res.)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="46"/>
        <source>MS bands</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="58"/>
        <source>MS bands (empty = all)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="93"/>
        <source>MS bands to sharpen (empty = all)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="123"/>
        <source>MS: {0} (bands {1})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="51"/>
        <source>MSI bands</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="90"/>
        <source>MSI bands to use (empty = all)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="108"/>
        <source>Make a reduced-resolution test pair (Wald protocol)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="135"/>
        <location filename="../processing_provider/batch_algorithm.py" line="60"/>
        <location filename="../ui/dock_form.py" line="110"/>
        <location filename="../ui/dock_form.py" line="114"/>
        <source>Method</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="288"/>
        <source>Method comparison ({0})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="256"/>
        <source>Methods</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="178"/>
        <source>Metrics table</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="261"/>
        <source>Mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="86"/>
        <location filename="../processing_provider/quality_algorithms.py" line="49"/>
        <source>Multispectral (MS) image, low resolution</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="84"/>
        <source>Multispectral image (HR-MSI), high resolution</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="331"/>
        <source>Neither raster has a coordinate reference system; their pixel coordinates are assumed to be in the same units.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="99"/>
        <source>Note: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="83"/>
        <source>Offline: use only the wheel folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="258"/>
        <source>Only one MS band is chosen: the output will be a single sharpened band.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="88"/>
        <source>Or: input folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="182"/>
        <source>Output</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="548"/>
        <source>Output about {width} x {height} pixels x {bands} band(s) ({dtype}, at most {disk} on disk); memory about {memory}; time {time} (rough estimate).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="552"/>
        <source>Output about {width} x {height} pixels x {bands} band(s) ({dtype}, at most {disk} on disk); memory about {memory}; time {time} (rough estimate). Only {available} of memory is available.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="155"/>
        <location filename="../ui/dock_form.py" line="173"/>
        <source>Output compression</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="150"/>
        <location filename="../ui/dock_form.py" line="165"/>
        <source>Output data type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="104"/>
        <source>Output folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="45"/>
        <source>PAN (high res.)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="46"/>
        <source>PAN band</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="89"/>
        <location filename="../processing_provider/quality_algorithms.py" line="55"/>
        <source>PAN band (default 1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="122"/>
        <source>PAN: {0} (band {1})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="69"/>
        <source>Packages:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="85"/>
        <source>Pairs table (CSV)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="97"/>
        <source>PanAdapter: adapt to the scene before fusing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="99"/>
        <source>PanAdapter: adaptation time (seconds)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="105"/>
        <source>PanAdapter: save the adapted model (.safetensors)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="102"/>
        <source>PanAdapter: weights file (.safetensors; empty = bundled model)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="84"/>
        <location filename="../processing_provider/quality_algorithms.py" line="47"/>
        <source>Panchromatic (PAN) image, high resolution</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="38"/>
        <source>Pansharpen (PAN + MS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="43"/>
        <source>Pansharpening (PAN + MS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="251"/>
        <source>Pansharpening takes exactly one PAN band.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>Pleiades 1A/1B</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="297"/>
        <source>Preset guessed from {0}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="227"/>
        <source>Preview</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="513"/>
        <source>Preview running…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/result_layer.py" line="112"/>
        <source>Preview {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="78"/>
        <source>PyTorch build</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="40"/>
        <source>Quality assessment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="97"/>
        <source>Quality metrics (full-resolution QNR) in the summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="222"/>
        <source>Quality of {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>QuickBird</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="142"/>
        <source>Ratio {0}; reduced pair of {1} x {2} pixels.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="85"/>
        <source>Ready to run ({0}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="43"/>
        <location filename="../ui/doctor_panel.py" line="82"/>
        <source>Ready to run.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="123"/>
        <source>Reduced MS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="122"/>
        <source>Reduced PAN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="124"/>
        <source>Reference MS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="176"/>
        <source>Reference MS (reduced-resolution test; optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="181"/>
        <source>Report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="410"/>
        <source>Resolution ratio {ratio} ({hr_role} pixels {hpx:g}{units}, {lr_role} pixels {lr_px:g}{units}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="413"/>
        <source>Resolution ratio {ratio} ({hr_role} pixels {hpx:g}{units}, {lr_role} pixels {lr_px:g}{units}). Fusion methods are designed for ratios 2 to 4; expect a blurry result.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="229"/>
        <source>Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="228"/>
        <source>Run on the current map view only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="513"/>
        <source>Running…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>SPOT-6/7</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="23"/>
        <source>Save it as a GeoTIFF first (right-click &gt; Export &gt; Save As…) and choose that layer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="130"/>
        <source>Scene adaptation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="228"/>
        <source>Scene adaptation is available for deep-learning methods whose algorithm offers it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="109"/>
        <source>Scenes failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="108"/>
        <source>Scenes fused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="141"/>
        <location filename="../processing_provider/quality_algorithms.py" line="52"/>
        <location filename="../ui/dock_form.py" line="123"/>
        <source>Sensor preset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/sensors.py" line="1"/>
        <source>Sentinel-2 MSI (B02, B03, B04, B08)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/hsms_algorithm.py" line="46"/>
        <source>Sharpen a hyperspectral image with a multispectral image of the same scene.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="45"/>
        <source>Sharpen a multispectral image with a panchromatic band of the same scene.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="207"/>
        <source>Show every finding of the input check</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="103"/>
        <source>Skip pairs whose output exists (resume a batch)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="106"/>
        <source>Summary table</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="260"/>
        <source>The HR-MSI has a single band: it looks like a panchromatic image, and HS-MS fusion needs a multispectral one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="266"/>
        <source>The LR-HSI has {value} band(s), not more than the HR-MSI ({value2}): HS-MS fusion sharpens a hyperspectral image with more bands than the multispectral one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="254"/>
        <source>The PAN file has {count} bands; band 1 is used as the PAN.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="66"/>
        <source>The deep-learning methods need PyTorch and timm. They are installed with pip into a folder of this QGIS profile, not into QGIS's own Python, and the packages QGIS ships (numpy, GDAL, PyQt) are never replaced.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="85"/>
        <source>The folder '{0}' is not writable.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="396"/>
        <source>The input check failed: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="120"/>
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
        <location filename="../ui/dock.py" line="499"/>
        <source>The map view is large: the preview covers its central {0} x {1} pixels.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="244"/>
        <source>The output '{0}' is a folder; give a file name ending in .tif.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="253"/>
        <source>The output folder '{0}' cannot be created: '{1}' is a file, not a folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="274"/>
        <source>The output folder '{0}' cannot be created: {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="259"/>
        <source>The output folder '{0}' is not writable: choose another folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="241"/>
        <source>The output is written as a GeoTIFF: give it a .tif extension instead of '{0}' ({1}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="568"/>
        <source>The output may need up to {value} but only {value2} is free in {folder}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="561"/>
        <source>The output {0} was written but QGIS cannot open it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="118"/>
        <source>The pairs table was not found: {0}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="439"/>
        <source>The pixel grids are centre-aligned (the Landsat layout): every {lr_role} pixel centre sits on {value} {hr_role} pixel centre and the {hr_role} grid starts half {value} {hr_role} pixel outside. This is handled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="435"/>
        <source>The pixel grids are corner-aligned: every {lr_role} pixel covers exactly {ratio} x {ratio} {hr_role} pixels.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="386"/>
        <source>The resolution ratio differs between x ({rx:.4g}) and y ({ry:.4g}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="401"/>
        <source>The resolution ratio is {rx:.3f}, not a whole number: the {lr_role} will be resampled (cubic) to exactly {ratio}x the {hr_role} pixel size first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="186"/>
        <source>The same raster is chosen as {hr_role} and {lr_role}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="213"/>
        <source>The {0} file '{1}' is not a raster image that GDAL can read. Choose a raster file such as a GeoTIFF.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="216"/>
        <source>The {0} file was not found: {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="211"/>
        <source>The {0} input '{1}' is a folder, not a raster file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="217"/>
        <source>The {0} input '{1}' is neither a raster layer of the project nor an existing raster file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="21"/>
        <source>The {0} layer '{1}' comes from the '{2}' data provider; Deep Pansharpen reads raster files only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="222"/>
        <source>The {0} layer '{1}' comes from the '{2}' data provider; Deep Pansharpen reads raster files through GDAL only. Save the layer as a GeoTIFF first (right-click &gt; Export &gt; Save As...) and use that file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="220"/>
        <source>The {0} layer '{1}' could not be opened.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="382"/>
        <source>The {hr_role} and {lr_role} are probably swapped: exchange them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="360"/>
        <source>The {hr_role} and {lr_role} do not overlap: their extents are {gap:,.0f}{value} apart.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="339"/>
        <source>The {hr_role} is in {value} but the {lr_role} is in {value2}. The {lr_role} will be reprojected onto the {hr_role} grid (cubic), which blurs it a little.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="230"/>
        <source>The {hr} and {lr} are probably swapped: the {hr} pixels ({hpx:g}{units}) are larger than the {lr} pixels ({lr_px:g}{units}) and the {hr} has {hr_count} bands, the {lr} {lr_count}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="235"/>
        <source>The {hr} and {lr} are probably swapped: the {hr} pixels ({hpx:g}{units}) are larger than the {lr} pixels ({lr_px:g}{units}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="462"/>
        <source>The {label} preset expects a resolution ratio of {ratio}, the data have {ratio2}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="348"/>
        <source>The {lr_role} cannot be transformed into the {hr_role}'s CRS.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="374"/>
        <source>The {lr_role} covers the whole {hr_role}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="370"/>
        <source>The {lr_role} covers {share:.0%} of the {hr_role}; only the overlap (about {out_w} x {out_h} pixels) is written.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="446"/>
        <source>The {lr_role} grid is shifted by {value:.2f} x {value2:.2f} {hr_role} pixels from both standard layouts. The shift is taken into account, but it often means one image was resampled or is misregistered; misregistration of half a pixel or more visibly degrades the result.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="419"/>
        <source>The {lr_role} is resampled onto the {hr_role} grid, so the grids are aligned by construction.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="379"/>
        <source>The {lr_role} pixels ({lr_px:g}) are smaller than the {hr_role} pixels ({hpx:g}): the resolution ratio is {rx:.3g}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="505"/>
        <source>The {role} declares a mask; {share:.0%} of its pixels are nodata and are left out of the statistics and written as nodata.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="501"/>
        <source>The {role} declares nodata value {nodata:g}; {share:.0%} of its pixels are nodata and are left out of the statistics and written as nodata.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="497"/>
        <source>The {role} holds only nodata.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="325"/>
        <source>The {role} raster has no coordinate reference system, the other has {value}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="199"/>
        <source>The {role} raster is rotated (its geotransform has rotation terms).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="343"/>
        <source>This part of Deep Pansharpen is not implemented yet ({0}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="161"/>
        <source>Tile overlap</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="147"/>
        <source>Tile overlap (pixels blended between tiles)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="157"/>
        <source>Tile size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="144"/>
        <source>Tile size (output pixels)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="134"/>
        <source>Time budget for adapting the model to this scene</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="451"/>
        <source>Use the original, unresampled files; if edges look doubled in the output, co-register the {lr_role} to the {hr_role} first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="201"/>
        <source>Warp it to a north-up grid first (Raster &gt; Projections &gt; Warp (Reproject)).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="388"/>
        <source>Warp the inputs to square pixels first (Raster &gt; Projections &gt; Warp).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="82"/>
        <source>Wheel folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/quality_algorithms.py" line="194"/>
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
        <source>WorldView-3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/base.py" line="153"/>
        <source>Write a Cloud Optimized GeoTIFF (COG)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="181"/>
        <source>[Temporary file, deleted when QGIS closes]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="153"/>
        <source>about {hours:.1f} h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="152"/>
        <source>about {minutes:.0f} min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="150"/>
        <source>about {seconds:.0f} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/pansharpen_algorithm.py" line="124"/>
        <source>all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock_form.py" line="94"/>
        <location filename="../ui/dock_form.py" line="97"/>
        <source>all bands</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dependency_dialog.py" line="81"/>
        <source>optional: a folder of downloaded wheels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="148"/>
        <source>under a second</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/result_layer.py" line="115"/>
        <source>{0} fused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/dock.py" line="258"/>
        <source>{0} needs the Python packages {1}, which QGIS cannot import.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="165"/>
        <source>{0} of {1} scene(s) fused; summary: {2}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/result_layer.py" line="115"/>
        <source>{0} pansharpened</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="44"/>
        <source>{0} problem(s) to fix before running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../processing_provider/batch_algorithm.py" line="153"/>
        <source>{0} scene pair(s).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="90"/>
        <source>{0} warning(s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../ui/doctor_panel.py" line="89"/>
        <source>{0} warning(s): {1}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="297"/>
        <source>{label} is a classical method: it always runs on the CPU.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="287"/>
        <source>{label} is a deep-learning method and needs the Python package(s) {value}, which QGIS's Python cannot import.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="282"/>
        <source>{reason} No fusion method can run without it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../core/doctor.py" line="512"/>
        <source>{zero_share:.0%} of the {role} pixels are 0 in every band, but the file declares no nodata value. If they are an empty border they will darken the result and bias the statistics.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
