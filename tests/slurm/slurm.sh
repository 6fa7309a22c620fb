#!/usr/bin/env bash
# A private single-node Slurm for the tests, one that cannot harm the machine
# it runs on (a developer's box or a real cluster node):
#
#   slurm.sh start LINK   start munged, slurmctld and slurmd of our own
#   slurm.sh check LINK   prove that the running cluster is private (a test)
#   slurm.sh stop LINK    stop them, by the PIDs recorded, and remove it all
#
# Everything lives in one fresh directory from mktemp (configuration, munge
# key and socket, state, spool, logs, PID files); LINK, in the build tree, is
# a symbolic link to it, so the tests find the cluster at LINK/slurm.conf
# (their SLURM_CONF). A short path in /tmp, not in the build tree, because
# Slurm and munged put Unix sockets in it (paths of at most 108 bytes).
# Apart from installing the Debian packages if missing, nothing outside that
# directory is written but LINK and LINK.skipped: not /etc/slurm, not
# /etc/munge, not /run, not /var. The ports are free ones,
# the cluster name is our own, the munged is our own on its own socket, and
# only the processes whose PIDs we recorded, and whose command line names our
# directory, are ever signalled.
#
# start exits with 77 (ctest's SKIP_RETURN_CODE for it) when the cluster
# cannot be private: not root (the daemons need it), or a slurmctld or slurmd
# that is not ours is running (this is a Slurm machine: leave it alone). It
# writes the reason to LINK.skipped, which tells the tests to skip rather than
# fail. Any other failure is a failure.
set -euo pipefail

readonly SKIP=77
readonly PACKAGES="slurmctld slurmd slurm-client munge"
readonly CLUSTER=sweepprivate
# Written in the private directory at creation: stop removes a directory only
# if this file is in it, so a wrong LINK can never make it `rm -rf` elsewhere.
readonly MARKER=.sweep-private-slurm
# What the old version of this script and a packaged Slurm or munge use. The
# check test compares them before and after start: none may change.
readonly SYSTEM_PATHS="/etc/slurm /etc/slurm/slurm.conf /etc/slurm-llnl
  /etc/munge /etc/munge/munge.key /run/munge /run/munge/munged.pid
  /run/munge/munge.socket.2 /run/slurmctld.pid /run/slurmd.pid /run/slurm
  /var/spool/slurmctld /var/spool/slurmd /var/spool/slurm /var/log/slurm
  /var/lib/munge /var/log/munge"

usage() {
  echo "usage: slurm.sh start|check|stop LINK" >&2
  exit 2
}

# The private directory LINK points to, if it is one of ours; empty if none.
private_dir() {
  local dir
  dir=$(readlink -- "$LINK" 2>/dev/null) || return 0
  if [ -d "$dir" ] && [ -f "$dir/$MARKER" ]; then echo "$dir"; fi
}

# The program name of process PID if it runs; nothing for a zombie (where
# init does not reap, a daemon we stopped stays one) or no process.
running_comm() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  # "PID (COMM) STATE ...": COMM may hold spaces and parentheses.
  stat=${stat##*) }
  [ "${stat%% *}" = Z ] || cat "/proc/$1/comm" 2>/dev/null || true
}

# True if PID runs program NAME with our private directory on its command
# line: a recorded PID that was reused by another process is not ours.
is_ours() {
  local pid=$1 name=$2 dir=$3 cmdline
  [ -n "$pid" ] && [ "$(running_comm "$pid")" = "$name" ] || return 1
  cmdline=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ "$cmdline" == *"$dir/"* ]]
}

# The PID recorded in FILE (empty if none or not a number).
recorded_pid() {
  local pid
  pid=$(cat "$1" 2>/dev/null || true)
  if [[ "$pid" =~ ^[0-9]+$ ]]; then echo "$pid"; fi
}

# Stops daemon NAME whose PID file is PIDFILE, if it is ours: SIGTERM, then
# SIGKILL after 10 s, to that one PID only.
stop_daemon() {
  local name=$1 pidfile=$2 dir=$3 pid
  pid=$(recorded_pid "$pidfile")
  [ -n "$pid" ] || return 0
  if ! is_ours "$pid" "$name" "$dir"; then
    echo "slurm.sh: $name PID $pid (from $pidfile) is not ours: left alone"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do is_ours "$pid" "$name" "$dir" || return 0; sleep 0.1; done
  echo "slurm.sh: $name PID $pid ignored SIGTERM for 10 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 50); do is_ours "$pid" "$name" "$dir" || return 0; sleep 0.1; done
}

# PIDs and command lines of the processes named slurmctld or slurmd. Called
# once ours are stopped, so every one listed belongs to someone else.
slurm_daemons() {
  local p
  for p in /proc/[0-9]*; do
    case "$(running_comm "${p#/proc/}")" in
      slurmctld | slurmd) echo "${p#/proc/} $(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)" ;;
    esac
  done
}

