#!/usr/bin/env bash
# The GPU checks in one call (issue 15, item 8), for a machine with CUDA, CMake, a compiler and a CUDA PyTorch
# in python3, but no Node and no registry: node and node_modules come from .carry/ (scripts/device/
# prepare-carry.sh). Builds the CUDA addon against that PyTorch (LIBTORCH_USE_PYTORCH=1), then runs every
# test file that has CUDA bodies, the NCCL DDP smoke tests (one GPU: a one-rank NCCL group, and `kiln train
# trainer=ddp` on the GPU), and the GPU bench (Trainer vs C++ vs PyTorch eager, fp32 and bf16-mixed).
# Everything lands in $OUT (default ./gpu-out), at most 8 files: steps.log (each step's exit code and
# time), build.log, tests.log, ddp.log, bench.log, bench-fp32.json, bench-bf16.json, summary.json.
# Each step has its own time limit, so the whole script ends within about 9 minutes on 16 cores.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/gpu-out}"
mkdir -p "$OUT"
: > "$OUT/steps.log"
start=$(date +%s)

# step NAME LIMIT_S LOG -- command...: runs the command under a time limit, appends its output to LOG.
step() {
  local name=$1 limit=$2 log=$3
  shift 4
  local t0=$(date +%s)
  echo "== $name ($(date -u +%T))" >> "$OUT/$log"
  timeout --kill-after=10 "$limit" "$@" >> "$OUT/$log" 2>&1
  local rc=$?
  echo "$name rc=$rc ${limit}s-limit took=$(( $(date +%s) - t0 ))s" | tee -a "$OUT/steps.log"
  return $rc
}

unpack() {
  mkdir -p .carry/bin
  xz -dc .carry/node.xz > .carry/bin/node && chmod +x .carry/bin/node
  tar -xJf .carry/node_modules.tar.xz
  tar -xJf .carry/dist.tar.xz
}
step unpack 120 build.log -- unpack
export PATH="$PWD/.carry/bin:$PATH"
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c 'import torch; print("python torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())'
  node -v; cmake --version | head -1; nproc
} >> "$OUT/build.log" 2>&1

export LIBTORCH_USE_PYTORCH=1 CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)"
step build 240 build.log -- node scripts/build-cuda-addon.mjs
export KILN_NATIVE_ADDON="$PWD/build/cuda/Release/kiln_native.node"
export KILN_LIBTORCH_DIR="$PWD/build/cuda-libtorch" KILN_PYTHON=python3 KILN_NUM_THREADS=1

# Every test file with a CUDA body (testOnDevices, or a test that asks for CUDA itself).
mapfile -t files < <(grep -rlE 'testOnDevices|cuda\.isAvailable|"cuda"' tests --include='*.test.ts' | sort)
step tests 170 tests.log -- node scripts/run-tests.mjs "${files[@]}"

# NCCL DDP: the torch-level smoke test, then the template trained with trainer=ddp on the one GPU.
step nccl-torch 60 ddp.log -- node --import tsx --test tests/torch/distributed/nccl.test.ts
step nccl-trainer 90 ddp.log -- node bin/kiln.js train trainer=ddp trainer.devices=1 data.source=bundled \
  trainer.max_epochs=1 +trainer.limit_train_batches=30 +trainer.limit_val_batches=5 test=false \
  logger=csv extras.print_config=false "hydra.run.dir=$PWD/gpu-run"

step bench-fp32 100 bench.log -- node --import tsx scripts/bench/run.ts --device cuda --only throughput \
  --quick --precision 32-true --json "$OUT/bench-fp32.json"
step bench-bf16 100 bench.log -- node --import tsx scripts/bench/run.ts --device cuda --only throughput \
  --quick --precision bf16-mixed --no-build --json "$OUT/bench-bf16.json"

python3 - "$OUT" "$(( $(date +%s) - start ))" <<'PY' > "$OUT/summary.json"
import json, re, sys
out, wall = sys.argv[1], int(sys.argv[2])
steps = {}
for line in open(f"{out}/steps.log"):
    m = re.match(r"(\S+) rc=(\d+) \S+ took=(\d+)s", line)
    if m: steps[m[1]] = {"rc": int(m[2]), "s": int(m[3])}
tap = open(f"{out}/tests.log").read()
count = lambda k: sum(int(n) for n in re.findall(rf"^# {k} (\d+)", tap, re.M))
cuda_skips = re.findall(r"^ok \d+ - (.*\[cuda\]) # SKIP (.*)$", tap, re.M)
print(json.dumps({"wall_s": wall, "steps": steps,
                  "tests": {"pass": count("pass"), "fail": count("fail"), "skipped": count("skipped"),
                            "cuda_bodies_skipped": [f"{n}: {w}" for n, w in cuda_skips][:20],
                            "failed": re.findall(r"^not ok \d+ - (.*)$", tap, re.M)[:40]}}, indent=1))
PY
cat "$OUT/summary.json"
