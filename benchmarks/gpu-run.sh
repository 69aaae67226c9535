#!/usr/bin/env bash
# Runs on a GPU machine from an unpacked gpu-bundle.tar.xz (see benchmarks/gpu-publish.sh); needs
# only the NVIDIA driver (libcuda.so.1) and, for the cuBLAS lines, libcublas.so.12/.13 on the
# loader path. Prints: the device check, the Gpu test category of the Kernels and Cli tests, and the
# GPU benchmarks (GEMM GFLOP/s custom vs cuBLAS, ElemNet samples/s at batch 32/256/1024,
# launches per step). Exits non-zero when a check or test failed.
set -uo pipefail
pub="$(cd "$(dirname "$0")" && pwd)"
status=0

echo "== device"
"$pub/cli/cpilgpu" devices --check || status=1

for tests in Kernels Cli; do
    echo "== tests: $tests [category Gpu]"
    "$pub/tests/$tests/CrossPropertyILGPU.$tests.Tests" --category Gpu || status=1
done

echo "== benchmarks"
"$pub/benchmarks/CrossPropertyILGPU.Benchmarks" gpu "$@" || status=1

exit $status