# PIDs of the processes named munged (none of them ours when called).
munged_pids() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(running_comm "${p#/proc/}")" = munged ] && echo "${p#/proc/}"
  done
  return 0
}

# One line per system path: its type, inode, size, mtime, mode and owner, or
# "absent". Any write to or replacement of one of them changes its line.
fingerprint() {
  local path
  for path in $SYSTEM_PATHS; do
    stat -c '%n %F %i %s %Y %a %U:%G' -- "$path" 2>/dev/null || echo "$path absent"
  done
}

# Prints the reason, records it for the tests and exits with SKIP.
skip() {
  echo "slurm.sh: skipped: $*"
  echo "$*" > "$LINK.skipped"
  exit "$SKIP"
}

refuse_if_slurm_runs() {
  local others
  others=$(slurm_daemons)
  if [ -n "$others" ]; then
    skip "a Slurm that is not ours runs on this machine, and the tests do not touch it:
$others"
  fi
}

# Local TCP ports in use, in any state, IPv4 and IPv6 (from the kernel's
# tables, so no tool is needed).
ports_in_use() {
  local sl local_address rest
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
    while read -r sl local_address rest; do
      [ "$sl" = sl ] && continue
      printf '%d\n' "0x${local_address##*:}"
    done
}

# N distinct TCP ports that nothing uses now, below the kernel's ephemeral
# range (32768 on) so no outgoing connection takes one meanwhile.
free_ports() {
  local n=$1 used picked="" port
  used=" $(ports_in_use | tr '\n' ' ') "
  while [ "$(wc -w <<< "$picked")" -lt "$n" ]; do
    port=$((20000 + RANDOM % 12000))
    [[ "$used" == *" $port "* || " $picked " == *" $port "* ]] && continue
    picked="$picked $port"
  done
  echo "${picked# }"
}

install_missing() {
  local missing="" p
  for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  [ -n "$missing" ] || return 0
  # Another build on the machine may hold the dpkg lock: wait for it.
  apt-get update -qq
  # shellcheck disable=SC2086  # one package per word
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=600 $missing
}

# Waits up to 10 s for FILE to appear.
wait_for_file() {
  for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.1; done
  echo "slurm.sh: $1 did not appear" >&2
  return 1
}

start_munged() {
  local dir=$1
  # Our own key, readable by root only (munged checks that).
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 0400 "$dir/munge/munge.key"
  munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munged.seed"
  wait_for_file "$dir/munge/munged.pid"
  munge -S "$dir/munge/munge.socket" -n | unmunge -S "$dir/munge/munge.socket" > /dev/null
}

write_slurm_conf() {
  local dir=$1 ctld_port=$2 slurmd_port=$3 host node
  host=$(hostname -s)
  # This machine's CPUs, sockets, cores and memory, as slurmd sees them.
  node=$(slurmd -C | head -1)
  cat > "$dir/slurm.conf" <<CONF
# A private test cluster of sweep's tests/slurm/slurm.sh: everything in
# $dir.
ClusterName=$CLUSTER
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
# Root runs the daemons: nothing needs a slurm user or a chown.
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
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
  printf '%s\n' "ClusterName=$CLUSTER" "SlurmctldPort=$ctld_port" "SlurmdPort=$slurmd_port" \
    > "$dir/expected"
}

