"""The experiment manifest (config.yaml's rows): sweeps, table selection, constructor arguments, and its join with
the paper's claims."""

from pathlib import Path

import pytest
import yaml

from msnet import create_model
from msnet.manifest import declared_tables, expand_rows, model_kwargs, rows_for
from msnet.report.claims import load_claims

REPO = Path(__file__).resolve().parents[1]
ROWS = expand_rows(yaml.safe_load((REPO / "config.yaml").read_text())["rows"])
ENSEMBLES = yaml.safe_load((REPO / "config.yaml").read_text())["ensembles"]


def test_a_sweep_is_one_entry_for_many_rows():
    rows = expand_rows({"m_p{patch_size}": {"model": "msnet_r18", "frames": 8, "model_args": {"ms": {"spec": "paper"}},
                                            "sweep": {"ms.patch_size": [3, 5]}}})
    assert list(rows) == ["m_p3", "m_p5"]
    assert rows["m_p5"]["model_args"] == {"ms": {"spec": "paper", "patch_size": 5}} and "sweep" not in rows["m_p5"]
    assert rows["m_p3"]["model_args"]["ms"]["patch_size"] == 3  # copies, not one shared dict
    with pytest.raises(ValueError, match=r"needs \{patch\} in its id"):
        expand_rows({"m": {"model": "msnet_r18", "frames": 8, "sweep": {"ms.patch": [3]}}})


def test_fig4_sweep_builds_the_patch_sizes_it_names():
    for size in (3, 21):
        model = create_model("msnet_r18", **model_kwargs(ROWS[f"msnet-r18_8f_p{size}"]))
        assert model.inserts["res3"].correlation.patch_size == size


def test_model_kwargs_add_the_spec_only_to_ms_models_and_the_flow_channels():
    assert model_kwargs(ROWS["tsm-r18_8f"], "paper") == {}
    assert model_kwargs(ROWS["msnet-r18_8f_s"], "paper") == {"ms": {"displacement": "s", "spec": "paper"}}
    assert model_kwargs(ROWS["tsm-flow-r18_8x5"]) == {"in_channels": 10}
    assert ROWS["msnet-r18_8f_s"]["model_args"] == {"ms": {"displacement": "s"}}  # the manifest is not changed
    with pytest.raises(ValueError, match="contradicts flow length"):
        model_kwargs({"model": "tsm_r18", "model_args": {"in_channels": 4}, "flow": {"length": 1}})


def test_experiments_select_rows_by_table_then_by_id():
    assert rows_for(ROWS, ["table3"]) == ["tsm-r18_8f", "msnet-r18_8f", "msnet-r18_8f_s", "msnet-r18_8f_ks",
                                          "msnet-r18_8f_ks-cm-bd"]
    assert rows_for(ROWS, ["table8"], ["tsn-r18_8f", "cp-r18_8f"]) == ["tsm-r18_8f", "msnet-r18_8f", "cp-r18_8f",
                                                                        "tsn-r18_8f"]
    with pytest.raises(KeyError, match="no row declares"):
        rows_for(ROWS, ["table9"])
    with pytest.raises(KeyError, match="not in `rows`"):
        rows_for(ROWS, [], ["msnet-r18_8f_p15"])


def test_declared_tables_are_the_papers_in_its_order():
    assert declared_tables(ROWS) == [f"table{i}" for i in range(1, 9)] + ["fig1", "fig4", "fig5"]


def test_rows_and_claims_join_by_id_both_ways():
    """A row declares a table exactly when the claims list it there (or an ensemble of it: Table 6's flow streams)."""
    claims = load_claims()
    sections = {**claims["tables"], **claims["figures"]}
    for table in declared_tables(ROWS):
        listed = {r["id"] if isinstance(r, dict) else r for r in sections[table].get("rows") or sections[table]["points"]}
        members = {m for ensemble in listed & set(ENSEMBLES) for m in ENSEMBLES[ensemble]}
        declaring = {r for r, row in ROWS.items() if table in row.get("tables", [])}
        assert declaring == (listed & set(ROWS)) | (members - listed), table


@pytest.mark.parametrize("explicit_first", [False, True])
def test_a_row_given_under_a_generated_id_is_merged_over_it(explicit_first):
    """As Snakemake merges a config over config.yaml: .test/config.yaml shortens msnet-r18_8f_p7 to 4 frames."""
    sweep = {"m_p{patch_size}": {"model": "msnet_r18", "frames": 8, "sweep": {"ms.patch_size": [3, 7]}}}
    explicit = {"m_p7": {"frames": 4, "model_args": {"ms": {"spec": "paper"}}}}
    rows = expand_rows({**explicit, **sweep} if explicit_first else {**sweep, **explicit})
    assert rows["m_p7"] == {"model": "msnet_r18", "frames": 4, "model_args": {"ms": {"patch_size": 7, "spec": "paper"}}}
    assert rows["m_p3"]["frames"] == 8


def test_a_train_spec_without_a_recipe_is_refused():
    from msnet.train.trainer import train_config

    with pytest.raises(ValueError, match=r"missing key\(s\) \['recipe'\]"):
        train_config({"prepared": "p", "model": "tsm_r18", "frames": 8, "out": "o"})
    with pytest.raises(TypeError, match="unknown key"):
        train_config({"prepared": "p", "model": "tsm_r18", "frames": 8, "out": "o", "recipe": "synthetic", "epochs": 3})
