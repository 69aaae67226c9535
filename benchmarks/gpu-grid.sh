#!/usr/bin/env bash
# Runs the paper grid (`reproduce`) on a GPU machine without .NET, from an unpacked bundle
# (benchmarks/gpu-publish.sh): P processes of (cores / P) threads each, pinned to their own cores
# and sharing the GPU. They take different (set, method) pairs through the grid's claim files, so
# the classical fits, which run on the CPU, proceed side by side while the networks train on the
# GPU. Run it from the root of the checkout whose data/, models/ and results/ the grid uses; the
# result files land in results/ as usual, each process's log in runs/gpu-grid-<k>.log.
# Usage: gpu-pub/gpu-grid.sh [--processes P] [reproduce options, e.g. --datasets klu,kaa]
# (The 28 large sets of the committed grid ran this way on an H100 machine, 4 processes x 4 cores.)
set -uo pipefail
pub="$(cd "$(dirname "$0")" && pwd)"
[[ -x "$pub/dotnet/dotnet" ]] && export DOTNET_ROOT="$pub/dotnet"
export DOTNET_CLI_TELEMETRY_OPTOUT=1
processes=4
if [[ "${1:-}" == --processes ]]; then
    processes="${2:?--processes needs a number}"
    shift 2
fi
cores=$(nproc)
per=$(( cores / processes )); (( per >= 1 )) || per=1
mkdir -p runs
pids=()
# Ctrl+C or SIGTERM reaches every process: each keeps its checkpoint and writes no partial result.
trap 'kill -TERM "${pids[@]}" 2>/dev/null' INT TERM
for (( k = 0; k < processes; k++ )); do
    first=$(( (k * per) % cores ))
    DOTNET_PROCESSOR_COUNT=$per taskset -c "$first-$(( first + per - 1 ))" \
        "$pub/bin/cpilgpu" reproduce "$@" > "runs/gpu-grid-$k.log" 2>&1 &
    pids+=($!)
    sleep 2 # staggered, so the processes start on different pairs
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
grep -h "test MAE\|failed" runs/gpu-grid-*.log
exit $status
