# FLOPs (fvcore and the authors' THOP convention) and parameters of one row, one clip.
rule cost:
    input:
        code=package_code("models/*.py", "measure/cost.py", "measure/fvcore_count.py", "measure/thop_convention.py"),
    output:
        "results/{profile}/cost/{spec}/{row}.json",
    log:
        "logs/{profile}/cost/{spec}/{row}.log",
    benchmark:
        "benchmarks/{profile}/cost/{spec}/{row}.tsv"
    params:
        model=row_model,
        arguments=cost_arguments,
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet cost {params.model} {params.arguments} --row {wildcards.row} --out {output} > {log} 2>&1"
