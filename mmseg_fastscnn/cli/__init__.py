"""The command-line layer: the logic of the scripts in ``tools/``.

One module per tool, each with ``main(argv)`` and its helpers; the script in
``tools/`` only calls it (``run_cli(main)``), so the tools can be imported,
called and tested like the rest of the package. This layer sits on top: it
imports the other subpackages, and nothing in the package imports it.

=======================  ==========================================
module                   script
=======================  ==========================================
``infer``                ``tools/infer.py``
``export_onnx``          ``tools/deployment/export_onnx.py``
``convert_camvid``       ``tools/dataset_converters/camvid.py``
``class_stats``          ``tools/analysis/class_stats.py``
``browse_dataset``       ``tools/analysis/browse_dataset.py``
``check_dataset``        ``tools/analysis/check_dataset.py``
``complexity``           ``tools/analysis/complexity.py``
``plot_curves``          ``tools/analysis/plot_curves.py``
``benchmark_train``      ``tools/analysis/benchmark_train.py``
``benchmark_epoch``      ``tools/analysis/benchmark_epoch.py``
``label_agreement``      ``tools/analysis/label_agreement.py``
=======================  ==========================================
"""
