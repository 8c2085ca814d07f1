"""tools/slurm_local.sh on a machine that has a SLURM configuration of its own: start sets it aside, stop puts it back
byte for byte and leaves none of its own (with a slurm.conf and no controller, `scontrol show config` waits 9 s, and
the SLURM executor plugin runs it whenever Snakemake starts)."""

import os
import subprocess

import pytest

from slurm_cluster import CONF_FILE, SCRIPT, config_is_the_scripts

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="starting slurmctld, slurmd and munged needs root"),
]


def test_stop_puts_back_the_configuration_start_found():
    found = CONF_FILE.read_bytes() if CONF_FILE.is_file() and not config_is_the_scripts() else None
    site = found or b"# a site's own configuration (a stand-in written by tests/test_slurm_local.py)\nClusterName=site\n"
    CONF_FILE.parent.mkdir(parents=True, exist_ok=True)
    CONF_FILE.write_bytes(site)
    try:
        start = subprocess.run(["bash", str(SCRIPT), "start", "1"], capture_output=True, text=True, timeout=900)
        assert start.returncode == 0, start.stdout + start.stderr
        assert config_is_the_scripts() and "localhost" in start.stdout  # sinfo answered from the script's cluster
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], timeout=120)
    assert CONF_FILE.read_bytes() == site
    if found is None:
        CONF_FILE.unlink()
