#!/usr/bin/env bash
# Prepares .carry/ for scripts/device/gpu-checks.sh, here, in the repository that the GPU machine will get
# (the device tool sends the working tree; .carry/ is git-ignored and travels because the call names it):
#   .carry/node.xz               this machine's node binary (an official build: it needs only glibc)
#   .carry/node_modules.tar.xz   node_modules without the dev-only tools (Biome, TypeScript, @types)
#   .carry/dist.tar.xz           the built dist/ (the bundled CLI the trainer smoke test and the bench run)
# About 34 MiB in all (the tool carries 64 MiB with the working tree). Then, for the device tool:
#   run(command="bash scripts/device/gpu-checks.sh", carry=[".carry"], timeout_s=600)
set -euo pipefail
cd "$(dirname "$0")/../.."
exclude="$(git rev-parse --git-path info/exclude)"
mkdir -p "$(dirname "$exclude")"
grep -qx '/.carry/' "$exclude" 2>/dev/null || echo '/.carry/' >> "$exclude"
node_bin="$(command -v node)"
if ldd "$node_bin" | grep -q 'libnode\|libuv\|libssl'; then
  echo "prepare-carry: $node_bin is linked against this distribution's libraries; use an official Node build" >&2
  exit 1
fi
[ -f node_modules/cmake-js/bin/cmake-js ] || { echo "prepare-carry: run npm ci first" >&2; exit 1; }
npm run build > /dev/null
rm -rf .carry && mkdir -p .carry
xz -T0 -6 -c "$node_bin" > .carry/node.xz
tar -cf - --exclude=node_modules/@biomejs --exclude=node_modules/typescript --exclude=node_modules/@types \
  node_modules | xz -T0 -6 > .carry/node_modules.tar.xz
tar -cf - dist | xz -T0 -6 > .carry/dist.tar.xz
du -sh .carry/* .carry
