#!/usr/bin/env bash
# Builds what a GPU machine without .NET needs (docs/ILGPU.md §8) and packs it into archives:
#   gpu-pub/dotnet      the .NET runtime this SDK runs on, once (host, fxr, Microsoft.NETCore.App)
#   gpu-pub/bin         the cpilgpu CLI, the Kernels, Network and Cli test assemblies (runnable as programs)
#                       and the benchmark program, linux-x64, never trimmed or AOT-compiled
#   gpu-pub/gpu-run.sh  the script to run there: device check, Gpu tests, GPU benchmarks
#   gpu-pub/gpu-grid.sh the paper grid on that machine, several processes sharing the GPU
# The four programs are framework-dependent, published into one folder and started through the one
# runtime (gpu-run.sh points DOTNET_ROOT at it): four self-contained copies made the archive five
# times larger. Code-coverage and disassembler files the test SDK and BenchmarkDotNet bring for
# other platforms and tools are left out.
# Usage (on a machine with the .NET 10 SDK):
#   benchmarks/gpu-publish.sh            # -> gpu-bundle.tar.xz: the tracked files and gpu-pub
#   benchmarks/gpu-publish.sh --no-tree  # -> gpu-bundle.tar.xz: gpu-pub alone, to unpack in the root
#                                        #    of a checkout of the same commit (the tests read data/)
#   benchmarks/gpu-publish.sh --no-tree --split
#                                        # -> gpu-runtime.tar.xz (gpu-pub/dotnet, about 25 MB) and
#                                        #    gpu-bundle.tar.xz (the rest, about 15 MB), for a transfer
#                                        #    that limits each trip's size
# On the GPU machine:
#   mkdir cpilgpu && tar -xJf gpu-bundle.tar.xz -C cpilgpu && cpilgpu/gpu-pub/gpu-run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
with_tree=1 split=0
for arg in "$@"; do
    case "$arg" in
        --no-tree) with_tree=0 ;;
        --split) split=1 ;;
        *) echo "gpu-publish.sh: unknown option '$arg' (expected --no-tree, --split)" >&2; exit 2 ;;
    esac
done

out=gpu-pub
rm -rf "$out"
publish() { # project
    dotnet publish "$1" -c Release -r linux-x64 --self-contained false -p:UseAppHost=true \
        -p:PublishTrimmed=false -p:DebugType=none -p:GenerateDocumentationFile=false \
        -v q -nologo -o "$out/bin"
}
publish src/Cli
publish tests/CrossPropertyILGPU.Kernels.Tests
publish tests/CrossPropertyILGPU.Network.Tests
publish tests/CrossPropertyILGPU.Cli.Tests
publish benchmarks/CrossPropertyILGPU.Benchmarks
(cd "$out/bin" && rm -rf Microsoft.CodeCoverage amd64 x86 arm64 ./*.dbg ./*.dylib ./*.pdb ./*.xml)
cp benchmarks/gpu-run.sh benchmarks/gpu-grid.sh "$out/"

# The runtime the programs were built against: the newest one beside the dotnet that built them.
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
runtime="$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { v = $2 } END { print v }')"
mkdir -p "$out/dotnet/shared/Microsoft.NETCore.App" "$out/dotnet/host/fxr"
cp "$dotnet_root/dotnet" "$out/dotnet/"
cp -r "$dotnet_root/host/fxr/$runtime" "$out/dotnet/host/fxr/"
cp -r "$dotnet_root/shared/Microsoft.NETCore.App/$runtime" "$out/dotnet/shared/Microsoft.NETCore.App/"

pack() { # archive paths...: one tar.xz
    local archive="$1"; shift
    rm -f "$archive"
    tar -cf - "$@" | xz -T0 -9 > "$archive"
}
rm -f gpu-bundle.tar gpu-bundle.tar.xz gpu-runtime.tar.xz
parts=("$out")
if (( split )); then
    pack gpu-runtime.tar.xz "$out/dotnet"
    parts=("$out/bin" "$out/gpu-run.sh" "$out/gpu-grid.sh")
fi
if (( with_tree )); then
    git archive --format=tar -o gpu-bundle.tar HEAD
    tar -rf gpu-bundle.tar "${parts[@]}"
    xz -T0 -9 gpu-bundle.tar
else
    pack gpu-bundle.tar.xz "${parts[@]}"
fi
du -sh "$out" gpu-*.tar.xz
