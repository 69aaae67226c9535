# Sourced by the Slurm job scripts of this folder (never run on its own). A job runs in the root of
# the checkout whose data/, models/ and results/ the grid uses: submit.sh submits with --chdir
# there, and sbatch runs a copy of the job script, so files are found from the working directory.

# The CLI, as an array: $CPILGPU when set (a command, split at spaces, e.g.
# "dotnet /opt/cpilgpu/cpilgpu.dll"), else this checkout's Release build, else the GPU bundle
# unpacked in it (benchmarks/gpu-publish.sh --no-tree), which needs no .NET on the node.
cpilgpu=()
if [[ -n "${CPILGPU:-}" ]]; then
    read -r -a cpilgpu <<< "$CPILGPU"
elif [[ -f src/Cli/bin/Release/net10.0/cpilgpu.dll ]]; then
    cpilgpu=(dotnet src/Cli/bin/Release/net10.0/cpilgpu.dll)
elif [[ -x gpu-pub/bin/cpilgpu ]]; then
    cpilgpu=(gpu-pub/bin/cpilgpu)
    [[ -x gpu-pub/dotnet/dotnet ]] && export DOTNET_ROOT="$PWD/gpu-pub/dotnet"
else
    echo "error: no CLI in $PWD: build it first (dotnet build -c Release src/Cli), unpack the GPU bundle here, or set CPILGPU" >&2
    exit 2
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The engine sizes its thread pool from the processor count, which on nodes without CPU binding is
# every core of the node: held to the cores Slurm gave the job, tasks sharing a node do not
# oversubscribe it.
if [[ -n "${SLURM_CPUS_PER_TASK:-}" ]]; then
    export DOTNET_PROCESSOR_COUNT="$SLURM_CPUS_PER_TASK"
fi

# True when the reproduce options "$@" (from the second argument on) set option $1, in either
# spelling (--device cpu, --device=cpu): the scripts' defaults are added only where the user gave
# none, since the CLI refuses an option given twice.
has_option() {
    local name="$1" argument
    shift
    for argument in "$@"; do
        [[ "$argument" == "$name" || "$argument" == "$name="* ]] && return 0
    done
    return 1
}

echo "$(date -u '+%Y-%m-%d %H:%M:%S') UTC: job ${SLURM_JOB_ID:-?}${SLURM_ARRAY_TASK_ID:+, array ${SLURM_ARRAY_JOB_ID:-?} task $SLURM_ARRAY_TASK_ID of ${SLURM_ARRAY_TASK_COUNT:-?}} on $(hostname), ${DOTNET_PROCESSOR_COUNT:-all} core(s), in $PWD: ${cpilgpu[*]}"
