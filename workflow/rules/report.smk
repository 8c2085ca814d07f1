# Cost columns of Tables 1-8 and Figs. 4-5 beside the paper's numbers.
rule cost_tables:
    input:
        results=cost_results(),
        claims=CLAIMS,
        code=package_code("report/*"),
    output:
        tables=report(
            expand("reports/{{profile}}/cost/{table}.md", table=COST_TABLES),
            caption="../report/cost_tables.rst",
            category="Cost (Tables 1-8, Figs. 4-5)",
        ),
        csv=expand("reports/{{profile}}/cost/{table}.csv", table=COST_TABLES),
    log:
        "logs/{profile}/report/cost_tables.log",
    params:
        spec=ENSEMBLE_SPEC,
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet report cost --results {input.results} --claims {input.claims} --spec {params.spec} "
        "--out reports/{wildcards.profile} > {log} 2>&1"


# Table 2 speed column beside the paper's Titan Xp numbers.
rule speed_table:
    input:
        results=runtime_results(),
        claims=CLAIMS,
        code=package_code("report/*"),
    output:
        table=report(
            "reports/{profile}/speed/table2.md",
            caption="../report/speed_table.rst",
            category="Run-time (Table 2)",
        ),
        csv="reports/{profile}/speed/table2.csv",
    log:
        "logs/{profile}/report/speed_table.log",
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet report speed --results {input.results} --claims {input.claims} "
        "--out reports/{wildcards.profile} > {log} 2>&1"


# Tables 1-8 in full (Markdown, CSV, LaTeX): every cell beside ours or saying what it needs.
rule paper_tables:
    input:
        results=cost_results() + runtime_results(),
        accuracy=eval_results(),
        reference=reference_study_results(),
        claims=CLAIMS,
        code=package_code("report/*"),
    output:
        tables=report(
            expand("reports/{{profile}}/tables/{table}.md", table=PAPER_TABLES),
            caption="../report/paper_tables.rst",
            category="Tables 1-8",
        ),
        other=expand("reports/{{profile}}/tables/{table}.{ext}", table=PAPER_TABLES, ext=["csv", "tex"]),
    log:
        "logs/{profile}/report/paper_tables.log",
    params:
        spec=ENSEMBLE_SPEC,
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet report tables --results {input.results} --accuracy {input.accuracy} --claims {input.claims} "
        "--reference-accuracy {input.reference} --spec {params.spec} "
        "--out reports/{wildcards.profile} > {log} 2>&1"


# Figs. 1, 4, 5: the paper's points beside our measured cost (PNG and PDF).
rule figures:
    input:
        results=cost_results(),
        accuracy=eval_results(),
        reference=reference_study_results(),
        claims=CLAIMS,
        code=package_code("report/*"),
    output:
        png=report(
            expand("reports/{{profile}}/figures/{figure}.png", figure=FIGURES),
            caption="../report/figures.rst",
            category="Figures",
        ),
        pdf=expand("reports/{{profile}}/figures/{figure}.pdf", figure=FIGURES),
    log:
        "logs/{profile}/report/figures.log",
    params:
        spec=ENSEMBLE_SPEC,
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet report figures --results {input.results} --claims {input.claims} --spec {params.spec} "
        "--accuracy {input.accuracy} --reference-accuracy {input.reference} "
        "--out reports/{wildcards.profile} > {log} 2>&1"


