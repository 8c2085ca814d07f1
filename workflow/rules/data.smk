# Datasets: the synthetic benchmark in the providers' formats (or a real copy), prepared lists, decode checks.


# The synthetic motion benchmark, written as the provider ships the dataset.
rule synthetic_dataset:
    input:
        code=package_code("data/synthetic.py", "data/synth_writer.py", "data/motion_classes.py", "data/formats/*.py"),
    output:
        directory("results/{profile}/synthetic/{dataset}"),
    log:
        "logs/{profile}/synthetic/{dataset}.log",
    benchmark:
        "benchmarks/{profile}/synthetic/{dataset}.tsv"
    params:
        spec=synthetic_spec,
    threads: all_cores()
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet synth --format {wildcards.dataset} --out {output} --spec {params.spec} "
        "--workers {threads} > {log} 2>&1"


# Providers' annotations -> lists; missing videos and (lenient mode) bad inputs are counted, never dropped silently.
rule prepare_dataset:
    input:
        root=dataset_root_input,
        code=package_code("data/prepare.py", "data/formats/*.py", "data/video_io.py"),
    output:
        lists=expand("results/{{profile}}/data/{{dataset}}/listed/{split}.txt", split=SPLITS),
        classes="results/{profile}/data/{dataset}/classes.txt",
        missing="results/{profile}/data/{dataset}/missing.txt",
        skipped="results/{profile}/data/{dataset}/skipped.csv",
        summary="results/{profile}/data/{dataset}/summary.json",
    log:
        "logs/{profile}/prepare/{dataset}.log",
    params:
        root=dataset_root,
        spec=json_argument({key: DATA[key] for key in ("class_order", "verify", "lenient")}),
    threads: all_cores()
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet prepare {wildcards.dataset} --root {params.root} --out results/{wildcards.profile}/data/"
        "{wildcards.dataset} --spec {params.spec} --workers {threads} > {log} 2>&1"


# decord vs PyAV on a sample of every container; videos of unsafe groups are transcoded or extracted.
rule check_decoding:
    input:
        summary=rules.prepare_dataset.output.summary,
        lists=rules.prepare_dataset.output.lists,
        code=package_code("data/decode_check.py", "data/readers.py"),
    output:
        lists=expand("results/{{profile}}/data/{{dataset}}/{split}.txt", split=SPLITS),
        check="results/{profile}/data/{dataset}/decode_check.json",
        rows="results/{profile}/data/{dataset}/decode_check.csv",
    log:
        "logs/{profile}/check_decoding/{dataset}.log",
    params:
        spec=json_argument(DATA["decode_check"]),
    threads: all_cores()
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet check-decoding results/{wildcards.profile}/data/{wildcards.dataset} --spec {params.spec} "
        "--workers {threads} > {log} 2>&1"


# Videos -> JPEG frame folders, one job per shard (resumable), then lists pointing at the folders.
rule extract_frames:
    input:
        lists=rules.check_decoding.output.lists,
        code=package_code("data/extract.py", "data/video_io.py"),
    output:
        "results/{profile}/data/{dataset}/frames/shard-{shard}-of-{shards}.json",
    log:
        "logs/{profile}/extract_frames/{dataset}-{shard}-of-{shards}.log",
    params:
        spec=json_argument({"short_side": DATA["frames"]["short_side"]}),
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet extract-frames results/{wildcards.profile}/data/{wildcards.dataset} "
        "--shard {wildcards.shard}/{wildcards.shards} --spec {params.spec} > {log} 2>&1"


rule frame_lists:
    input:
        shard_manifests,
    output:
        lists=expand("results/{{profile}}/data/{{dataset}}/frames/{split}.txt", split=SPLITS),
        summary="results/{profile}/data/{dataset}/frames/summary.json",
    log:
        "logs/{profile}/extract_frames/{dataset}-merge.log",
    params:
        shards=config["data"]["frames"]["shards"],
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet extract-frames results/{wildcards.profile}/data/{wildcards.dataset} --merge {params.shards} "
        "> {log} 2>&1"
