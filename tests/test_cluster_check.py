"""The SLURM settings check that runs before submission: each problem is one message naming the setting."""

from msnet.cluster_check import GpuRule, JobRequest, Partition, parse_sinfo, slurm_problems

CLUSTER = {"cpu": Partition(gpus=False, cpus=64, mem_mb=256_000), "gpu": Partition(gpus=True, cpus=32, mem_mb=512_000)}
TRAIN = GpuRule("train_model", 4, "train.device: auto, train.processes: 4", "train.device: cpu")


def test_sinfo_listing_keeps_each_partitions_largest_node_and_any_gpus():
    listing = "cpu|(null)|2|22057\ngpu|gpu:a100:4|32|512000+\ngpu|(null)|64|128000\n"
    partitions = parse_sinfo(listing)
    assert partitions == {"cpu": Partition(False, 2, 22057), "gpu": Partition(True, 64, 512000)}


def test_fitting_settings_have_no_problems():
    requests = [JobRequest("*", None, 16000), JobRequest("train_model", 32, 128000)]
    assert slurm_problems("lab", "cpu", {"train_model": "gpu"}, [TRAIN], CLUSTER, requests) == []


def test_placeholder_or_missing_account_is_named():
    for account in ("your-account", "", None):
        (problem,) = slurm_problems(account, "cpu", {}, [], CLUSTER)
        assert problem.startswith("default-resources.slurm_account") and "sshare" in problem


def test_unknown_partitions_are_named_with_the_clusters_own():
    problems = slurm_problems("lab", "batch", {"train_model": "a100"}, [], CLUSTER)
    assert problems == [
        "default-resources.slurm_partition 'batch': the cluster has no such partition (it has cpu, gpu)",
        "set-resources.train_model.slurm_partition 'a100': the cluster has no such partition (it has cpu, gpu)",
    ]
    assert "not set" in slurm_problems("lab", None, {}, [], CLUSTER)[0]


def test_gpu_rule_on_a_partition_without_gpus_names_the_rule_the_setting_and_the_remedy():
    (problem,) = slurm_problems("lab", "cpu", {}, [TRAIN, GpuRule("runtime", 0, "runtime.device: cpu", "")], CLUSTER)
    assert "rule train_model asks for 4 GPU(s) (train.device: auto, train.processes: 4)" in problem
    assert "set-resources.train_model.slurm_partition" in problem and "train.device: cpu" in problem


def test_cores_and_memory_beyond_the_partitions_nodes_are_named():
    requests = [JobRequest("*", None, 300_000), JobRequest("train_model", 48, 600_000), JobRequest("evaluate_model", 8, None)]
    problems = slurm_problems("lab", "cpu", {"train_model": "gpu"}, [], CLUSTER, requests)
    assert problems == [
        "default-resources.mem_mb 300000: the nodes of partition 'cpu' have at most 256000 MB",
        "set-threads.train_model 48: the nodes of partition 'gpu' have at most 32 CPUs (SLURM would refuse or never "
        "start the job)",
        "set-resources.train_model.mem_mb 600000: the nodes of partition 'gpu' have at most 512000 MB",
    ]
