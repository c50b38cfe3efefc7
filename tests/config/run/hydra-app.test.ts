// The run API and Hydra's command line: run dirs and .hydra files, multirun folders and job numbers,
// failing jobs, --cfg / --help / --info / completion output, and error reporting.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { parse } from "yaml";
import { SystemExit } from "../../../src/common/system-exit.js";
import { compose } from "../../../src/config/compose/compose.js";
import type { DictConfig } from "../../../src/config/omegaconf/index.js";
import { runHydraApp } from "../../../src/config/run/hydra-app.js";
import { getLogger } from "../../../src/config/run/logger.js";

const configDir = join(import.meta.dirname, "..", "compose", "configs", "app");
const tmp = mkdtempSync(join(tmpdir(), "kiln-hydra-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function outDir(): string {
  n++;
  return join(tmp, `t${n}`);
}

async function app(argv: string[], task: (cfg: DictConfig) => unknown = () => 0, configName = "config") {
  let stdout = "";
  let stderr = "";
  const result = await runHydraApp(argv, async (cfg) => task(cfg), {
    configDir,
    configName,
    appName: "train",
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    warn: () => {},
  });
  return { result, stdout, stderr };
}

test("a run writes .hydra files and the job log, and passes the task config", async () => {
  const dir = outDir();
  let seen: DictConfig | null = null;
  const { result } = await app([`hydra.run.dir=${dir}`, "lr=0.3"], (cfg) => {
    seen = cfg;
    getLogger("train").info("hello from the task");
    return 0.75;
  });
  assert.equal(result.exitCode, 0);
  assert.equal(result.job?.returnValue, 0.75);
  assert.equal(result.job?.outputDir, dir);
  const cfg = seen as unknown as DictConfig;
  assert.equal(cfg.lr, 0.3);
  assert.equal(cfg.out, dir, "the hydra:runtime.output_dir interpolation resolves in the task");
  assert.equal(cfg.job, "train");
  assert.equal("hydra" in cfg, false, "the task config has no hydra key");
  const config = readFileSync(join(dir, ".hydra", "config.yaml"), "utf8");
  assert.match(config, /out: \$\{hydra:runtime.output_dir\}/, "config.yaml is unresolved");
  assert.deepEqual(parse(config).model, { hidden: 8 });
  const hydra = parse(readFileSync(join(dir, ".hydra", "hydra.yaml"), "utf8"));
  assert.equal(hydra.hydra.mode, "RUN");
  assert.equal(hydra.hydra.runtime.output_dir, dir);
  assert.equal(hydra.hydra.job.name, "train");
  assert.deepEqual(hydra.hydra.overrides.task, ["lr=0.3"]);
  assert.deepEqual(hydra.hydra.overrides.hydra, [`hydra.run.dir=${dir}`, "hydra.mode=RUN"]);
  assert.equal(hydra.hydra.runtime.choices.model, "small");
  assert.deepEqual(parse(readFileSync(join(dir, ".hydra", "overrides.yaml"), "utf8")), ["lr=0.3"]);
  const log = readFileSync(join(dir, "train.log"), "utf8");
  assert.match(log, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\]\[train\]\[INFO\] - hello from the task$/m);
});

test("multirun: cartesian product in command-line order, job dirs and numbers, multirun.yaml", async () => {
  const dir = outDir();
  const seen: Array<[number, string]> = [];
  const { result } = await app(["-m", `hydra.sweep.dir=${dir}`, "model=small,large", "lr=0.1,0.2"], (cfg) => {
    seen.push([cfg.model.hidden, String(cfg.lr)]);
    return cfg.lr;
  });
  assert.equal(result.exitCode, 0);
  assert.deepEqual(seen, [
    [8, "0.1"],
    [8, "0.2"],
    [64, "0.1"],
    [64, "0.2"],
  ]);
  assert.deepEqual(readdirSync(dir).sort(), ["0", "1", "2", "3", "multirun.yaml"]);
  const h3 = parse(readFileSync(join(dir, "3", ".hydra", "hydra.yaml"), "utf8")).hydra;
  assert.equal(h3.job.num, 3);
  assert.equal(h3.mode, "MULTIRUN");
  assert.equal(h3.runtime.choices.model, "large");
  assert.deepEqual(parse(readFileSync(join(dir, "3", ".hydra", "overrides.yaml"), "utf8")), [
    "model=large",
    "lr=0.2",
  ]);
  const master = parse(readFileSync(join(dir, "multirun.yaml"), "utf8"));
  assert.deepEqual(master.hydra.overrides.task, ["model=small,large", "lr=0.1,0.2"]);
  assert.equal(result.multirun?.jobs.length, 4);
});

