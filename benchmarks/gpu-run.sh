#!/usr/bin/env bash
# Runs on a GPU machine from an unpacked gpu-bundle.tar.xz (see benchmarks/gpu-publish.sh); needs
# only the NVIDIA driver (libcuda.so.1) and, for the cuBLAS lines, libcublas.so.12/.13 on the
# loader path. Prints: the device check, the Gpu test category of the Kernels, Network and Cli tests
# (Network: the PyTorch reference step on CUDA), and the
# GPU benchmarks (GEMM GFLOP/s custom vs cuBLAS, ElemNet samples/s at batch 32/256/1024,
# launches per step). Exits non-zero when a check or test failed.
set -uo pipefail
pub="$(cd "$(dirname "$0")" && pwd)"
# The programs are framework-dependent: the runtime travels beside them (gpu-publish.sh), or, when it
# travelled apart (--split), DOTNET_ROOT names where it was unpacked.
[[ -x "$pub/dotnet/dotnet" ]] && export DOTNET_ROOT="$pub/dotnet"
export DOTNET_CLI_TELEMETRY_OPTOUT=1
bin="$pub/bin"
status=0

echo "== device"
"$bin/cpilgpu" devices --check || status=1

for tests in Kernels Network Cli; do
    echo "== tests: $tests [category Gpu]"
    "$bin/CrossPropertyILGPU.$tests.Tests" --category Gpu || status=1
done

echo "== benchmarks"
"$bin/CrossPropertyILGPU.Benchmarks" gpu "$@" || status=1

exit $status
