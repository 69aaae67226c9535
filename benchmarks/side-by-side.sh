# Sourced by compare-torch.sh and compare-blas.sh: Debian's python (the peers need its torch and
# numpy with OpenBLAS), a scratch folder removed on exit, and a fresh Release build of the
# benchmarks, whose entry point is then "$bench".
python=/usr/bin/python3
[ -x "$python" ] || python=python3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "building …" >&2
dotnet build benchmarks/CrossPropertyILGPU.Benchmarks -c Release -v q -nologo >&2
bench=benchmarks/CrossPropertyILGPU.Benchmarks/bin/Release/net10.0/CrossPropertyILGPU.Benchmarks.dll
