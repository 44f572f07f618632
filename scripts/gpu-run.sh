#!/usr/bin/env bash
# scripts/gpu-run.sh <outdir>: the whole GPU check in one call (at most 8 minutes) on a GPU host, in the repository,
# with .gl/ from scripts/gpu-prepare.sh carried along. With the device tool:
#   run(command: "bash scripts/gpu-run.sh $OUT", carry: [".gl"], timeout_s: 540)
#
#  1. unpacks the carried runtime (Node + the bundled runner) unless this host has Node and node_modules;
#  2. puts the carried Vulkan loader on LD_LIBRARY_PATH unless the system has one, and points VK_DRIVER_FILES at
#     the NVIDIA driver's nvidia_icd.json when it is unset;
#  3. checks the WebGPU adapter (check.json);
#  4. calibration: PyTorch eager fp32 throughput of timm's ViT-S/16 at 224 on the same GPU (calibration.json);
#  5. measures the zoo at 224 px on webgpu, Pareto-front models first, the rest as time allows
#     (measurements/<device>.json, status.json, summary.txt); all output also in gpu-run.log.
# Environment: FAVOR_GPU_BUDGET_S (default 420: the script ends within it plus 40 s, a cell in flight at the end), FAVOR_GPU_PROVIDER (default webgpu),
# FAVOR_GPU_CALIBRATION_S (default 70), FAVOR_GPU_MODELS (comma list instead of the zoo); for a dry run on a CPU
# (test/scripts/gpu-run.test.ts): FAVOR_GPU_RESOLUTION, FAVOR_GPU_METRICS (comma list), FAVOR_GPU_SETTINGS (JSON).
set -uo pipefail
OUT=${1:?usage: scripts/gpu-run.sh <outdir>}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
exec > >(tee -a "$OUT/gpu-run.log") 2>&1
# Let tee write the last lines before the device tool collects $OUT.
trap 'sleep 0.5' EXIT
BUDGET=${FAVOR_GPU_BUDGET_S:-420}
PROVIDER=${FAVOR_GPU_PROVIDER:-webgpu}
CAL_S=${FAVOR_GPU_CALIBRATION_S:-70}
left() { echo $(( BUDGET - SECONDS )); }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GL="$ROOT/.gl"
cd "$ROOT"
echo "gpu-run: $(date -u +%FT%TZ) on $(uname -srm); budget ${BUDGET} s; provider ${PROVIDER}"
[ -f "$GL/MANIFEST.txt" ] && sed 's/^/gpu-run: carried /' "$GL/MANIFEST.txt"

# 1. Node and the runner.
if [ -f "$GL/runtime.tar.xz" ]; then
  RT=/tmp/favor-gpu-runtime
  rm -rf "$RT" && mkdir -p "$RT"
  if command -v xz >/dev/null; then
    xz -dc "$GL/runtime.tar.xz" | tar -C "$RT" -xf -
  else
    # No xz-utils: Python's lzma reads it too.
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$GL/runtime.tar.xz" "$RT"
  fi || { echo "gpu-run: cannot unpack .gl/runtime.tar.xz" >&2; exit 2; }
  chmod +x "$RT/node/bin/node"
  NODE="$RT/node/bin/node"
  RUNNER=("$NODE" "$RT/favor/dist/gpu-measure.mjs")
elif command -v node >/dev/null && [ -d "$ROOT/node_modules/onnxruntime-node" ]; then
  NODE=$(command -v node)
  RUNNER=(npx tsx scripts/gpu-measure.ts)
else
  echo "gpu-run: no Node here and no .gl/runtime.tar.xz: run scripts/gpu-prepare.sh on a CPU machine and carry .gl" >&2
  exit 2
fi
echo "gpu-run: node $("$NODE" --version), runner: ${RUNNER[*]}"

