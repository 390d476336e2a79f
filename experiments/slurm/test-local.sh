#!/usr/bin/env bash
# grid.sbatch under a real SLURM: a one-node cluster on this host (munged,
# slurmctld, slurmd, all started here and stopped on exit), then
#   1. an array of 3 shards on a small grid: every task succeeds, the union of
#      the shards' runs equals an unsharded run of the same grid in everything
#      but timing, every run trained once, the report written once, complete;
#   2. the same array again: nothing trains, no file changes;
#   3. into a fresh folder, one task cancelled while it trains, the array
#      resubmitted: the grid completes, equal to the unsharded run again, each
#      run finished once, the report written once.
# Trainings are counted from the tasks' logs (one line per finished run) and
# the runs' files, never from timing. Run as root; installs slurm-wlm and
# munge when missing. Takes a few minutes.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
timeout_s=${SLURM_TEST_TIMEOUT:-600}

say() { echo "test-local: $*"; }
die() {
    echo "test-local: FAIL: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || { echo "test-local: run as root (it installs packages and starts the SLURM daemons)" >&2; exit 2; }

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
    ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi
command -v python3 >/dev/null || die "python3 is needed to compare the runs"

(cd "$repo" && cargo build --release -q -p experiments)
einorm=${CARGO_TARGET_DIR:-$repo/target}/release/einorm
[ -x "$einorm" ] || die "no binary at $einorm after the build"

work=$(mktemp -d /tmp/einorm-slurm.XXXXXX)
chmod 755 "$work"
started=()

# Stops what this script started, by pid file, newest first; keeps the
# folder (daemon logs, task logs) when the test failed.
cleanup() {
    local rc=$?
    for ((k = ${#started[@]} - 1; k >= 0; k--)); do
        local pidfile=${started[k]} pid
        pid=$(cat "$pidfile" 2>/dev/null) || continue
        kill "$pid" 2>/dev/null || continue
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    done
    if [ "$rc" = 0 ]; then
        rm -rf "$work"
    else
        echo "test-local: logs kept in $work" >&2
        tail -n 20 "$work"/*.log "$work"/logs/* 2>/dev/null >&2 || true
    fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ daemons

dd if=/dev/urandom of="$work/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge.key"
munged --force --socket="$work/munge.socket" --key-file="$work/munge.key" \
    --pid-file="$work/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munged.seed"
started+=("$work/munged.pid")

host=$(hostname -s)
# The node as slurmd sees this machine: its real CPU count and memory.
node=$(slurmd -C | head -n 1)
[[ $node == NodeName=* ]] || die "slurmd -C did not describe the node: $node"
cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$node")
mkdir -p "$work/state" "$work/spool" "$work/logs"
cat >"$work/slurm.conf" <<EOF
ClusterName=einorm-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${SLURM_TEST_PORT:-16817}
SlurmdPort=$((${SLURM_TEST_PORT:-16817} + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=3600
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$work/slurm.conf

slurmctld -c
started+=("$work/slurmctld.pid")
slurmd
started+=("$work/slurmd.pid")

deadline=$((SECONDS + 60))
until sinfo -h -o %T 2>/dev/null | grep -qx idle; do
    [ $SECONDS -lt $deadline ] || die "the node did not come up idle within 60 s"
    sleep 0.5
done
say "one-node cluster up: $host, $cpus CPUs"

# ------------------------------------------------------------------ helpers

# A small grid: synthetic data, 3 conditions x 2 eps x 3 configs, long enough
# per run (a few seconds) that a task can be cancelled while it trains.
cat >"$work/grid.toml" <<'EOF'
preset = "smoke"
name = "slurm-test"
conditions = "e-ln,inorm,inorm-full"
train-subset = 4000
width = 64
epochs = 8
EOF

# submit OUT TAG: the array of 3 shards into OUT; prints the job id.
submit() {
    (cd "$work" && sbatch --parsable --array=0-2 --cpus-per-task=1 --mem=512M --time=10 \
        --output="$work/logs/$2-%a.out" \
        --export="ALL,EINORM=$einorm,SPEC=$work/grid.toml,OUT=$1" \
        "$repo/experiments/slurm/grid.sbatch")
}

# wait_done JOB: until no task of the array is pending or running.
wait_done() {
    local deadline=$((SECONDS + timeout_s)) left
    while :; do
        # The array job ids of every pending or running task; a failed
        # query is not an empty queue, so it is asked again.
        if left=$(squeue -h -o %F 2>/dev/null) && ! grep -qx "$1" <<<"$left"; then
            return
        fi
        [ $SECONDS -lt $deadline ] || {
            scancel "$1"
            die "array $1 not done within $timeout_s s"
        }
        sleep 1
    done
}

# states JOB: one line per array task, `<index> <state> <exit code>`.
states() {
    scontrol -o show job "$1" |
        sed -n 's/.*ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*ExitCode=\([0-9:]*\) .*/\1 \2 \3/p' | sort -n
}

expect_completed() {
    local bad
    bad=$(states "$1" | grep -v ' COMPLETED 0:0$' || true)
    [ -z "$bad" ] || die "array $1: tasks not completed: $bad"
    [ "$(states "$1" | wc -l)" = 3 ] || die "array $1: expected 3 tasks, saw: $(states "$1")"
}

# trained TAG...: the run ids finished in these logs, one line per training.
trained() {
    for tag in "$@"; do cat "$work/logs/$tag"-*.out; done |
        sed -n 's/^\[[0-9]*\/[0-9]*\] \([^ ]*\) .*/\1/p' | sort
}

reports() {
    for tag in "$@"; do cat "$work/logs/$tag"-*.out; done | grep '^report: ' || true
}

# same_runs A B: the runs of two grid folders agree in everything but timing.
same_runs() {
    python3 - "$1/runs" "$2/runs" <<'EOF'
import json, pathlib, re, sys

# Wall times and where/when a run ran are the only fields allowed to differ.
TIMING = re.compile(r"second|time|started|host|thread|provenance", re.I)

def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if not TIMING.search(k)}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v

def runs(folder):
    out = {}
    for p in sorted(pathlib.Path(folder).glob("*.json")):
        out[p.stem] = strip(json.loads(p.read_text()))
    return out

a, b = runs(sys.argv[1]), runs(sys.argv[2])
if a.keys() != b.keys():
    sys.exit(f"run ids differ: only in first {sorted(a.keys() - b.keys())}, only in second {sorted(b.keys() - a.keys())}")
bad = [k for k in a if a[k] != b[k]]
if bad:
    sys.exit(f"{len(bad)} of {len(a)} runs differ beyond timing, e.g. {bad[0]}")
print(len(a))
EOF
}

# check_report OUT TAG...: written exactly once by these logs, from the whole grid.
check_report() {
    local out=$1 lines
    shift
    lines=$(reports "$@")
    [ "$(grep -c . <<<"$lines")" = 1 ] || die "$out: report written $(grep -c . <<<"$lines") times, expected once: $lines"
    [[ $lines =~ from\ ([0-9]+)\ of\ ([0-9]+)\ runs ]] || die "$out: no run count in: $lines"
    [ "${BASH_REMATCH[1]}" = "$total" ] && [ "${BASH_REMATCH[2]}" = "$total" ] ||
        die "$out: report from ${BASH_REMATCH[1]} of ${BASH_REMATCH[2]} runs, expected $total of $total"
    [ -s "$out/report.md" ] || die "$out: no report.md"
}

fingerprint() { (cd "$1" && find runs report.md figures -type f -print0 | sort -z | xargs -0 sha256sum); }

# ------------------------------------------------------------------ the test

begin=$SECONDS
"$einorm" grid --spec "$work/grid.toml" --out "$work/unsharded" --jobs 1 --no-report --quiet >/dev/null
total=$(find "$work/unsharded/runs" -name '*.json' | wc -l)
[ "$total" -gt 3 ] || die "the unsharded grid finished only $total runs"
say "unsharded reference: $total runs in $((SECONDS - begin)) s"

# 1. Three shards.
t0=$SECONDS
job=$(submit "$work/sharded" first)
wait_done "$job"
expect_completed "$job"
n=$(same_runs "$work/sharded" "$work/unsharded") || die "shards differ from the unsharded grid"
[ "$(trained first | uniq -d)" = "" ] || die "runs trained twice: $(trained first | uniq -d | tr '\n' ' ')"
[ "$(trained first | wc -l)" = "$total" ] || die "$(trained first | wc -l) trainings logged for $total runs"
check_report "$work/sharded" first
say "array of 3: $n runs equal to the unsharded grid but for timing, each trained once, report once ($((SECONDS - t0)) s)"

# 2. The same array again: nothing to do.
before=$(fingerprint "$work/sharded")
job=$(submit "$work/sharded" again)
wait_done "$job"
expect_completed "$job"
[ "$(trained again | wc -l)" = 0 ] || die "resubmission trained again: $(trained again | tr '\n' ' ')"
[ -z "$(reports again)" ] || die "resubmission rewrote the report"
[ "$(fingerprint "$work/sharded")" = "$before" ] || die "resubmission changed the runs or the report"
say "resubmitted: no run trained twice, no file changed"

# 3. One task cancelled while it trains, then the array resubmitted.
t0=$SECONDS
job=$(submit "$work/preempted" cut)
deadline=$((SECONDS + timeout_s))
until [ "$(trained cut 2>/dev/null | grep -c . || true)" -ge 1 ] &&
    grep -q '^\[' "$work/logs/cut-1.out" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || die "task 1 of $job never finished a run"
    sleep 0.2
done
grep -q '^ran ' "$work/logs/cut-1.out" && die "task 1 finished its shard before it could be cancelled"
scancel "${job}_1"
wait_done "$job"
states "$job" | grep -q '^1 CANCELLED ' || die "task 1 not cancelled: $(states "$job")"
grep -q '^ran ' "$work/logs/cut-1.out" && die "task 1 finished its shard although cancelled"
left=$((total - $(find "$work/preempted/runs" -name '*.json' | wc -l)))
say "task 1 cancelled mid-shard; $left runs left"
job=$(submit "$work/preempted" resumed)
wait_done "$job"
expect_completed "$job"
same_runs "$work/preempted" "$work/unsharded" >/dev/null || die "resumed grid differs from the unsharded grid"
[ "$(trained cut resumed | uniq -d)" = "" ] || die "runs finished twice: $(trained cut resumed | uniq -d | tr '\n' ' ')"
[ "$(trained cut resumed | wc -l)" = "$total" ] || die "$(trained cut resumed | wc -l) trainings logged for $total runs"
check_report "$work/preempted" cut resumed
say "resubmitted after the cancel: complete, equal to the unsharded grid, each run finished once, report once ($((SECONDS - t0)) s)"

say "passed in $SECONDS s"
