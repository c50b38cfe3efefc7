// The four places libtorch can come from (README.md, "How libtorch is found"), each a function that returns a usable root or throws
// an Error whose message says why that source did not work.
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extractZip, installIntoCache, isLibtorchRoot } from "./cache.mjs";

/** Pinned libtorch versions per variant; the CUDA builds on the local mirror are newer than the CPU one. */
export const PINNED = {
  cpu: { version: "2.13.0", archiveSha256: null },
  cu130: { version: "2.14.1", archiveSha256: null },
};

/** Variant from KILN_CUDA (unset or "cpu" = cpu; e.g. "cu130" = CUDA 13.0). */
export function selectedVariant(env = process.env) {
  const v = (env.KILN_CUDA ?? "").trim().toLowerCase();
  if (v === "" || v === "0" || v === "cpu") return "cpu";
  if (!/^cu\d{3}$/.test(v))
    throw new Error(`KILN_CUDA=${env.KILN_CUDA} is not a CUDA variant like cu130 (or cpu)`);
  return v;
}

/** Version for a variant: KILN_TORCH_VERSION overrides the pin. */
export function selectedVersion(variant, env = process.env) {
  return env.KILN_TORCH_VERSION || (PINNED[variant] ?? PINNED.cu130).version;
}

/** Source 1: LIBTORCH=/path, an unpacked libtorch. */
export function fromEnvPath(env) {
  if (!env.LIBTORCH) throw new Error("LIBTORCH is not set");
  const why = isLibtorchRoot(env.LIBTORCH);
  if (why) throw new Error(`LIBTORCH=${env.LIBTORCH}: ${why}`);
  return { root: env.LIBTORCH, source: "LIBTORCH", detail: env.LIBTORCH };
}

/** Source 2: LIBTORCH_USE_PYTORCH=1, the libtorch inside the Python torch that python3 imports. */
export function fromPythonTorch(env) {
  if (env.LIBTORCH_USE_PYTORCH !== "1") throw new Error("LIBTORCH_USE_PYTORCH is not 1");
  const python = env.PYTHON || "python3";
  const r = spawnSync(python, ["-c", "import torch, os; print(os.path.dirname(torch.__file__))"], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.error) throw new Error(`${python} could not run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${python} -c 'import torch' failed: ${lastLine(r.stderr)}`);
  const root = r.stdout.trim();
  const why = isLibtorchRoot(root);
  if (why) throw new Error(`the Python torch at ${root}: ${why}`);
  return { root, source: "LIBTORCH_USE_PYTORCH", detail: `${python}: ${root}` };
}

/** Official archive URL (cxx11 ABI, shared with deps) for a version and variant. */
export function archiveUrl(version, variant) {
  return `https://download.pytorch.org/libtorch/${variant}/libtorch-shared-with-deps-${version}%2B${variant}.zip`;
}

/** Source 3: the official libtorch archive, downloaded into the cache. */
export async function fromArchive({ version, variant, cacheDir, env }) {
  const url = env.KILN_LIBTORCH_URL || archiveUrl(version, variant);
  const timeoutMs = Number(env.KILN_FETCH_TIMEOUT_MS || 5000);
  let res;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = e.cause?.code ?? e.cause?.message ?? e.name;
    throw new Error(`${url}: ${e.message} (${cause}) within ${timeoutMs} ms`);
  }
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return installIntoCache(cacheDir, async (tmp) => {
    const zip = join(tmp, "libtorch.zip");
    await pipeline(Readable.fromWeb(res.body), createWriteStream(zip));
    const expected = PINNED[variant]?.archiveSha256;
    if (expected) verifySha256(zip, expected);
    extractZip(zip, tmp, ["libtorch/lib/", "libtorch/include/", "libtorch/share/", "libtorch/build-version"]);
    rmSync(zip);
    return { root: "libtorch", source: "archive", detail: url, version, variant };
  });
}

/** Source 4: a torch wheel through the configured pip index, unpacked for lib/include/share. */
export function fromPipWheel({ version, variant, cacheDir, env }) {
  const python = env.PYTHON || "python3";
  return installIntoCache(cacheDir, (tmp) => {
    const dl = join(tmp, "download");
    mkdirSync(dl);
    const wheel = pipDownload(python, [`torch==${version}`], dl, /^torch-.*\.whl$/);
    const prefixes = ["torch/lib/", "torch/include/", "torch/share/", "torch/version.py"];
    extractZip(wheel, tmp, prefixes);
    if (variant !== "cpu") {
      if (!existsSync(join(tmp, "torch/lib/libtorch_cuda.so"))) {
        throw new Error(`${wheel} has no libtorch_cuda.so: it is a CPU build, not ${variant}`);
      }
      // The CUDA wheel's libraries find cudart, cublas, ... through RPATHs into a sibling nvidia/ folder.
      // Only the nvidia_* wheels are fetched: the rest of torch's dependencies are Python-only.
      pipDownload(python, cudaRuntimeWheels(python, wheel), dl, /^nvidia_.*\.whl$/);
      for (const dep of readdirSync(dl).filter((f) => f.startsWith("nvidia_") && f.endsWith(".whl"))) {
        extractZip(join(dl, dep), tmp, ["nvidia/"]);
      }
    }
    rmSync(dl, { recursive: true });
    return { root: "torch", source: "pip-wheel", detail: wheel.split("/").pop(), version, variant };
  });
}

