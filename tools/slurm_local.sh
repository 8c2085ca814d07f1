#!/usr/bin/env bash
# A real SLURM cluster on this machine, for the SLURM tests (as root; Debian/Ubuntu).
#   tools/slurm_local.sh start [N]  install slurm-wlm + munge if missing, write the config, start munged, slurmctld and
#                                   one slurmd (N > 1: N nodes node1..nodeN on this host, the cores and memory split
#                                   between them, one slurmd each: a multi-node job runs here)
#   tools/slurm_local.sh stop       stop the daemons by the PIDs they wrote (never by process name), remove the
#                                   slurm.conf start wrote and put back the one it found there
# Partitions `cpu` (default) and `gpu` over all nodes, which have no GPUs: a job asking for GPUs is refused. No
# accounting (sacct answers "accounting storage is disabled"), so the executor needs `slurm-status-command: squeue`.
# Why stop removes the config: with a slurm.conf and no slurmctld, `scontrol show config` waits 9 s for a controller,
# and the SLURM executor plugin runs it whenever Snakemake starts: every later `snakemake` would start 9 s slower.
set -euo pipefail
STATE=${SLURM_LOCAL_STATE:-/run/msnet-slurm}
CONF_FILE=/etc/slurm/slurm.conf

ours() {  # the slurm.conf is one this script wrote (older versions' too): its controller's pid file is in $STATE
    grep -qx "SlurmctldPidFile=$STATE/slurmctld.pid" "$CONF_FILE" 2>/dev/null
}

running() {
    [ -f "$STATE/slurmctld.pid" ] && kill -0 "$(cat "$STATE/slurmctld.pid")" 2>/dev/null \
        && [ "$(sinfo -h -o %D 2>/dev/null | head -n1)" = "$1" ] && scontrol ping >/dev/null 2>&1
}

start() {
    local nodes=${1:-1}
    if running "$nodes"; then
        echo "already running (pid files in $STATE)"; sinfo; return
    fi
    if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
    fi
    mkdir -p /etc/slurm /var/spool/slurmd /var/spool/slurmctld /run/munge "$STATE"
    stop  # a cluster of another shape
    local cpus mem names
    cpus=$(( $(nproc) / nodes ))
    mem=$(( ($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 2048) / nodes ))
    if [ "$nodes" = 1 ]; then
        names=localhost
        node_lines="NodeName=localhost CPUs=$cpus RealMemory=$mem State=UNKNOWN"
    else
        names="node[1-$nodes]"
        node_lines="NodeName=$names NodeHostname=localhost Port=17001-$((17000 + nodes)) CPUs=$cpus RealMemory=$mem State=UNKNOWN"
    fi
    if [ -f "$CONF_FILE" ] && ! ours; then
        mv "$CONF_FILE" "$STATE/slurm.conf.found"  # this machine's own configuration, put back by stop
    fi
    cat > "$CONF_FILE" <<CONF
ClusterName=local
SlurmctldHost=localhost
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd-%n.pid
SlurmdSpoolDir=/var/spool/slurmd/%n
StateSaveLocation=/var/spool/slurmctld
SlurmUser=root
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=300
$node_lines
PartitionName=cpu Nodes=$names Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$names MaxTime=INFINITE State=UP
CONF
    [ -f /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
    chown munge:munge /etc/munge/munge.key /run/munge && chmod 400 /etc/munge/munge.key
    su -s /bin/sh munge -c /usr/sbin/munged   # writes /run/munge/munged.pid
    /usr/sbin/slurmctld -c   # no state from an earlier cluster
    for _ in $(seq 20); do scontrol ping >/dev/null 2>&1 && break; sleep 0.5; done
    if [ "$nodes" = 1 ]; then
        mkdir -p /var/spool/slurmd/localhost && /usr/sbin/slurmd
    else
        for i in $(seq "$nodes"); do mkdir -p "/var/spool/slurmd/node$i" && /usr/sbin/slurmd -N "node$i"; done
    fi
    for _ in $(seq 40); do [ "$(sinfo -h -t idle -o %D 2>/dev/null | head -n1)" = "$nodes" ] && break; sleep 0.5; done
    sinfo
}

stop() {
    for pidfile in "$STATE"/slurmd-*.pid "$STATE/slurmctld.pid" /run/munge/munged.pid; do
        if [ -f "$pidfile" ]; then
            local pid
            pid=$(cat "$pidfile")
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
            rm -f "$pidfile"
        fi
    done
    if ours; then
        rm -f "$CONF_FILE"
    fi
    if [ -f "$STATE/slurm.conf.found" ]; then
        mv "$STATE/slurm.conf.found" "$CONF_FILE"
    fi
}

"${1:?usage: $0 start [NODES]|stop}" "${@:2}"
