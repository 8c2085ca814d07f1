# TV-L1 optical flow for the two-stream baseline (Sec. 4.5 "Comparison with two-stream networks", Table 6).


# The videos a budgeted experiment uses: the first of each class, per split (data.subset).
rule subset_lists:
    input:
        lists=expand("results/{{profile}}/data/{{dataset}}/{split}.txt", split=SPLITS),
        code=package_code("data/subset.py"),
    output:
        lists=expand("results/{{profile}}/data/{{dataset}}/subset/{split}.txt", split=SPLITS),
        summary="results/{profile}/data/{dataset}/subset/summary.json",
    log:
        "logs/{profile}/subset/{dataset}.log",
    params:
        counts=subset_arguments,
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet subset results/{wildcards.profile}/data/{wildcards.dataset} {params.counts} > {log} 2>&1"


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
        arguments=flow_arguments,
    threads: 1
    resources:
        gpu=FLOW_GPUS,
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet flow extract results/{wildcards.profile}/data/{wildcards.dataset} "
        "--shard {wildcards.shard}/{wildcards.shards} {params.arguments} --threads {threads} --no-progress "
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
        fps=flow_fps,
        lists=f"--lists {FLOW['lists']}" if FLOW["lists"] else "",
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet flow extract results/{wildcards.profile}/data/{wildcards.dataset} --merge {params.shards} "
        "{params.fps} {params.lists} > {log} 2>&1"


# End-point error of both TV-L1 paths against the synthetic benchmark's exact motion, and their speed side by side.
rule flow_quality:
    input:
        code=package_code("flow/*.py", "data/synthetic.py"),
    output:
        "results/{profile}/flow/quality.json",
    log:
        "logs/{profile}/flow/quality.log",
    params:
        videos=FLOW["quality"]["videos"],
        pairs=FLOW["quality"]["pairs"],
        size=FLOW["quality"]["speed_size"],
        runs=FLOW["quality"]["runs"],
    threads: all_cores()
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet flow quality --videos {params.videos} --pairs {params.pairs} --speed-size {params.size} "
        "--runs {params.runs} --threads {threads} --out {output} > {log} 2>&1"