// cuda-toolkit extras in torch's metadata, as the nvidia packages that carry their libraries.
const CUDA_TOOLKIT_PACKAGES = {
  cudart: "nvidia-cuda-runtime",
  cupti: "nvidia-cuda-cupti",
  nvrtc: "nvidia-cuda-nvrtc",
};

/** The nvidia-* requirements (with pins) of a CUDA torch wheel, read from its METADATA. */
function cudaRuntimeWheels(python, wheel) {
  const script = `
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
for line in z.read(meta).decode().splitlines():
    if line.startswith("Requires-Dist:") and "extra ==" not in line:
        print(line.split(":", 1)[1].split(";")[0].strip())
`;
  const r = spawnSync(python, ["-c", script, wheel], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cannot read the requirements of ${wheel}: ${lastLine(r.stderr)}`);
  const specs = [];
  for (const req of r.stdout.split("\n").filter(Boolean)) {
    const toolkit = /^cuda-toolkit\[([^\]]+)\]/.exec(req);
    if (toolkit) {
      for (const extra of toolkit[1].split(","))
        specs.push(CUDA_TOOLKIT_PACKAGES[extra] ?? `nvidia-${extra}`);
    } else if (req.startsWith("nvidia-")) {
      specs.push(req.replace(/\s+/g, ""));
    }
  }
  return specs;
}

// Local wheel folders and file:// indexes from pip's config: querying only them avoids ~9 s of retries against
// an unreachable public index; when they fail, the plain configured command runs.
function pipDownload(python, specs, dir, expect) {
  const { findLinks, indexes } = localPipLocations(python);
  const attempts = [];
  if (findLinks.length > 0 || indexes.length > 0) {
    const local =
      indexes.length > 0
        ? ["--index-url", indexes[0], ...indexes.slice(1).flatMap((i) => ["--extra-index-url", i])]
        : ["--no-index"];
    attempts.push([...local, ...findLinks.flatMap((f) => ["--find-links", f])]);
  }
  attempts.push([]);
  const errors = [];
  for (const extra of attempts) {
    const args = ["-m", "pip", "download", ...specs, "--no-deps", "--only-binary=:all:", "-d", dir, ...extra];
    const r = spawnSync(python, args, { encoding: "utf8", timeout: 15 * 60_000 });
    if (r.error) throw new Error(`${python} -m pip could not run: ${r.error.message}`);
    const wheel = readdirSync(dir).find((f) => expect.test(f));
    if (r.status === 0 && wheel) return join(dir, wheel);
    errors.push(
      `pip download ${specs.join(" ")} ${extra.join(" ")}: ${lastLine(r.stderr)} (exit ${r.status})`,
    );
  }
  throw new Error(errors.join("; "));
}

function localPipLocations(python) {
  const r = spawnSync(python, ["-m", "pip", "config", "list"], { encoding: "utf8", timeout: 30_000 });
  const findLinks = new Set();
  const indexes = new Set();
  for (const line of (r.stdout ?? "").split("\n")) {
    const m = /^[^=]*\.(find-links|index-url|extra-index-url)='(.*)'$/.exec(line.trim());
    if (!m) continue;
    for (const loc of m[2].split(/\s+/).filter(Boolean)) {
      const path = loc.startsWith("file://") ? loc.slice(7) : loc.startsWith("/") ? loc : null;
      if (path === null || !existsSync(path)) continue;
      (m[1] === "find-links" ? findLinks : indexes).add(loc);
    }
  }
  return { findLinks: [...findLinks], indexes: [...indexes] };
}

function verifySha256(file, expected) {
  const r = spawnSync("sha256sum", [file], { encoding: "utf8" });
  const got = (r.stdout ?? "").split(" ")[0];
  if (got !== expected) throw new Error(`checksum mismatch for ${file}: expected ${expected}, got ${got}`);
}

function lastLine(text) {
  const lines = (text ?? "")
    .trim()
    .split("\n")
    .filter((l) => l.trim() !== "");
  return lines.length > 0 ? lines[lines.length - 1].trim() : "(no output)";
}

/** Version recorded inside a libtorch root (archive build-version, wheel version.py or the API header). */
export function detectVersion(root) {
  const candidates = [
    [join(root, "build-version"), /^(\S+)/],
    [join(root, "version.py"), /__version__\s*=\s*'([^']+)'/],
    [join(root, "include/torch/csrc/api/include/torch/version.h"), /TORCH_VERSION\s+"([^"]+)"/],
  ];
  for (const [file, re] of candidates) {
    if (!existsSync(file)) continue;
    const m = re.exec(readFileSync(file, "utf8"));
    if (m) return m[1];
  }
  return "unknown";
}
