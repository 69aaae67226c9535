#!/usr/bin/env bash
# Builds what a GPU machine without .NET needs (ILGPU.md §8) and packs it with the repository's
# tracked files into one archive:
#   gpu-pub/cli         the cpilgpu CLI            (self-contained linux-x64, never trimmed or AOT)
#   gpu-pub/tests/*     the Kernels and Cli test assemblies, runnable as programs
#   gpu-pub/benchmarks  the benchmark program      (its `gpu` verb)
#   gpu-pub/gpu-run.sh  the script to run there
# Usage (on a machine with the .NET 10 SDK):
#   benchmarks/gpu-publish.sh            # -> gpu-bundle.tar.xz at the repository root
# On the GPU machine:
#   mkdir cpilgpu && tar -xJf gpu-bundle.tar.xz -C cpilgpu && cpilgpu/gpu-pub/gpu-run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

out=gpu-pub
rm -rf "$out"
publish() { # project output [msbuild properties]
    dotnet publish "$1" -c Release -r linux-x64 --self-contained -p:PublishTrimmed=false -v q -nologo -o "$2" "${@:3}"
}
publish src/Cli "$out/cli"
# The test SDK turns the apphost off; the GPU machine has no dotnet to start a dll with.
publish tests/CrossPropertyILGPU.Kernels.Tests "$out/tests/Kernels" -p:UseAppHost=true
publish tests/CrossPropertyILGPU.Cli.Tests "$out/tests/Cli" -p:UseAppHost=true
publish benchmarks/CrossPropertyILGPU.Benchmarks "$out/benchmarks"
cp benchmarks/gpu-run.sh "$out/gpu-run.sh"

# The tests find data/ and the .sln by walking up from their binaries: ship the tracked tree too.
bundle=gpu-bundle.tar
git archive --format=tar -o "$bundle" HEAD
tar -rf "$bundle" "$out"
rm -f "$bundle.xz"
xz -T0 -6 "$bundle"
du -sh "$out" "$bundle.xz"
