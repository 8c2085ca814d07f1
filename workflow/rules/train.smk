# Training (Sec. 4.1 "Training") and evaluation (Sec. 4.1 "Inference") of every experiment row.


# The appearance-pretraining stage: the synthetic stand-in for ImageNet weights, once per backbone (docs/training.md).
rule pretrain_appearance:
    input:
        code=package_code("train/pretrain.py", "train/precision.py", "data/appearance.py", "data/synthetic.py"),
    output:
        weights="results/{profile}/pretrain/{arch}.pth",
        result="results/{profile}/pretrain/{arch}.json",
    log:
        "logs/{profile}/pretrain/{arch}.log",
    benchmark:
        "benchmarks/{profile}/pretrain/{arch}.tsv"
    params:
        spec=pretrain_spec,
        draw=lambda wildcards: "--per-seed" if getattr(wildcards, "seed", None) else "",
    threads: all_cores()
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet pretrain --out {output.weights} --spec {params.spec} {params.draw} --threads {threads} "
        "--no-progress > {log} 2>&1"


# `pretrained: appearance_per_seed`: one pretraining per training seed (docs/training.md, the gate's reference).
use rule pretrain_appearance as pretrain_appearance_per_seed with:
    output:
        weights="results/{profile}/pretrain/{arch}-seed{seed}.pth",
        result="results/{profile}/pretrain/{arch}-seed{seed}.json",
    log:
        "logs/{profile}/pretrain/{arch}-seed{seed}.log",
    benchmark:
        "benchmarks/{profile}/pretrain/{arch}-seed{seed}.tsv"


# One training run: resumes from its checkpoint.pt when re-run after an interruption (--rerun-incomplete).
# Only train.json is declared, so Snakemake never deletes the checkpoint of an incomplete run. A row with a released
# checkpoint (the experiment's `released`) is validated from it instead of trained, and runs in one process.
rule train_model:
    input:
        unpack(train_inputs),
        code=package_code("train/*.py", "models/*.py", "data/dataset.py", "data/sampling.py", "data/transforms.py"),
    output:
        "results/{profile}/train/{experiment}/{row}/seed{seed}/train.json",
    log:
        "logs/{profile}/train/{experiment}/{row}/seed{seed}.log",
    benchmark:
        "benchmarks/{profile}/train/{experiment}/{row}/seed{seed}.tsv"
    params:
        launcher=launcher,
        spec=train_spec,
        torch_threads=lambda wildcards, threads: max(1, threads // TRAIN["processes"]),
    threads: all_cores()
    resources:
        gpu=train_gpus,
        **train_nodes_resources(),
    conda:
        "../envs/msnet.yaml"
    shell:
        "{params.launcher} train --spec {params.spec} --threads {params.torch_threads} > {log} 2>&1"


# A trained row under one of the paper's protocols (best-epoch weights, as the paper reports).
rule evaluate_model:
    input:
        run=rules.train_model.output[0],
        code=package_code("train/evaluate.py", "train/clips.py", "train/metrics.py"),
    output:
        result="results/{profile}/eval/{experiment}/{row}/seed{seed}/{protocol}.json",
        scores="results/{profile}/eval/{experiment}/{row}/seed{seed}/{protocol}.scores.pt",
    log:
        "logs/{profile}/eval/{experiment}/{row}/seed{seed}/{protocol}.log",
    params:
        data=experiment_data,
        checkpoint=best_checkpoint,
        spec=json_argument({"device": TRAIN.get("device", "auto"), "workers": TRAIN.get("workers", 2), "batch": 16}),
    threads: all_cores()
    resources:
        gpu=gpu_request(TRAIN["device"]),
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet evaluate {params.checkpoint} --data {params.data} --protocol {wildcards.protocol} "
        "--spec {params.spec} --threads {threads} --row {wildcards.row} --no-progress "
        "--out {output.result} > {log} 2>&1"


# The paper's ensembles ('En'): members' per-video scores averaged.
rule evaluate_ensemble:
    input:
        ensemble_scores,
    output:
        "results/{profile}/eval/{experiment}/{ensemble}/seed{seed}/{protocol}.json",
    log:
        "logs/{profile}/eval/{experiment}/{ensemble}/seed{seed}/{protocol}.log",
    params:
        data=experiment_data,
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet ensemble {input} --data {params.data} --row {wildcards.ensemble} --out {output} > {log} 2>&1"


# Every training run and evaluation of the configuration, without the reports (e.g. the synthetic study's runs).
rule evaluations:
    input:
        eval_results(),