# 2. Vulkan loader and the NVIDIA driver's ICD.
if ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1 ' >/dev/null; then
  echo "gpu-run: system Vulkan loader: $(ldconfig -p | grep 'libvulkan\.so\.1 ' | head -n1 | sed 's/.*=> //')"
else
  libdir=$(dirname "$(find "$GL/vulkan" -name 'libvulkan.so.1' 2>/dev/null | head -n1)" 2>/dev/null)
  if [ -z "$libdir" ] || [ "$libdir" = "." ]; then
    deb=$(ls "$GL"/libvulkan1_*.deb 2>/dev/null | head -n1)
    if [ -n "$deb" ]; then
      mkdir -p /tmp/favor-gpu-vulkan && dpkg -x "$deb" /tmp/favor-gpu-vulkan
      libdir=$(dirname "$(find /tmp/favor-gpu-vulkan -name 'libvulkan.so.1' | head -n1)")
    fi
  fi
  if [ -n "$libdir" ] && [ "$libdir" != "." ]; then
    export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "gpu-run: carried Vulkan loader on LD_LIBRARY_PATH: $libdir"
  else
    echo "gpu-run: no Vulkan loader here or in .gl: WebGPU will report it missing"
  fi
fi
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
done
if [ -z "${VK_DRIVER_FILES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
           /etc/vulkan/icd.d/nvidia_icd.json /usr/local/share/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then export VK_DRIVER_FILES="$f"; break; fi
  done
fi
echo "gpu-run: VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
[ -n "${VK_DRIVER_FILES:-}" ] && sed 's/^/gpu-run: icd: /' "$VK_DRIVER_FILES"
nvidia-smi --query-gpu=index,name,driver_version,memory.total,memory.used --format=csv 2>&1 | sed 's/^/gpu-run: nvidia-smi: /'

# 3. The adapter.
"${RUNNER[@]}" --check --provider "$PROVIDER" > "$OUT/check.json"
check=$?
echo "gpu-run: adapter check exit $check: $(grep -m1 '"chosen"' "$OUT/check.json")"

# 4. Calibration (PyTorch eager fp32), bounded.
if command -v python3 >/dev/null; then
  timeout $(( CAL_S + 30 )) python3 scripts/calibrate-torch.py --budget-s "$CAL_S" > "$OUT/calibration.json" \
    || echo "gpu-run: calibration exit $?"
  echo "gpu-run: calibration: $(cat "$OUT/calibration.json" 2>/dev/null | head -c 400)"
else
  echo '{"error": "no python3 on this host"}' > "$OUT/calibration.json"
fi

# 5. The zoo on the GPU, within what is left (20 s kept for writing and the transfer back).
if [ "$check" -ne 0 ]; then
  echo "gpu-run: $PROVIDER cannot run here; see check.json. No figures measured."
  "${RUNNER[@]}" --out "$OUT" --provider "$PROVIDER" --budget-s 1 --models "ViT-Ti/16" >/dev/null 2>&1
  exit 3
fi
budget=$(( $(left) - 20 ))
echo "gpu-run: measuring for ${budget} s"
extra=()
[ -n "${FAVOR_GPU_MODELS:-}" ] && extra+=(--models "$FAVOR_GPU_MODELS")
[ -n "${FAVOR_GPU_METRICS:-}" ] && extra+=(--metrics "$FAVOR_GPU_METRICS")
[ -n "${FAVOR_GPU_SETTINGS:-}" ] && extra+=(--settings "$FAVOR_GPU_SETTINGS")
timeout $(( budget + 40 )) "${RUNNER[@]}" --out "$OUT" --provider "$PROVIDER" \
  --resolution "${FAVOR_GPU_RESOLUTION:-224}" --budget-s "$budget" --calibration "$OUT/calibration.json" "${extra[@]}"
rc=$?
echo "gpu-run: measurement exit $rc after ${SECONDS} s"
[ -f "$OUT/summary.txt" ] && cat "$OUT/summary.txt"
exit $rc