test("multirun: deletes reach each job's overrides.yaml as Hydra writes them (~key=null, ~key=value)", async () => {
  const dir = outDir();
  const seen: boolean[][] = [];
  const { result } = await app(
    ["-m", `hydra.sweep.dir=${dir}`, "lr=0.1,0.2", "~seed", "~model=small"],
    (cfg) => {
      seen.push(["seed" in cfg, "model" in cfg]);
    },
  );
  assert.equal(result.exitCode, 0);
  assert.deepEqual(seen, [
    [false, false],
    [false, false],
  ]);
  assert.deepEqual(parse(readFileSync(join(dir, "1", ".hydra", "overrides.yaml"), "utf8")), [
    "lr=0.2",
    "~seed=null",
    "~model=small",
  ]);
});

test("multirun: a failing job is reported and the others still run; --fail-fast stops", async () => {
  const fail = (cfg: DictConfig) => {
    if (String(cfg.lr) === "0.2") throw new Error("lr too high");
    return 1;
  };
  const dir = outDir();
  const r = await app(["-m", `hydra.sweep.dir=${dir}`, "lr=0.2,0.1,0.3"], fail);
  assert.equal(r.result.exitCode, 1);
  assert.equal(r.result.multirun?.jobs.length, 3);
  assert.deepEqual(
    r.result.multirun?.jobs.map((j) => j.status),
    ["FAILED", "COMPLETED", "COMPLETED"],
  );
  assert.match(r.stderr, /1 of 3 jobs failed:\n {2}#0 \[lr=0.2\]: lr too high/);
  const dir2 = outDir();
  const r2 = await app(["-m", "--fail-fast", `hydra.sweep.dir=${dir2}`, "lr=0.2,0.1,0.3"], fail);
  assert.equal(r2.result.exitCode, 1);
  assert.equal(r2.result.multirun?.jobs.length, 1);
});

test("a task stopped on purpose (SystemExit, as SIGTERM gives) exits with its code and ends a sweep", async () => {
  const stop = (code: number) => (cfg: DictConfig) => {
    if (String(cfg.lr) === "0.1") throw new SystemExit(code, "Stopped by SIGTERM after the current step");
    return 1;
  };
  const run = await app([`hydra.run.dir=${outDir()}`, "lr=0.1"], stop(0));
  assert.equal(run.result.exitCode, 0);
  assert.equal(run.stderr, "Stopped by SIGTERM after the current step\n", "a message, not an error report");
  const sweep = await app(["-m", `hydra.sweep.dir=${outDir()}`, "lr=0.2,0.1,0.3"], stop(0));
  assert.equal(sweep.result.exitCode, 0);
  assert.deepEqual(
    sweep.result.multirun?.jobs.map((j) => j.status),
    ["COMPLETED", "FAILED"],
    "no job is launched after the stop",
  );
  const interrupted = await app([`hydra.run.dir=${outDir()}`, "lr=0.1"], stop(1));
  assert.equal(interrupted.result.exitCode, 1);
  assert.match(interrupted.stderr, /^Error executing job with overrides: \['lr=0.1'\]\nStopped by SIGTERM/);
});

test("multirun: glob() sweeps over group options; hydra.mode: MULTIRUN in the config", async () => {
  const dir = outDir();
  const seen: number[] = [];
  const r = await app(["-m", `hydra.sweep.dir=${dir}`, "model=glob(*)"], (cfg) =>
    seen.push(cfg.model.hidden),
  );
  assert.equal(r.result.exitCode, 0);
  assert.deepEqual(seen, [64, 8], "options sorted: large, small");
  const dir2 = outDir();
  const r2 = await app([`hydra.sweep.dir=${dir2}`, "lr=0.1,0.2"], () => 0, "sweep_mode");
  assert.equal(r2.result.command, "multirun");
  assert.equal(r2.result.multirun?.jobs.length, 2);
});

test("--cfg job|hydra|all, --package and --resolve", async () => {
  const job = await app(["--cfg", "job", "lr=0.4"]);
  assert.equal(job.result.exitCode, 0);
  const parsed = parse(job.stdout);
  assert.equal(parsed.lr, 0.4);
  assert.equal(parsed.hydra, undefined);
  assert.equal(parsed.out, "$" + "{hydra:runtime.output_dir}");
  const hydra = parse((await app(["-c", "hydra"])).stdout);
  assert.deepEqual(Object.keys(hydra), ["hydra"]);
  assert.equal(hydra.hydra.help, undefined);
  const pkg = await app(["--cfg=job", "--package", "model"]);
  assert.equal(pkg.stdout, "# @package model\nhidden: 8\n");
  const resolved = parse((await app(["--cfg", "job", "--resolve"])).stdout);
  assert.equal(resolved.job, "train");
  const cn = parse((await app(["-cn", "sweep_mode", "--cfg", "hydra"])).stdout);
  assert.equal(cn.hydra.mode, "MULTIRUN", "-cn picks another primary config");
  const cd = await app(["-cd", join(configDir, "..", "extra"), "--cfg", "job", "+group1=file3"]);
  assert.deepEqual(parse(cd.stdout).group1, { foo: 30 }, "-cd adds a config dir");
  const cp = await app([
    "--config-path",
    join(configDir, "..", "basic"),
    "-cn",
    "group_default",
    "-c",
    "job",
  ]);
  assert.deepEqual(parse(cp.stdout), { group1: { foo: 10 } }, "--config-path replaces the primary dir");
  const bad = await app(["--resolve"]);
  assert.equal(bad.result.exitCode, 1);
  assert.match(bad.stderr, /^The --resolve flag can only be used in conjunction with --cfg or --help/);
});

test("--help lists config groups and the config; --hydra-help lists hydra groups", async () => {
  const h = await app(["--help", "experiment=fast"]);
  assert.equal(h.result.exitCode, 0);
  assert.match(h.stdout, /^train is powered by Hydra\.\n/);
  assert.match(
    h.stdout,
    /== Configuration groups ==\nCompose your configuration from those groups \(group=option\)\n\nexperiment: fast\nmodel: large, small\n/,
  );
  assert.match(
    h.stdout,
    /== Config ==\nOverride anything in the config \(foo\.bar=value\)\n\nmodel:\n {2}hidden: 64\n/,
  );
  assert.doesNotMatch(h.stdout, /hydra\/job_logging/);
  const hh = await app(["--hydra-help"]);
  assert.match(hh.stdout, /hydra\/job_logging: colorlog, default, disabled, none, stdout/);
  assert.match(hh.stdout, /--cfg,-c : Show config instead of running \[job\|hydra\|all\]/);
});

test("--info: defaults list, defaults tree, search path, and the sources of a key", async () => {
  const d = await app(["--info", "defaults"]);
  assert.match(d.stdout, /\| model\/small +\| model +\| False +\| config +\|/);
  const t = await app(["-i", "defaults-tree", "experiment=fast"]);
  assert.match(t.stdout, /<root>:\n {2}hydra\/config:\n/);
  assert.match(t.stdout, /\n {2}config:\n {4}model: large\n {4}_self_\n {4}experiment: fast\n/);
  const s = await app(["--info", "searchpath"]);
  assert.match(s.stdout, /\| hydra +\| pkg:\/\/hydra\.conf +\|/);
  assert.match(s.stdout, /\| main +\| file:\/\/.*configs\/app +\|/);
  const k = await app(["--info", "config=lr", "experiment=fast", "lr=0.9"]);
  assert.equal(k.result.exitCode, 0);
  const sources = k.stdout.slice(k.stdout.indexOf("Sources of 'lr'"));
  assert.match(sources, /config\.yaml:6/);
  assert.match(sources, /experiment\/fast\.yaml:4/);
  assert.match(sources, /=> .*override 'lr=0\.9'/);
});

test("errors print the real cause first and exit nonzero", async () => {
  const r = await app(["model=nope"]);
  assert.equal(r.result.exitCode, 1);
  assert.match(
    r.stderr,
    /^In 'config': Could not find 'model\/nope'\n {4}at override 'model=nope'\n\nAvailable options in 'model':\n\tlarge\n\tsmall\n/,
  );
  const bad = await app(["lr=[1,"]);
  assert.equal(bad.result.exitCode, 1);
  assert.match(bad.stderr, /lr=\[1,/);
  const task = await app([`hydra.run.dir=${outDir()}`], () => {
    throw new Error("boom");
  });
  assert.equal(task.result.exitCode, 1);
  assert.match(task.stderr, /^Error executing job with overrides: \[.*\]\nboom/);
  const flag = await app(["--cfg", "nope"]);
  assert.equal(flag.result.exitCode, 2);
  assert.match(flag.stderr, /invalid choice: 'nope'/);
});

test("shell completion through -sc query=bash: COMP_LINE without the program, Hydra's candidates", async () => {
  const q = async (line: string) => {
    process.env.COMP_LINE = line;
    delete process.env.COMP_POINT;
    const r = await app(["-sc", "query=bash"]);
    delete process.env.COMP_LINE;
    return r.stdout.trim().split(" ");
  };
  // `model` is both a group and a key of the composed config, as Hydra offers it.
  assert.deepEqual(await q("train mod"), ["model.", "model="]);
  assert.deepEqual(await q("train model="), ["model=large", "model=small"]);
  assert.deepEqual(await q("train +experiment=f"), ["+experiment=fast"]);
  assert.deepEqual(await q("train model.h"), ["model.hidden="]);
  assert.deepEqual(await q("train model.hidden="), ["model.hidden=8"]);
  assert.ok((await q("train hydra/job_l")).includes("hydra/job_logging="));
  // An app without subcommands registers its own name.
  const install = await app(["--shell-completion", "install=bash"]);
  assert.match(install.stdout, /complete -o default -F _train_bash_completion train/);
});

test("compose(): no run needed, and the hydra: resolver works", () => {
  const cfg = compose({ configDir, configName: "config", overrides: ["model=large"], jobName: "nb" });
  assert.equal(cfg.model.hidden, 64);
  assert.equal(cfg.job, "nb");
  assert.ok(String(cfg.out).includes("outputs"), "output_dir is the would-be run dir");
  assert.equal(existsSync(String(cfg.out)), false, "compose creates no output dir");
  assert.throws(() => {
    cfg.nope = 1;
  }, /nope/);
});

test("hydra.job.chdir=true runs the task in the output dir and restores the cwd", async () => {
  const dir = outDir();
  const before = process.cwd();
  let inside = "";
  const r = await app([`hydra.run.dir=${dir}`, "hydra.job.chdir=true"], () => {
    inside = process.cwd();
  });
  assert.equal(r.result.exitCode, 0);
  assert.equal(inside, dir);
  assert.equal(process.cwd(), before);
  const r2 = await app([`hydra.run.dir=${outDir()}`], () => {
    inside = process.cwd();
  });
  assert.equal(r2.result.exitCode, 0);
  assert.equal(inside, before, "Hydra >= 1.2 does not change the working directory by default");
});

test("--info all prints every section; --version", async () => {
  const all = await app(["--info"]);
  assert.equal(all.result.exitCode, 0);
  for (const section of ["Config search path", "Defaults Tree", "Defaults List", "Config\n******"]) {
    assert.ok(all.stdout.includes(section), section);
  }
  assert.match((await app(["--version"])).stdout, /Hydra 1\.3 compatible/);
});
