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


def train_gpus(wildcards):
    """train.processes GPUs (torchrun, one process each); one for a released checkpoint, which is only evaluated."""
    if released_checkpoint(EXPERIMENTS[wildcards.experiment], wildcards.row):
        return gpu_request(TRAIN["device"])
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
    for rule in sorted(set(threads) | set(memory)):
        requests.append(JobRequest(rule, threads.get(rule), memory.get(rule) or defaults))
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
