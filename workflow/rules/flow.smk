# TV-L1 optical flow for the two-stream baseline (Sec. 4.5 "Comparison with two-stream networks", Table 6).


# The videos a budgeted experiment uses: the first of each class, per split (data.subset).
rule subset_lists:
    input:
        lists=rules.check_decoding.output.lists,
        code=package_code("data/subset.py"),
    output:
        lists=expand("results/{{profile}}/data/{{dataset}}/subset/{split}.txt", split=SPLITS),
        summary="results/{profile}/data/{dataset}/subset/summary.json",
    log:
        "logs/{profile}/subset/{dataset}.log",
    params:
        spec=json_argument(DATA["subset"]),
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet subset results/{wildcards.profile}/data/{wildcards.dataset} --spec {params.spec} > {log} 2>&1"


# TV-L1 (OpenCV's algorithm and defaults) between consecutive frames, bound-20 JPEGs; one resumable job per shard.
rule extract_flow:
    input:
        lists=flow_source_lists,
        code=package_code("flow/*.py"),
    output:
        "results/{profile}/data/{dataset}/{flowdir}/shard-{shard}-of-{shards}.json",
    log:
        "logs/{profile}/flow/{dataset}-{flowdir}-{shard}-of-{shards}.log",
    benchmark:
        "benchmarks/{profile}/flow/{dataset}-{flowdir}-{shard}-of-{shards}.tsv"
    params:
        spec=flow_spec,
    threads: 1
    resources:
        gpu=FLOW_GPUS,
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet flow extract results/{wildcards.profile}/data/{wildcards.dataset} "
        "--shard {wildcards.shard}/{wildcards.shards} --spec {params.spec} --threads {threads} --no-progress "
        "> {log} 2>&1"


rule flow_lists:
    input:
        flow_shard_manifests,
    output:
        lists=expand("results/{{profile}}/data/{{dataset}}/{{flowdir}}/{split}.txt", split=SPLITS),
        summary="results/{profile}/data/{dataset}/{flowdir}/summary.json",
    log:
        "logs/{profile}/flow/{dataset}-{flowdir}-merge.log",
    params:
        shards=FLOW["shards"],
        spec=lambda wildcards: flow_spec(wildcards, keys=("lists",)),
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet flow extract results/{wildcards.profile}/data/{wildcards.dataset} --merge {params.shards} "
        "--spec {params.spec} > {log} 2>&1"


# End-point error of both TV-L1 paths against the synthetic benchmark's exact motion, and their speed side by side.
rule flow_quality:
    input:
        code=package_code("flow/*.py", "data/synthetic.py"),
    output:
        "results/{profile}/flow/quality.json",
    log:
        "logs/{profile}/flow/quality.log",
    params:
        spec=json_argument(FLOW["quality"]),
    threads: all_cores()
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet flow quality --spec {params.spec} --threads {threads} --out {output} > {log} 2>&1"
