#!/usr/bin/env bash
# Runs on a GPU machine from an unpacked gpu-bundle.tar.xz (see benchmarks/gpu-publish.sh); needs
# only the NVIDIA driver (libcuda.so.1) and, for the cuBLAS lines, libcublas.so.12/.13 on the
# loader path. In order, each stage under a time limit so the whole run stays under 5 minutes:
#   device    cpilgpu devices --check (every op against the scalar reference, per device kind found)
#   opencl    clinfo -l where installed, then ILGPU's own view of OpenCL: every device, why its
#             default filter refuses one, and the self-test on those it accepts (absent runtime: a line)
#   tests     the Gpu test category of the Kernels, Network (the PyTorch reference step and the
#             CUDA graph vs eager step) and Cli tests
#   sgemm     every SGEMM variant against cuBLAS per product at 4096x1024x1024 and ElemNet's shapes
#             at batch 32 (one table), its winners written to the per-device tuning cache that the
#             backend, and so the next stage, prefers
#   bench     the GPU benchmarks: launch cost per layer, SGEMM custom vs cuBLAS per product, ElemNet
#             train (eager and CUDA graph) and inference samples/s at batch 32/256/1024
# and ends with one summary table: the benchmarks' rows, then each stage's outcome. Extra arguments
# go to the benchmarks (e.g. --cuda-graph off, --batches 32). Exits non-zero when a stage failed.
set -uo pipefail
pub="$(cd "$(dirname "$0")" && pwd)"
# The programs are framework-dependent: the runtime travels beside them (gpu-publish.sh), or, when it
# travelled apart (--split), DOTNET_ROOT names where it was unpacked.
[[ -x "$pub/dotnet/dotnet" ]] && export DOTNET_ROOT="$pub/dotnet"
export DOTNET_CLI_TELEMETRY_OPTOUT=1
bin="$pub/bin"
log="$(mktemp -d)"
status=0
stages=()

stage() { # name limit-seconds command...: runs it under a time limit, records ok/FAILED/timed out
    local name="$1" limit="$2"; shift 2
    echo "== $name"
    local start=$SECONDS rc
    timeout --kill-after=5 "$limit" "$@" 2>&1 | tee "$log/$name.txt"
    rc=${PIPESTATUS[0]}
    local outcome="ok"
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then outcome="timed out after ${limit} s"; status=1
    elif [[ $rc -ne 0 ]]; then outcome="FAILED (exit $rc)"; status=1; fi
    stages+=("| stage: $name | $((SECONDS - start)) s | $outcome |")
}

stage device 25 "$bin/cpilgpu" devices --check

echo "== opencl platforms (clinfo)"
if command -v clinfo > /dev/null; then
    timeout 10 clinfo -l 2>&1 | tee "$log/clinfo.txt"
    stages+=("| opencl: clinfo -l | $(grep -c 'Device' "$log/clinfo.txt" || true) device line(s) | see above |")
else
    echo "clinfo is not installed; ILGPU's own query follows"
    stages+=("| opencl: clinfo -l | - | not installed |")
fi
stage opencl 15 "$bin/CrossPropertyILGPU.Benchmarks" opencl
opencl_verdict="$(grep -E 'device\(s\) offered|refused|accepted|no OpenCL runtime|no device passes|self-test (passed|FAILED)' "$log/opencl.txt" | sed 's/^opencl: *//' | tr '\n' ' ' | cut -c1-300)"
[[ -n "$opencl_verdict" ]] && stages+=("| opencl: ILGPU | - | $opencl_verdict |")

stage tests-kernels 60 "$bin/CrossPropertyILGPU.Kernels.Tests" --category Gpu
stage tests-network 35 "$bin/CrossPropertyILGPU.Network.Tests" --category Gpu
stage tests-cli 25 "$bin/CrossPropertyILGPU.Cli.Tests" --category Gpu
stage sgemm 45 "$bin/CrossPropertyILGPU.Benchmarks" sgemm --batches 32 --write-cache
stage bench 90 "$bin/CrossPropertyILGPU.Benchmarks" gpu "$@"

echo
echo "== summary (this run: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1))"
echo "| measure | variant | value |"
echo "|---|---|---|"
# The benchmarks' own table, without its header rows.
sed -n '/^== summary/,$p' "$log/bench.txt" 2>/dev/null | grep '^| ' | grep -v -e '^| measure ' || true
printf '%s\n' "${stages[@]}"
rm -rf "$log"
exit $status
