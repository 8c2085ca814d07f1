# What a job asks of the machine or the cluster: cores, GPUs; and the SLURM settings checked before submission.
from msnet.cluster_check import GpuRule, JobRequest, cluster_partitions, slurm_problems


def all_cores():
    """A local run's cores (data, training and timing jobs use all of them). A cluster run has no global core count
    (Snakemake fails on `workflow.cores` under a remote executor): a job asks for the profile's `set-threads`, else 1,
    and inside the job, where Snakemake runs again with all the node's cores, it uses what SLURM gave it (asking
    for more makes `srun` refuse the step)."""
    if "SLURM_JOB_ID" in os.environ:
        return int(os.environ.get("SLURM_CPUS_PER_TASK", 1))
    try:
        return workflow.cores
    except WorkflowError:
        return 1


def gpu_request(device, count=1):
    """GPUs a job asks for: none on `cpu`; `count` on `cuda`, `cuda:N` or `auto` (auto uses the GPU where the job
    lands, so on a cluster it must land where there is one)."""
    return 0 if device == "cpu" else count


def _trains(wildcards):
    """Whether this train_model job trains (a released checkpoint is only evaluated, in one process)."""
    return not released_checkpoint(EXPERIMENTS[wildcards.experiment], wildcards.row)


def launcher(wildcards, threads, resources):
    """One process; torchrun with train.processes processes (one per GPU, DDP) on one node; or, with train.nodes
    above 1, one torchrun per node started by srun, meeting at a rendezvous on the job's first node
    (msnet/train/slurm_launch.py)."""
    processes, nodes = TRAIN["processes"], TRAIN["nodes"]
    if not _trains(wildcards):
        return "python -m msnet"
    if nodes > 1:
        gpus = resources.get("gres", "")
        cpus = resources.get("cpus_per_gpu", 1) * processes if gpus else threads
        step = f"srun --nodes {nodes} --ntasks {nodes} --ntasks-per-node 1 --cpus-per-task {cpus}"
        step += f" --gres {gpus}" if gpus else ""
        return f"{step} python -m msnet.train.slurm_launch --processes {processes} --"
    if processes == 1:
        return "python -m msnet"
    return f"torchrun --standalone --nproc_per_node {processes} -m msnet"


def train_nodes_resources():
    """With train.nodes above 1, what makes the SLURM executor allocate the nodes: one task per node (the torchrun
    agents), train.processes GPUs per node as a per-node GRES, and `mpi` so that the job's command starts its own
    srun step (the launcher) instead of being wrapped in a one-task step. Nothing with the default of one node."""
    nodes = TRAIN["nodes"]
    if nodes == 1:
        return {}
    per_node = gpu_request(TRAIN["device"], TRAIN["processes"])
    return dict(
        nodes=lambda wildcards: nodes if _trains(wildcards) else 1,
        tasks=lambda wildcards: nodes if _trains(wildcards) else 1,
        mpi=lambda wildcards: "srun" if _trains(wildcards) else "",
        tasks_per_gpu=0,  # the plugin would otherwise read `tasks` as tasks per GPU
        gres=lambda wildcards: f"gpu:{per_node}" if per_node and _trains(wildcards) else "",
    )


def train_gpus(wildcards):
    """train.processes GPUs (torchrun, one process each); one for a released checkpoint, which is only evaluated.
    Across nodes the GPUs are asked per node (train_nodes_resources)."""
    if not _trains(wildcards):
        return gpu_request(TRAIN["device"])
    if TRAIN["nodes"] > 1:
        return 0
    return gpu_request(TRAIN["device"], TRAIN["processes"])


RUNTIME_GPUS = gpu_request(config["runtime"]["device"])
FLOW_GPUS = gpu_request(FLOW["device"]) if FLOW["method"] == "torch" else 0


def gpu_rules():
    """The rules that ask for GPUs under this configuration, and the setting that makes them ask."""
    train = f"train.device: {TRAIN['device']}"
    rules = [GpuRule("runtime", RUNTIME_GPUS, f"runtime.device: {config['runtime']['device']}", "runtime.device: cpu")]
    if EXPERIMENTS:
        rules += [GpuRule("train_model", gpu_request(TRAIN["device"], TRAIN["processes"]),
                          f"{train}, train.processes: {TRAIN['processes']}", "train.device: cpu"),
                  GpuRule("evaluate_model", gpu_request(TRAIN["device"]), train, "train.device: cpu")]
    if flow_folders():
        rules.append(GpuRule("extract_flow", FLOW_GPUS, f"data.flow: method torch, device {FLOW['device']}",
                             "data.flow.device: cpu"))
    return rules


def _raw(resources, name):
    """A resource as written in the profile or on the command line (not evaluated: no job exists yet)."""
    resource = dict(resources.items()).get(name) if resources else None
    return None if resource is None else resource.raw


def _number(value):
    """An integer setting, or None where it is not one (unset, or a callable's string form)."""
    value = getattr(value, "value", value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def job_requests(settings):
    """Cores (set-threads) and mem_mb per rule as the profile writes them; "*" is default-resources."""
    defaults = _number(_raw(settings.default_resources, "mem_mb"))
    requests = [JobRequest("*", None, defaults)]
    threads = {rule: _number(value) for rule, value in settings.overwrite_threads.items()}
    memory = {rule: _number(_raw(res, "mem_mb")) for rule, res in settings.overwrite_resources.items()}
    for name in sorted(set(threads) | set(memory)):
        requests.append(JobRequest(name, threads.get(name), memory.get(name) or defaults))
    return requests


def check_slurm():
    """On a SLURM run (the profile sets `slurm_*` resources), the account, partitions, GPU rules, cores and memory
    against the cluster's `sinfo`, before any job is submitted; not inside the submitted jobs, which parse this file again."""
    settings = workflow.resource_settings
    defaults = settings.default_resources
    overrides = {rule: _raw(res, "slurm_partition") for rule, res in settings.overwrite_resources.items()}
    slurm = any(name.startswith("slurm_") for name in dict(defaults.items())) if defaults else False
    slurm = slurm or any(p is not None for p in overrides.values())
    if not slurm or str(workflow.exec_mode) != "default":
        return
    problems = slurm_problems(_raw(defaults, "slurm_account"), _raw(defaults, "slurm_partition"),
                              {rule: p for rule, p in overrides.items() if p is not None}, gpu_rules(),
                              cluster_partitions(), job_requests(settings))
    if problems:
        raise WorkflowError("The SLURM settings do not fit this cluster (nothing was submitted):\n  - "
                            + "\n  - ".join(problems))


check_slurm()
