#!/usr/bin/env bash
# Side by side, in one run: the PyTorch ElemNet peer's `bench` and this engine's ElemNet step timer
# (managed CPU backend), then one table: batch, torch samples/s (best of 1 and 2 threads), ours,
# ratio — for train and inference.
#
#   benchmarks/compare-torch.sh PEER_SCRIPT [BATCH ...]
#   e.g. benchmarks/compare-torch.sh PEERS/elemnet_torch.py 32 256 1024   (PEERS: the peer scripts' folder)
#
# The peer needs Debian's torch with OpenBLAS (see the peer's README):
#   apt-get install -y python3-torch python3-numpy python3-threadpoolctl libopenblas0-pthread
set -euo pipefail
cd "$(dirname "$0")/.."
peer=${1:?usage: benchmarks/compare-torch.sh PEER_SCRIPT [BATCH ...]}
shift
batches=("${@:-32 256 1024}")
batches=(${batches[*]})
source benchmarks/side-by-side.sh
echo "torch: $peer bench --threads 1 2 --batches ${batches[*]}" >&2
"$python" "$peer" bench --threads 1 2 --batches "${batches[@]}" | tee "$out/torch.txt" >&2
echo "ours: steps --batches ${batches[*]}" >&2
dotnet "$bench" steps --batches "${batches[@]}" | tee "$out/ours.txt" >&2

# Lines look like: threads=2 batch=   32 train step=  34.177 ms       936 samples/s ...
best() { # file kind batch -> best samples/s over thread counts
    awk -v kind="$2" -v batch="$3" '
        { for (i = 1; i <= NF; i++) { if ($i ~ /^batch=/) { split($i, a, "="); b = a[2] == "" ? $(i+1) : a[2] } }
          if (b == batch && $0 ~ (" " kind " ")) { for (i = 1; i <= NF; i++) if ($i == "samples/s") { v = $(i-1); if (v > m) m = v } } }
        END { printf "%d", m }' "$1"
}

printf '\n%-6s %6s %14s %14s %7s\n' step batch "torch samp/s" "ours samp/s" ratio
for kind in train infer; do
    for batch in "${batches[@]}"; do
        t=$(best "$out/torch.txt" "$kind" "$batch")
        o=$(best "$out/ours.txt" "$kind" "$batch")
        ratio=$(awk -v o="$o" -v t="$t" 'BEGIN { if (t > 0) printf "%.2f", o / t; else print "n/a" }')
        printf '%-6s %6s %14s %14s %7s\n' "$kind" "$batch" "$t" "$o" "$ratio"
    done
done
