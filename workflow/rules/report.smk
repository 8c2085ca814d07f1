# Cost columns of Tables 1-8 and Figs. 4-5 beside the paper's numbers, and the cost audit.
rule cost_tables:
    input:
        results=cost_results(),
        claims=CLAIMS,
        code=package_code("report"),
    output:
        tables=report(
            expand("reports/{{profile}}/cost/{table}.md", table=COST_TABLES),
            caption="../report/cost_tables.rst",
            category="Cost (Tables 1-8, Figs. 4-5)",
        ),
        csv=expand("reports/{{profile}}/cost/{table}.csv", table=COST_TABLES),
        audit=report(
            "reports/{profile}/audit.md",
            caption="../report/audit.rst",
            category="Audit",
        ),
    log:
        "logs/{profile}/report/cost_tables.log",
    params:
        ensembles=ensemble_arguments,
    conda:
        "../envs/msnet.yaml"
    shell:
        "python -m msnet report-cost --results {input.results} --claims {input.claims} {params.ensembles} "
        "--out reports/{wildcards.profile} > {log} 2>&1"
