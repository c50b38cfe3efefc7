// installQuickExit (src/cli.ts + native/process.cc): once the addon is loaded, the process ends from the last
// 'exit' listener without libtorch's static destructors, keeping the exit code, every later 'exit' listener
// and all of stdout when it is a pipe; without the addon it changes nothing.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "./helpers.js";

/** Runs a child that installs the quick exit, writes `lines` lines to stdout (a pipe) and ends by `end`. */
function child(opts: { loadAddon: boolean; lines: number; end: string; nodeFlags?: string[] }) {
  const script = [
    `const { installQuickExit } = await import(${JSON.stringify(join(ROOT, "src", "cli.ts"))});`,
    `const { native } = await import(${JSON.stringify(join(ROOT, "src", "torch", "native.ts"))});`,
    opts.loadAddon ? "native();" : "",
    // process.exit() ends in process.reallyExit after the 'exit' listeners: the quick exit never gets there.
    "const really = process.reallyExit;",
    "process.reallyExit = (code) => { process.stderr.write('REALLY_EXIT\\n'); really.call(process, code); };",
    "installQuickExit();",
    "process.on('exit', (code) => process.stdout.write('later listener saw ' + code + '\\n'));",
    `for (let i = 0; i < ${opts.lines}; i++) process.stdout.write(\`line \${i} ${"x".repeat(80)}\\n\`);`,
    opts.end,
  ].join("\n");
  const flags = [...(opts.nodeFlags ?? []), "--import", "tsx", "--input-type=module", "-e", script];
  return spawnSync(process.execPath, flags, {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
}

test("the quick exit keeps the exit code, runs later 'exit' listeners once and loses no piped output", () => {
  // 100,000 lines (~9 MB) fill the pipe many times over while the parent reads. process.exit() gets few
  // lines: Node itself drops what an asynchronous pipe still buffers when process.exit() is called, quick
  // exit or not.
  for (const [end, code, lines] of [
    ["", 0, 100_000],
    ["process.exitCode = 1;", 1, 100_000],
    ["process.exit(130);", 130, 20],
  ] as const) {
    const r = child({ loadAddon: true, lines, end });
    assert.equal(r.status, code, `${end}: ${r.stderr}`);
    const out = r.stdout.trimEnd().split("\n");
    assert.equal(out.length, lines + 1, end);
    assert.match(out.at(-2)!, new RegExp(`^line ${lines - 1} x+$`));
    assert.equal(out.at(-1), `later listener saw ${code}`);
    assert.doesNotMatch(r.stderr, /REALLY_EXIT/, "process.exit went past the quick exit");
  }
});

test("without the addon loaded the exit stays Node's own", () => {
  const r = child({ loadAddon: false, lines: 3, end: "process.exit(3);" });
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /REALLY_EXIT/);
  assert.match(r.stdout, /later listener saw 3\n$/);
});

test("a CPU profile asked of Node is still written: the exit stays Node's own under --cpu-prof", () => {
  const dir = mkdtempSync(join(tmpdir(), "kiln-quick-exit-"));
  try {
    const r = child({
      loadAddon: true,
      lines: 1,
      end: "",
      nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
    });
    assert.equal(r.status, 0, r.stderr);
    // The main thread's profile is named <pid>.0.<seq>; tsx's loader thread writes one of its own.
    assert.equal(readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f)).length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
