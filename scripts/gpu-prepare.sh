#!/usr/bin/env bash
# scripts/gpu-prepare.sh: run on a CPU machine (x86-64 Linux, Debian/Ubuntu), in the repository, BEFORE a GPU run.
#
# Fills .gl/ (git-ignored) with what a bare GPU host lacks, for the device tool to carry (carry: [".gl"]):
#   .gl/libvulkan1_*.deb     the Vulkan loader, downloaded with `apt-get download` (no install here)
#   .gl/vulkan/              the same package unpacked with `dpkg -x` (usr/lib/x86_64-linux-gnu/libvulkan.so.1)
#   .gl/runtime.tar.xz       Node (this machine's binary) and the GPU runner bundled as plain JavaScript with
#                            onnxruntime-node's linux/x64 binaries (scripts/gpu-bundle.ts): the GPU host has no
#                            node_modules and no network
#   .gl/MANIFEST.txt         what is in it, with sizes and versions
# Then on the GPU host: bash scripts/gpu-run.sh "$OUT" (see README, "GPU").
set -euo pipefail
cd "$(dirname "$0")/.."
GL=.gl
mkdir -p "$GL"

echo "gpu-prepare: Vulkan loader"
if ! ls "$GL"/libvulkan1_*.deb >/dev/null 2>&1; then
  lists=/tmp/favor-apt-amd64
  mkdir -p "$lists/partial"
  apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
  apt-get "${apt_opts[@]}" update -qq || echo "gpu-prepare: apt-get update failed; trying the lists already there"
  (cd "$GL" && apt-get "${apt_opts[@]}" download libvulkan1) || (cd "$GL" && apt-get download libvulkan1)
fi
deb=$(ls "$GL"/libvulkan1_*.deb | head -n1)
rm -rf "$GL/vulkan"
dpkg -x "$deb" "$GL/vulkan"
loader=$(find "$GL/vulkan" -name 'libvulkan.so.1' | head -n1)
[ -n "$loader" ] || { echo "gpu-prepare: $deb holds no libvulkan.so.1" >&2; exit 1; }

echo "gpu-prepare: Node and the bundled runner"
node_bin=$(command -v node)
case "$(uname -m)" in x86_64) ;; *) echo "gpu-prepare: this machine is $(uname -m); the GPU host is x86-64: run this on an x86-64 machine" >&2; exit 1 ;; esac
stage=$(mktemp -d /tmp/favor-gpu-stage.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/node/bin"
cp "$(readlink -f "$node_bin")" "$stage/node/bin/node"
npx tsx scripts/gpu-bundle.ts "$stage/favor" >/dev/null
tar -C "$stage" -cf - node favor | xz -T0 -6 > "$GL/runtime.tar.xz.partial"
mv "$GL/runtime.tar.xz.partial" "$GL/runtime.tar.xz"

{
  echo "prepared $(date -u +%FT%TZ) on $(uname -srm)"
  echo "vulkan loader: $(basename "$deb") -> ${loader#"$GL/"}"
  echo "node: $("$node_bin" --version) ($(readlink -f "$node_bin"))"
  echo "onnxruntime-node: $(node -p 'require("onnxruntime-node/package.json").version' 2>/dev/null || echo '?')"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
  du -sh "$GL"/* | sed 's/^/size: /'
} > "$GL/MANIFEST.txt"
cat "$GL/MANIFEST.txt"

# The device tool carries at most 64 MiB: the working tree and .gl together.
tree=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -n1 | cut -f1)
gl=$(du -sb "$GL" | cut -f1)
total=$(( (tree + gl) / 1048576 ))
echo "gpu-prepare: working tree + .gl = ${total} MiB (limit 64)"
[ "$total" -lt 64 ] || { echo "gpu-prepare: too large to carry" >&2; exit 1; }
