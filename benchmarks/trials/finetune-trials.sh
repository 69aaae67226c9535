#!/usr/bin/env bash
# Fine-tuning trials (issue "Match the paper's Table 4", item 2): each recipe fine-tunes the
# shipped source on the chosen sets with the grid's own validation split, through `reproduce`, into
# runs/trials/<recipe>/ (result files) and runs/trials/work-<recipe>/ (run folders). Resumable: a
# finished (set, method, recipe) is reused. Selection is on validation MAE only; the test MAE is
# printed but never chooses anything. Summarise with benchmarks/trials/summary.sh.
#
#   benchmarks/trials/finetune-trials.sh SETS RECIPE...        e.g.  etc66,pseebeck plateau l2sp-1
#   CPILGPU="taskset -c 1 runs/bin-trials/cpilgpu" benchmarks/trials/finetune-trials.sh ...
#
# Every set trains at the budget below (LARGE_ROWS=0: all sets; LARGE_ROWS=7500 gives the small sets the paper's 4000/200).
set -euo pipefail
cd "$(dirname "$0")/../.."
CPILGPU=${CPILGPU:-"dotnet run -c Release --project src/Cli --"}
MAX_EPOCHS=${MAX_EPOCHS:-100}
PATIENCE=${PATIENCE:-20}
sets=$1; shift

# recipe name -> reproduce options (methods first)
recipe_options() {
  local both="--methods tl-finetune,tl-modfinetune"
  case $1 in
    constant)      echo "$both" ;;
    plateau)       echo "$both --lr-schedule plateau --lr-factor 0.3 --lr-patience 5" ;;
    cosine)        echo "$both --lr-schedule cosine --warmup-epochs 2 --final-lr 1e-6" ;;
    dropout)       echo "$both --keep-probabilities 0.8,0.9,0.7,0.8" ;;
    dropout-plateau) echo "$both --keep-probabilities 0.8,0.9,0.7,0.8 --lr-schedule plateau --lr-factor 0.3 --lr-patience 5" ;;
    l2sp-1)        echo "$both --l2-sp 1" ;;
    l2sp-10)       echo "$both --l2-sp 10" ;;
    l2sp-100)      echo "$both --l2-sp 100" ;;
    wd-1)          echo "$both --weight-decay 1" ;;
    trunk-0.1)     echo "$both --trunk-lr-scale 0.1" ;;
    trunk-0.3)     echo "$both --trunk-lr-scale 0.3" ;;
    lpft-5)        echo "--methods tl-modfinetune --head-epochs 5" ;;
    lr-3e-4)       echo "$both --lr 3e-4" ;;
    lr-3e-5)       echo "$both --lr 3e-5" ;;
    batch128)      echo "$both --batch-size 128 --lr 2e-4" ;;
    src-bandgap)   echo "$both --source models/elemnet-oqmd-bandgap" ;;
    *) echo "unknown recipe '$1'" >&2; return 2 ;;
  esac
}

for recipe in "$@"; do
  opts=$(recipe_options "$recipe")
  budget="--large-max-epochs $MAX_EPOCHS --large-patience $PATIENCE"
  # cosine needs a known horizon: it decays to --final-lr at the epoch limit
  [[ $recipe == cosine ]] && budget="--large-max-epochs 60 --large-patience 60 --max-epochs 60 --patience 60"
  for set in ${sets//,/ }; do
    mkdir -p "runs/trials/$recipe/$set"
    # the grid's split, so a trial is comparable with the committed results
    cp -n "results/$set/splits.json" "runs/trials/$recipe/$set/" 2>/dev/null || true
    echo "== $recipe $set" >&2
    # shellcheck disable=SC2086
    $CPILGPU reproduce --datasets "$set" $opts --results "runs/trials/$recipe" --work "runs/trials/work-$recipe" \
      --device cpu --large-rows "${LARGE_ROWS:-0}" $budget
  done
done
