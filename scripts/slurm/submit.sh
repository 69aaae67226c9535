#!/usr/bin/env bash
# Submits the paper grid to Slurm: a job array of N tasks (reproduce.sbatch, or reproduce-gpu.sbatch
# with --gpu), each running its share of the (data set, method) pairs, and the report job
# (report.sbatch) with --dependency=afterok on the array: once every task has succeeded it derives
# the ensembles and writes the report. README, section "Many machines".
#
# Usage: scripts/slurm/submit.sh [--tasks N] [--gpu] [--wait] [--report-after ok|any]
#                                [--report-output FILE] [--logs DIR] [sbatch options...] -- [reproduce options...]
#   --tasks N             array tasks (default 4); the results folder records N, and a later
#                         submission of the same grid must use the same N (or delete the record)
#   --gpu                 one GPU per task (reproduce-gpu.sbatch); default CPUs (reproduce.sbatch)
#   --wait                return when the report job ends, with its exit status; if a task fails,
#                         the report can never start: it is cancelled and the status is 1
#   --report-after ok|any ok (default): the report job starts once every task has succeeded
#                         (afterok); a task with a failed method (exit code 1, e.g. the physical
#                         attributes missing) holds it back. any: once every task has ended, however
#                         (afterany): pairs still missing then run in the report job, on its one core
#   --report-output FILE  the report's file (default docs/results.md)
#   --logs DIR            the jobs' logs (default runs/slurm): <job name>-<array job>_<task>.log
#                         per array task, cpilgpu-report-<job>.log for the report job
#   sbatch options        passed to both sbatch calls, e.g. --partition=long --account=proj
#                         --cpus-per-task=4 --time=12:00:00 (they override the scripts' #SBATCH lines)
#   reproduce options     the grid, as `reproduce` takes them, e.g. --datasets all --max-epochs 300
# Relative paths, here and in the reproduce options, are from the checkout's root, the jobs'
# working directory. Running it again with the same options resumes the grid: finished pairs are
# skipped.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tasks=4 gpu=0 wait=0 report_after=ok report_output=docs/results.md logs=runs/slurm
sbatch_options=()
while (( $# > 0 )); do
    case "$1" in
        --tasks) tasks="${2:?--tasks needs a number}"; shift 2 ;;
        --tasks=*) tasks="${1#*=}"; shift ;;
        --gpu) gpu=1; shift ;;
        --wait) wait=1; shift ;;
        --report-after) report_after="${2:?--report-after needs ok or any}"; shift 2 ;;
        --report-after=*) report_after="${1#*=}"; shift ;;
        --report-output) report_output="${2:?--report-output needs a file}"; shift 2 ;;
        --report-output=*) report_output="${1#*=}"; shift ;;
        --logs) logs="${2:?--logs needs a folder}"; shift 2 ;;
        --logs=*) logs="${1#*=}"; shift ;;
        --) shift; break ;;
        *) sbatch_options+=("$1"); shift ;;
    esac
done
if ! [[ "$tasks" =~ ^[0-9]+$ ]] || (( tasks < 1 )); then
    echo "error: --tasks $tasks: must be a whole number, 1 or more" >&2
    exit 2
fi
if [[ "$report_after" != ok && "$report_after" != any ]]; then
    echo "error: --report-after $report_after: use ok or any" >&2
    exit 2
fi
for argument in "$@"; do
    if [[ "$argument" == --task-index* || "$argument" == --task-count* ]]; then
        echo "error: $argument: submit.sh deals the grid itself (--tasks); give the other reproduce options only" >&2
        exit 2
    fi
done
command -v sbatch > /dev/null || { echo "error: sbatch not found: run this on a Slurm login node" >&2; exit 2; }

cd "$root"
mkdir -p "$logs" # Slurm does not create the folders of --output
script=scripts/slurm/reproduce.sbatch
(( gpu )) && script=scripts/slurm/reproduce-gpu.sbatch
# The array's task IDs are the tasks' indices: 0 to N-1.
array_job=$(sbatch --parsable --chdir="$root" --array="0-$((tasks - 1))" --output="$logs/%x-%A_%a.log" \
    "${sbatch_options[@]}" "$script" "$@")
array_job="${array_job%%;*}"
report_job=$(REPORT_OUTPUT="$report_output" sbatch --parsable --chdir="$root" --dependency="after$report_after:$array_job" \
    --output="$logs/%x-%j.log" --export=ALL "${sbatch_options[@]}" scripts/slurm/report.sbatch "$@")
report_job="${report_job%%;*}"
echo "array job $array_job: $tasks task(s) of $script, logs $logs/*-${array_job}_<task>.log"
echo "report job $report_job: after the array (after$report_after), log $logs/cpilgpu-report-$report_job.log, report $report_output"
(( wait )) || exit 0

# Waits for the report job; one that can never start (a task failed) is cancelled instead of
# waited on for ever (clusters without DependencyParameters=kill_invalid_depend keep it pending).
while true; do
    state=$(squeue --noheader --jobs="$report_job" --format="%T %r" 2> /dev/null || true)
    if [[ -z "$state" ]]; then
        break
    fi
    if [[ "$state" == *DependencyNeverSatisfied* ]]; then
        scancel "$report_job"
        echo "error: a task of array job $array_job failed (see its log), so report job $report_job was cancelled; submit again with the same options to resume" >&2
        exit 1
    fi
    sleep 2
done
# squeue has forgotten the job: its end state from the controller (kept MinJobAge, 300 s by default).
exit_code=$(scontrol show job "$report_job" 2> /dev/null | grep -o ' ExitCode=[0-9]*' | head -1 | cut -d= -f2 || true)
job_state=$(scontrol show job "$report_job" 2> /dev/null | grep -o 'JobState=[A-Z_]*' | head -1 | cut -d= -f2 || true)
echo "report job $report_job: ${job_state:-ended} (exit code ${exit_code:-unknown})"
[[ "$job_state" == COMPLETED ]]
