#!/usr/bin/env bash
# Starts or stops a single-node Slurm on localhost for the tests (as root, no
# systemd): `slurm.sh start` installs what is missing, writes slurm.conf,
# starts munged, slurmctld and slurmd and waits for the node to be idle;
# `slurm.sh stop` stops them by their PID files and removes those files.
set -euo pipefail
PACKAGES="slurmctld slurmd slurm-client munge"

stop() {
  for pidfile in /run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid; do
    if [ -f "$pidfile" ]; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
      # slurmctld cannot remove its own PID file; a stale one breaks later
      # package operations.
      for _ in $(seq 50); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
      rm -f "$pidfile"
    fi
  done
  # Daemons whose PID file went missing (a crash, an earlier failed start).
  for daemon in slurmd slurmctld; do
    pkill -x "$daemon" 2>/dev/null || true
    for _ in $(seq 50); do pgrep -x "$daemon" > /dev/null || break; sleep 0.1; done
  done
}

start() {
  if [ "$(id -u)" -ne 0 ]; then echo "slurm.sh: must run as root" >&2; exit 1; fi
  missing=""
  for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  fi
  stop
  host=$(hostname -s)
  node=$(slurmd -C | head -1)
  mkdir -p /etc/slurm /run/munge /var/spool/slurmctld /var/log/slurm /var/spool/slurmd
  chown munge:munge /run/munge
  chown slurm:slurm /var/spool/slurmctld /var/log/slurm
  cat > /etc/slurm/slurm.conf <<CONF
ClusterName=sweeptest
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=slurm
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
MaxArraySize=1001
${node} NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=${host} Default=YES MaxTime=INFINITE State=UP
CONF
  # Start munged unless one answers already (the package's init script may
  # have started it); a dying one does not count.
  if ! (munge -n | unmunge) > /dev/null 2>&1; then
    pkill -x munged 2>/dev/null || true
    for _ in $(seq 50); do pgrep -x munged > /dev/null || break; sleep 0.1; done
    rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
    runuser -u munge -- /usr/sbin/munged
  fi
  slurmctld
  slurmd
  for _ in $(seq 100); do
    state=$(timeout 2 sinfo -h -o %T 2>/dev/null | head -1 || true)
    if [ "$state" = idle ]; then echo "slurm: node idle"; return 0; fi
    sleep 0.2
  done
  echo "slurm.sh: the node did not become idle (state: ${state:-none})" >&2
  tail -n 5 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
  exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: slurm.sh start|stop" >&2; exit 2 ;;
esac