# Fig. 6 and the motion-estimate check: a trained MS module's displacement against the exact synthetic motion.
rule ms_motion:
    input:
        run=f"results/{{profile}}/train/{{experiment}}/{{row}}/seed{MOTION.get('seed', 0)}/train.json",
        code=package_code("analysis/motion.py", "report/motion_figures.py", "data/synthetic.py"),
    output:
        result="results/{profile}/motion/{experiment}/{row}.json",
        figures=report(
            multiext("reports/{profile}/motion/{experiment}/{row}/fig6", ".png", ".pdf")
            + multiext("reports/{profile}/motion/{experiment}/{row}/ms_motion_epe", ".png", ".pdf")
            + (multiext("reports/{profile}/motion/{experiment}/{row}/fig6_videos", ".png", ".pdf")
               if MOTION.get("real_videos") else []),
            caption="../report/motion.rst",
            category="Figures",
        ),
    log:
        "logs/{profile}/motion/{experiment}/{row}.log",
    params:
        checkpoint=lambda w, input: str(Path(input.run).parent / "best.pt"),
        spec=motion_spec,
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet motion {params.checkpoint} --spec {params.spec} --row {wildcards.row} --figures reports/{wildcards.profile}/motion/"
        "{wildcards.experiment}/{wildcards.row} --out {output.result} > {log} 2>&1"


# Every claim of the paper with its verdict, the spec differences and the environment.
rule audit:
    input:
        results=cost_results() + runtime_results(),
        data=data_results(),
        accuracy=eval_results(),
        reference=reference_study_results(),
        reference_from_scratch=reference_study_results("reference_from_scratch"),
        motion=motion_results(),
        reference_motion=reference_study_motion(),
        claims=CLAIMS,
        code=package_code("report/*"),
    output:
        report("reports/{profile}/audit.md", caption="../report/audit.rst", category="Audit"),
    log:
        "logs/{profile}/report/audit.log",
    params:
        spec=ENSEMBLE_SPEC,
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet report audit --results {input.results} --data {input.data} --accuracy {input.accuracy} "
        "--motion {input.motion} --reference-motion {input.reference_motion} --reference-accuracy {input.reference} "
        "--reference-from-scratch {input.reference_from_scratch} "
        "--claims {input.claims} --spec {params.spec} "
        "--out {output} > {log} 2>&1"


# What the data stages listed, skipped and replaced, per dataset.
rule data_table:
    input:
        data=data_results(),
        code=package_code("report/*"),
    output:
        report("reports/{profile}/data.md", caption="../report/data_table.rst", category="Data"),
    log:
        "logs/{profile}/report/data_table.log",
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet report data --data {input.data} --out {output} > {log} 2>&1"


# Accuracy of every trained row (seeds aggregated), the paper's number beside it where one exists.
rule accuracy_table:
    input:
        results=eval_results(),
        reference=reference_study_results(),
        claims=CLAIMS,
        code=package_code("report/*"),
    output:
        table=report("reports/{profile}/accuracy.md", caption="../report/accuracy_table.rst", category="Accuracy"),
        csv="reports/{profile}/accuracy.csv",
    log:
        "logs/{profile}/report/accuracy_table.log",
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet report accuracy --results {input.results} --reference-accuracy {input.reference} "
        "--claims {input.claims} "
        "--out reports/{wildcards.profile} > {log} 2>&1"


# The accuracy regression gate: fails the workflow when a row leaves its seed-variation tolerance.
rule accuracy_gate:
    input:
        results=eval_results(),
        reference=reference_file(),
        code=package_code("report/accuracy_gate.py"),
    output:
        report("reports/{profile}/accuracy_gate.md", caption="../report/accuracy_gate.rst", category="Accuracy"),
    log:
        "logs/{profile}/report/accuracy_gate.log",
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet gate --results {input.results} --reference {input.reference} --out {output} > {log} 2>&1"


# TV-L1: EPE of both paths against exact synthetic motion, their speed, and what the extraction jobs did.
rule flow_report:
    input:
        quality=rules.flow_quality.output[0],
        extraction=flow_summaries(),
        code=package_code("report/flow_report.py"),
    output:
        table=report("reports/{profile}/flow.md", caption="../report/flow_report.rst", category="Optical flow"),
        figure=multiext("reports/{profile}/figures/flow_quality", ".png", ".pdf"),
    log:
        "logs/{profile}/report/flow_report.log",
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet report flow --quality {input.quality} --data {input.extraction} "
        "--out reports/{wildcards.profile} > {log} 2>&1"
