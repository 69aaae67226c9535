#!/usr/bin/env bash
# The trial table from runs/trials/*/<set>/<method>.json: one markdown row per (set, method,
# recipe), best validation MAE first within each (set, method); Adam steps = epochs × batches per epoch.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "| set | method | recipe | validation MAE | test MAE | epochs (best) | Adam steps | seconds |"
echo "|---|---|---|--:|--:|--:|--:|--:|"
for f in runs/trials/*/*/tl-*.json; do
  recipe=$(basename "$(dirname "$(dirname "$f")")")
  jq -r --arg recipe "$recipe" 'select(.status == "ok") |
    [.dataset, .method, $recipe, .validation_mae, .test_mae, .epochs, .best_epoch,
     (.epochs * ((.train_rows + (.run.batch_size // 32) - 1) / (.run.batch_size // 32) | floor)), .seconds] | @tsv' "$f"
done | sort -t$'\t' -k1,1 -k2,2 -k4,4g |
  awk -F'\t' '{ printf "| %s | %s | %s | %.4g | %.4g | %d (%d) | %d | %.0f |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
