#!/usr/bin/env bash
# Reruns some methods of the committed grid (results/) under new options without losing the old
# results until the new ones exist: each set runs through `reproduce` in a staging folder that
# holds a copy of the set's committed split (runs/grid-stage/<set>/splits.json), and only a method
# whose new result file finished with status ok replaces results/<set>/<method>.json. Resumable:
# rerunning the same command skips what the staging folder already holds and resumes
# interrupted networks from their checkpoints (run folders in runs/grid-work/).
#
#   benchmarks/grid/rerun.sh SETS METHODS [reproduce options…]
#   CPILGPU="taskset -c 1 runs/bin-grid/cpilgpu" benchmarks/grid/rerun.sh etc66,etc55 tl-finetune,tl-modfinetune \
#       --device cpu --large-max-epochs 100 --large-patience 20
#
# Two one-thread processes on a 2-core machine: give each its own SETS and its own core.
set -euo pipefail
cd "$(dirname "$0")/../.."
CPILGPU=${CPILGPU:-"dotnet run -c Release --project src/Cli --"}
STAGE=${STAGE:-runs/grid-stage}
sets=$1; methods=$2; shift 2
for set in ${sets//,/ }; do
  [[ -f results/$set/splits.json ]] || { echo "results/$set/splits.json: no committed split for '$set'" >&2; exit 2; }
  mkdir -p "$STAGE/$set"
  cp -n "results/$set/splits.json" "$STAGE/$set/" 2>/dev/null || true
  # shellcheck disable=SC2086
  $CPILGPU reproduce --datasets "$set" --methods "$methods" --results "$STAGE" --work runs/grid-work "$@" || true
  for method in ${methods//,/ }; do
    staged=$STAGE/$set/$method.json
    if [[ -f $staged ]] && [[ $(jq -r .status "$staged") == ok ]]; then
      cp "$staged" "results/$set/$method.json"
      echo "promoted $staged -> results/$set/$method.json" >&2
    fi
  done
done
