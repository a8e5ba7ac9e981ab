# The Kaggle path: download, export the chosen model, stage/upload it as a dataset, estimate the
# offline run's time, and render the offline notebook (results/kaggle/notebook.ipynb).


include: "kaggle_common.smk"


rule kaggle_download:
    output:
        manifest=os.path.join(KAGGLE["download_dir"], "manifest.json"),
    log:
        "results/logs/kaggle/download.log",
    benchmark:
        "results/benchmarks/kaggle/download.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        data_dir=lambda w, output: os.path.dirname(output.manifest),
        competition=KAGGLE["competition"],
    script:
        "../workflow/scripts/kaggle_download.py"


rule kaggle_export:
    input:
        unpack(kaggle_export_inputs),
    output:
        export=directory(EXPORT_DIR),
    log:
        "results/logs/kaggle/export.log",
    benchmark:
        "results/benchmarks/kaggle/export.tsv"
    conda:
        "../envs/gpu.yaml"
    threads: 2
    params:
        export=kaggle_export_settings,
    script:
        "../workflow/scripts/kaggle_export.py"


rule kaggle_upload:
    input:
        export=EXPORT_DIR,
    output:
        folder=directory("results/kaggle/dataset"),
        record="results/kaggle/upload.json",
    log:
        "results/logs/kaggle/upload.log",
    benchmark:
        "results/benchmarks/kaggle/upload.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        dataset=kaggle_dataset_settings(),
    script:
        "../workflow/scripts/kaggle_upload.py"


rule kaggle_time_budget:
    input:
        base=base_model_dir(),
        segments="results/data/segments/test.csv",
        prompts=kaggle_prompts,
        raw=kaggle_raw,
        timings=kaggle_timings,
        gpu=kaggle_gpu_benchmark,
    output:
        budget="results/kaggle/time_budget.json",
    log:
        "results/logs/kaggle/time_budget.log",
    benchmark:
        "results/benchmarks/kaggle/time_budget.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        budget=kaggle_budget_settings,
    script:
        "../workflow/scripts/kaggle_time_budget.py"


rule kaggle_notebook:
    input:
        template="workflow/templates/kaggle_notebook.ipynb.j2",
        export=EXPORT_DIR,
        budget="results/kaggle/time_budget.json",
        upload="results/kaggle/upload.json",
        sources=kaggle_notebook_sources,
    output:
        notebook="results/kaggle/notebook.ipynb",
    log:
        "results/logs/kaggle/notebook.log",
    benchmark:
        "results/benchmarks/kaggle/notebook.tsv"
    conda:
        "../envs/cpu.yaml"
    params:
        settings=kaggle_settings,
    script:
        "../workflow/scripts/kaggle_notebook.py"
