#!/usr/bin/env bash
# Manual packaging check (not run by `dotnet test`: it packs the whole solution and installs a tool):
# packs the libraries and the CLI into a temporary folder, installs the `dgl` tool into a temporary tool path
# (never globally) and runs it offline on the built-in synthetic data set.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dotnet pack Dgl.slnx -c Release -o "$work/artifacts" >/dev/null
ls "$work/artifacts"
for p in Dgl.Tensors Dgl Dgl.Data Dgl.Cli; do
  test -f "$work/artifacts/$p.1.0.0.nupkg" && test -f "$work/artifacts/$p.1.0.0.snupkg"
done
dotnet tool install --tool-path "$work/tool" --add-source "$work/artifacts" Dgl.Cli >/dev/null
cd "$work"
DGL_DOWNLOAD_DIR="$work/cache" "$work/tool/dgl" train --epochs 5 --out "$work/run" --no-progress
test -f "$work/run/model.safetensors" && test -f "$work/run/report.html"
echo "pack-and-install: ok"
