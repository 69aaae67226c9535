#!/usr/bin/env bash
# Side by side, in one run: numpy/OpenBLAS sgemm (the peers' BLAS ceiling script) and this
# engine's three dense products on the managed CPU backend, at (M×1024)·(1024×1024) for
# M = 32, 256, 1024, on 1 and 2 threads; then one table with the ratio ours / OpenBLAS.
#
#   benchmarks/compare-blas.sh PEERS_DIR        (the folder holding the peers' blas_ceiling.py)
#
# Needs Debian's numpy with OpenBLAS (see the peers' README):
#   apt-get install -y python3-numpy python3-threadpoolctl libopenblas0-pthread
set -euo pipefail
cd "$(dirname "$0")/.."
peers=${1:?usage: benchmarks/compare-blas.sh PEERS_DIR}
source benchmarks/side-by-side.sh
for t in 1 2; do
    echo "OpenBLAS, $t thread(s)" >&2
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t \
        "$python" "$peers/blas_ceiling.py" "$out/blas_t$t.json" | tee "$out/blas_t$t.txt" >&2
    echo "ours, $t thread(s)" >&2
    dotnet "$bench" gemm --threads "$t" --m 32 256 1024 | tee "$out/ours_t$t.txt" >&2
done

# OpenBLAS lines: sgemm (  32x1024)x(1024x1024):    66.3 GFLOP/s  (1.013 ms)
# ours:           threads=1 sgemm (   32x1024)x(1024x1024) forward        :    17.9 GFLOP/s  (3.748 ms)
blas() { awk -v m="$2" '$0 ~ "sgemm \\( *" m "x1024\\)" { for (i = 1; i <= NF; i++) if ($i == "GFLOP/s") print $(i-1) }' "$1" | head -1; }
ours() { awk -v m="$2" -v op="$3" '$0 ~ "sgemm \\( *" m "x1024\\)" && $0 ~ (" " op "[ :]") { for (i = 1; i <= NF; i++) if ($i == "GFLOP/s") print $(i-1) }' "$1" | head -1; }

printf '\n%-7s %5s %9s %9s %9s %9s %7s\n' threads M OpenBLAS forward dx dw "fwd/BLAS"
for t in 1 2; do
    for m in 32 256 1024; do
        b=$(blas "$out/blas_t$t.txt" "$m")
        f=$(ours "$out/ours_t$t.txt" "$m" forward)
        i=$(ours "$out/ours_t$t.txt" "$m" input-gradient)
        w=$(ours "$out/ours_t$t.txt" "$m" weight-gradient)
        r=$(awk -v f="$f" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", f / b; else print "n/a" }')
        printf '%-7s %5s %9s %9s %9s %9s %7s\n' "$t" "$m" "$b" "$f" "$i" "$w" "$r"
    done
done
