#!/usr/bin/env bash
# A real single-node SLURM cluster on this machine, for the SLURM tests (as root; Debian/Ubuntu).
#   tools/slurm_local.sh start    install slurm-wlm + munge if missing, write the config, start munged, slurmctld, slurmd
#   tools/slurm_local.sh stop     stop the three daemons by the PIDs they wrote (never by process name)
# Partitions `cpu` (default) and `gpu`, both on this node, which has no GPUs: a job asking for GPUs is refused. No
# accounting (sacct answers "accounting storage is disabled"), so the executor needs `slurm-status-command: squeue`.
set -euo pipefail
STATE=${SLURM_LOCAL_STATE:-/run/msnet-slurm}

running() {
    [ -f "$STATE/slurmctld.pid" ] && kill -0 "$(cat "$STATE/slurmctld.pid")" 2>/dev/null \
        && [ -f "$STATE/slurmd.pid" ] && kill -0 "$(cat "$STATE/slurmd.pid")" 2>/dev/null \
        && scontrol ping >/dev/null 2>&1
}

start() {
    if running; then
        echo "already running (pid files in $STATE)"; sinfo; return
    fi
    if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
    fi
    mkdir -p /etc/slurm /var/spool/slurmd /var/spool/slurmctld /run/munge "$STATE"
    local cpus mem
    cpus=$(nproc)
    mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 2048 ))
    cat > /etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=localhost
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmdSpoolDir=/var/spool/slurmd
StateSaveLocation=/var/spool/slurmctld
SlurmUser=root
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=300
NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=cpu Nodes=localhost Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=localhost MaxTime=INFINITE State=UP
CONF
    [ -f /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
    chown munge:munge /etc/munge/munge.key /run/munge && chmod 400 /etc/munge/munge.key
    su -s /bin/sh munge -c /usr/sbin/munged   # writes /run/munge/munged.pid
    /usr/sbin/slurmctld
    for _ in $(seq 20); do scontrol ping >/dev/null 2>&1 && break; sleep 0.5; done
    /usr/sbin/slurmd
    for _ in $(seq 40); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 0.5; done
    sinfo
}

stop() {
    for pidfile in "$STATE/slurmd.pid" "$STATE/slurmctld.pid" /run/munge/munged.pid; do
        if [ -f "$pidfile" ]; then
            kill "$(cat "$pidfile")" 2>/dev/null || true
            rm -f "$pidfile"
        fi
    done
}

"${1:?usage: $0 start|stop}"