# A start that fails leaves nothing running: the logs, then stop.
on_start_exit() {
  local status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne "$SKIP" ]; then
    local dir
    dir=$(private_dir)
    if [ -n "$dir" ]; then tail -n 20 "$dir"/log/*.log >&2 || true; fi
    stop
  fi
  exit "$status"
}

start() {
  rm -f "$LINK.skipped"
  [ "$(id -u)" -eq 0 ] || skip "not root: the Slurm daemons need it"
  if [ -e "$LINK" ] && [ ! -L "$LINK" ]; then
    echo "slurm.sh: $LINK exists and is not our link: remove it" >&2
    exit 1
  fi
  # What an earlier run of ours left behind (a crash, a killed ctest).
  stop
  refuse_if_slurm_runs
  install_missing
  # The packages' own scripts may have started a slurmd: refuse then too.
  refuse_if_slurm_runs
  trap on_start_exit EXIT

  # In /tmp, not $TMPDIR: the paths of the sockets in it must stay short.
  local dir
  dir=$(mktemp -d /tmp/sweep-slurm.XXXXXX)
  touch "$dir/$MARKER"
  ln -sfn "$dir" "$LINK"
  # The machine as we found it, for the check test: the system paths, and
  # every munged running (none is ours yet, and none may stop because of us).
  fingerprint > "$dir/system-before"
  munged_pids > "$dir/foreign-munged"
  mkdir -p "$dir/munge" "$dir/run" "$dir/state" "$dir/spool" "$dir/log"
  # munged wants every user able to reach its socket: search, not read, for
  # all on the directories above it.
  chmod 0711 "$dir" "$dir/munge"

  start_munged "$dir"
  # shellcheck disable=SC2046  # two words, two ports
  write_slurm_conf "$dir" $(free_ports 2)
  export SLURM_CONF="$dir/slurm.conf"
  # -f puts our configuration's path on the daemons' command lines, which is
  # how stop and check recognise them as ours.
  slurmctld -f "$SLURM_CONF"
  wait_for_file "$dir/run/slurmctld.pid"
  slurmd -f "$SLURM_CONF"
  wait_for_file "$dir/run/slurmd.pid"
  local state=""
  for _ in $(seq 100); do
    state=$(timeout 2 sinfo -h -o %T 2>/dev/null | head -1 || true)
    if [ "$state" = idle ]; then
      echo "slurm: private cluster $CLUSTER in $dir, node idle"
      return 0
    fi
    sleep 0.2
  done
  echo "slurm.sh: the node did not become idle (state: ${state:-none})" >&2
  return 1
}

# Fails with a message naming what is not private.
fail() {
  echo "slurm.sh check: $*" >&2
  exit 1
}

check() {
  local dir
  dir=$(private_dir)
  if [ -z "$dir" ]; then
    if [ -f "$LINK.skipped" ]; then
      echo "slurm.sh: skipped: $(cat "$LINK.skipped")"
      exit "$SKIP"
    fi
    fail "no private cluster at $LINK, and slurm_start did not skip"
  fi
  # The tests' environment sends every Slurm command to it.
  [ "${SLURM_CONF:-}" = "$LINK/slurm.conf" ] ||
    fail "SLURM_CONF is '${SLURM_CONF:-}', not $LINK/slurm.conf"

  # Nothing of the system's changed since start began.
  local now
  now=$(fingerprint)
  if [ "$now" != "$(cat "$dir/system-before")" ]; then
    diff <(cat "$dir/system-before") <(echo "$now") >&2 || true
    fail "system paths changed while the private cluster started"
  fi
  # Every munged that ran before start still runs.
  local pid
  while read -r pid; do
    [ "$(running_comm "$pid")" = munged ] || fail "munged $pid, not ours, no longer runs"
  done < "$dir/foreign-munged"
  # The recorded PIDs are our daemons, running with our files.
  local name pidfile
  for name in munged slurmctld slurmd; do
    case "$name" in
      munged) pidfile=$dir/munge/munged.pid ;;
      *) pidfile=$dir/run/$name.pid ;;
    esac
    pid=$(recorded_pid "$pidfile")
    [ -n "$pid" ] || fail "no PID recorded in $pidfile"
    is_ours "$pid" "$name" "$dir" ||
      fail "PID $pid of $pidfile is not $name with $dir: $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)"
    echo "ok: $name, PID $pid: $(tr '\0' ' ' < "/proc/$pid/cmdline")"
  done
  # The controller the Slurm commands reach is ours: its name and port.
  local config key
  config=$(scontrol show config) || fail "scontrol show config failed"
  while read -r key; do
    grep -Eq "^${key%%=*} += ${key#*=}\$" <<< "$config" ||
      fail "the controller does not report $key: $(grep -E "^${key%%=*} " <<< "$config")"
    echo "ok: the controller reports $key"
  done < "$dir/expected"
  echo "ok: $(wc -l < "$dir/system-before") system paths unchanged"
}

stop() {
  local dir
  dir=$(private_dir)
  if [ -z "$dir" ]; then
    if [ -L "$LINK" ]; then rm -f -- "$LINK"; fi
    rm -f -- "$LINK.skipped"
    return 0
  fi
  # Jobs still in our queue (a test that failed half-way) end with it.
  if is_ours "$(recorded_pid "$dir/run/slurmctld.pid")" slurmctld "$dir"; then
    local jobs
    jobs=$(SLURM_CONF="$dir/slurm.conf" timeout 5 squeue -h -o %A 2>/dev/null || true)
    if [ -n "$jobs" ]; then
      # shellcheck disable=SC2086  # one job id per word
      SLURM_CONF="$dir/slurm.conf" timeout 5 scancel $jobs || true
      for _ in $(seq 50); do
        [ -z "$(SLURM_CONF="$dir/slurm.conf" timeout 2 squeue -h 2>/dev/null)" ] && break
        sleep 0.2
      done
    fi
  fi
  stop_daemon slurmd "$dir/run/slurmd.pid" "$dir"
  stop_daemon slurmctld "$dir/run/slurmctld.pid" "$dir"
  stop_daemon munged "$dir/munge/munged.pid" "$dir"
  rm -rf -- "$dir"
  rm -f -- "$LINK" "$LINK.skipped"
}

[ $# -eq 2 ] || usage
LINK=$2
case "$1" in
  start) start ;;
  check) check ;;
  stop) stop ;;
  *) usage ;;
esac
