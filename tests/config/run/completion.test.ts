// Shell completion. The candidates are Hydra 1.3's: its tests/test_completion.py tables, run on its own
// completion_test configs (copied to fixtures/completion_test). The install scripts are run for real: the bash
// function in a bash subprocess with COMP_LINE/COMP_POINT/COMP_WORDS/COMP_CWORD set, calling back into `kiln`
// for `kiln train ` and `kiln eval `; fish's through `complete -C`; zsh's function with compadd stubbed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { HydraApp } from "../../../src/config/run/app.js";
import { completeLine, completionArgs } from "../../../src/config/run/completion.js";
import { explain, ROOT, runCli } from "../../app/helpers.js";

const app = (configName: string) =>
  new HydraApp({
    configDir: join(import.meta.dirname, "fixtures", "completion_test"),
    configName,
    appName: "app",
  });
const tmp = mkdtempSync(join(tmpdir(), "kiln-completion-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const BASE = ["dict.", "dict_prefix=", "group=", "hydra", "hydra.", "list.", "list_prefix=", "test_hydra/"];
const HYDRA_GROUPS = [
  "env",
  "help",
  "hydra_help",
  "hydra_logging",
  "job_logging",
  "launcher",
  "output",
  "sweeper",
];

// Hydra's TestRunCompletion table: [line, expected].
const RUN_CASES: Array<[string, string[]]> = [
  ["", BASE],
  [" ", BASE],
  ["dict", ["dict.", "dict_prefix="]],
  ["dict.", ["dict.key1=", "dict.key2=", "dict.key3="]],
  ["dict.key", ["dict.key1=", "dict.key2=", "dict.key3="]],
  ["dict.key1=", ["dict.key1=val1"]],
  ["dict.key3=", ["dict.key3="]], // no value: dict.key3 is ???
  ["list", ["list.", "list_prefix="]],
  ["list.", ["list.0=", "list.1=", "list.2="]],
  // Kiln ships hydra-optuna-sweeper: hydra/sweeper has options and subgroups (sampler, pruner), so it completes
  // without a suffix, as Python Hydra does with that plugin installed.
  ["hydra/", HYDRA_GROUPS.map((g) => (g === "sweeper" ? "hydra/sweeper" : `hydra/${g}=`))],
  ["test_hydra/lau", ["test_hydra/launcher="]],
  ["test_hydra/launcher=", ["test_hydra/launcher=fairtask"]],
  ["test_hydra/launcher=fa", ["test_hydra/launcher=fairtask"]],
  ["gro", ["group="]],
  ["group=di", ["group=dict"]],
  [
    "group=dict ",
    [
      "dict.",
      "dict_prefix=",
      "group.",
      "group=",
      "hydra",
      "hydra.",
      "list.",
      "list_prefix=",
      "test_hydra/",
      "toys.",
    ],
  ],
  ["group=", ["group=dict", "group=list"]],
  ["group=dict group.dict=", ["group.dict=true"]],
  ["group=dict group=", ["group=dict", "group=list"]],
  ["+", ["+group=", "+hydra", "+test_hydra/"]],
  ["+gro", ["+group="]],
  ["+group=di", ["+group=dict"]],
  ["+group=", ["+group=dict", "+group=list"]],
  ["group=dict +group=", ["+group=dict", "+group=list"]],
  ["~gro", ["~group"]],
  ["~group=di", ["~group=dict"]],
  ["~group=", ["~group=dict", "~group=list"]],
  ["group=dict ~group=", ["~group=dict", "~group=list"]],
  ["~", ["~group", "~hydra", "~test_hydra/"]],
  ["+test_hydra/lau", ["+test_hydra/launcher="]],
  ["+test_hydra/launcher=", ["+test_hydra/launcher=fairtask"]],
  ["+test_hydra/launcher=fa", ["+test_hydra/launcher=fairtask"]],
  ["~test_hydra/lau", ["~test_hydra/launcher"]],
  ["~test_hydra/launcher=", ["~test_hydra/launcher=fairtask"]],
  ["~test_hydra/launcher=fa", ["~test_hydra/launcher=fairtask"]],
];

describe("candidates: Hydra's completion tables on its completion_test configs", () => {
  for (const prefix of ["", "dict.key1=val1 "]) {
    test(`run completion, prefix '${prefix}' (also with --multirun)`, () => {
      for (const [line, expected] of RUN_CASES) {
        assert.deepEqual(completeLine(app("config"), prefix + line), expected, `'${prefix}${line}'`);
        assert.deepEqual(
          completeLine(app("config"), `--multirun ${prefix}${line}`),
          expected,
          `-m '${line}'`,
        );
      }
    });
  }

  test("multirun completion, flags, a missing default", () => {
    const multirun: Array<[string, string[]]> = [
      ["", BASE],
      ["gro", ["group="]],
      ["group", ["group="]],
      ["group=", ["group=dict", "group=list"]],
      ["group=dic", ["group=dict"]],
      ["group=dict", ["group=dict"]],
      ["group=dict,list", []],
      ["group=dict dict.", ["dict.key1=", "dict.key2=", "dict.key3="]],
      ["group=dict,list list.", ["list.0=", "list.1=", "list.2="]],
    ];
    for (const [line, expected] of multirun)
      assert.deepEqual(completeLine(app("config"), `--multirun ${line}`), expected, line);
    for (const line of ["-c job", "-c hydra ", "-c all "])
      assert.deepEqual(completeLine(app("config"), line), BASE);
    const missing: Array<[string, string[]]> = [
      ["", ["group=", "hydra", "test_hydra/"]],
      ["group=", ["group=dict", "group=list"]],
      ["group=d", ["group=dict"]],
      ["group=dict ", ["group.", "group=", "hydra", "hydra.", "test_hydra/", "toys."]],
      ["group=dict toys.", ["toys.andy=", "toys.list.", "toys.slinky="]],
    ];
    for (const [line, expected] of missing)
      assert.deepEqual(completeLine(app("missing_default"), line), expected, line);
  });

  test("file completion for a value that starts like a path", () => {
    const cwd = process.cwd();
    const dir = join(tmp, "files");
    mkdirSync(dir, { recursive: true });
    for (const f of ["foo1.txt", "foo2.txt"]) writeFileSync(join(dir, f), "");
    try {
      process.chdir(dir);
      assert.deepEqual(completeLine(app("config"), "abc=./"), ["abc=./foo1.txt", "abc=./foo2.txt"]);
      assert.deepEqual(completeLine(app("config"), "dict.key1=val1 abc=./foo1"), ["abc=./foo1.txt"]);
      assert.deepEqual(completeLine(app("config"), `abc=${dir}/foo`), [
        `abc=${dir}/foo1.txt`,
        `abc=${dir}/foo2.txt`,
      ]);
      assert.deepEqual(completeLine(app("config"), "abc=./foo/bar"), []);
    } finally {
      process.chdir(cwd);
    }
  });

  test("the program (and a subcommand app) are stripped from COMP_LINE as Hydra strips the app", () => {
    for (const prefix of ["", " ", "\t", "/foo/bar", " /foo/bar/"]) {
      for (const appPrefix of ["python foo.py", "hydra_app", "hy1-_=ra_app", "foo.par", "python  foo.py"]) {
        for (const args of ["", "foo=bar", "foo=bar bar=baz0", "dict."]) {
          const line = `${prefix}${appPrefix}${args ? ` ${args}` : ""}`;
          assert.equal(completionArgs(line, "app", false), args, line);
        }
      }
    }
    assert.equal(completionArgs("kiln train trainer.max_e", "train", true), "trainer.max_e");
    assert.equal(completionArgs("kiln train ", "train", true), "");
    assert.equal(completionArgs("kiln train train=fa", "train", true), "train=fa");
  });
});

/** The script `kiln train -sc install=<shell>` prints. */
async function installScript(shell: string): Promise<string> {
  const r = await runCli(["train", "-sc", `install=${shell}`]);
  assert.equal(r.code, 0, explain(r));
  return r.stdout;
}

const hasShell = (shell: string) => spawnSync(shell, ["-c", "exit 0"]).status === 0;

test("bash: the installed function completes subcommands, groups, options, keys and values of kiln train / eval", async () => {
  const script = join(tmp, "kiln-completion.bash");
  writeFileSync(script, await installScript("bash"));
  // One bash process: each case sets what bash sets before calling a -F function, then prints COMPREPLY.
  const lines = [
    "kiln ",
    "kiln ev",
    "kiln train trainer=",
    "kiln train trainer.max_e",
    "kiln train trainer.max_epochs=",
    "kiln eval ckpt",
    "kiln runs ",
  ];
  const probe = `source ${JSON.stringify(script)}
complete -p kiln
for line in ${lines.map((l) => JSON.stringify(l)).join(" ")}; do
  COMP_LINE="$line"; COMP_POINT=\${#line}
  read -r -a COMP_WORDS <<< "$line"
  [[ "$line" == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
  COMPREPLY=(sentinel)
  _kiln_bash_completion
  printf '%s|%s\\n' "$line" "\${COMPREPLY[*]}"
done`;
  const r = spawnSync("bash", ["--norc", "--noprofile", "-c", probe], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, KILN_NUM_THREADS: "1" },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^complete -o default -F _kiln_bash_completion kiln$/m);
  const got = Object.fromEntries(
    r.stdout
      .trim()
      .split("\n")
      .filter((l) => l.includes("|"))
      .map((l) => l.split("|") as [string, string]),
  );
  assert.equal(got["kiln "], "train eval");
  assert.equal(got["kiln ev"], "eval");
  assert.equal(
    got["kiln train trainer="],
    "trainer=cpu trainer=ddp trainer=ddp_sim trainer=default trainer=gpu trainer=mps",
  );
  assert.equal(got["kiln train trainer.max_e"], "trainer.max_epochs=");
  assert.equal(got["kiln train trainer.max_epochs="], "trainer.max_epochs=10");
  assert.equal(got["kiln eval ckpt"], "ckpt_path=");
  assert.equal(got["kiln runs "], "", "not a Hydra subcommand: nothing offered (bash falls back to files)");
});

test("bash: uninstall removes the completion", async () => {
  const install = join(tmp, "install.bash");
  writeFileSync(install, await installScript("bash"));
  const un = await runCli(["train", "-sc", "uninstall=bash"]);
  assert.equal(un.code, 0, explain(un));
  const r = spawnSync(
    "bash",
    [
      "--norc",
      "-c",
      `source ${install}; eval "$1"; complete -p kiln; type _kiln_bash_completion`,
      "_",
      un.stdout,
    ],
    {
      encoding: "utf8",
    },
  );
  assert.match(r.stderr, /complete: kiln: no completion specification/);
  assert.match(r.stderr, /_kiln_bash_completion: not found/);
});

test("fish: complete -C offers the candidates of kiln train", {
  skip: hasShell("fish") ? false : "fish is not installed",
}, async () => {
  const script = join(tmp, "kiln-completion.fish");
  writeFileSync(script, await installScript("fish"));
  const r = spawnSync(
    "fish",
    ["--no-config", "-c", `source ${script}; complete -C 'kiln '; complete -C 'kiln train trainer.max_e'`],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, KILN_NUM_THREADS: "1" },
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split("\n")
    .map((l) => l.split("\t")[0]);
  assert.deepEqual(lines, ["eval", "train", "trainer.max_epochs="]);
});

test("zsh: the compdef function offers what kiln answers (compadd stubbed)", {
  skip: hasShell("zsh") ? false : "zsh is not installed",
}, async () => {
  const script = join(tmp, "kiln-completion.zsh");
  writeFileSync(script, await installScript("zsh"));
  assert.equal(spawnSync("zsh", ["-n", script], { encoding: "utf8" }).status, 0, "the script parses");
  // zsh's completion system sets words/CURRENT/PREFIX and collects what compadd is given: stand-ins record it.
  const probe = `compdef() { :; }; compadd() { print -r -- "$*"; }
source ${JSON.stringify(script)}
words=(kiln ""); CURRENT=2; PREFIX=""; _kiln_zsh_completion
words=(kiln train trainer.max_e); CURRENT=3; PREFIX=trainer.max_e; _kiln_zsh_completion
words=(kiln eval trainer=g); CURRENT=3; PREFIX=trainer=g; _kiln_zsh_completion`;
  const r = spawnSync("zsh", ["-f", "-c", probe], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, KILN_NUM_THREADS: "1" },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n"), [
    "-Q -S  --",
    "-Q -- train eval",
    "-Q -S  -- trainer.max_epochs=", // more to type after it: no space
    "-Q --",
    "-Q -S  --",
    "-Q -- trainer=gpu",
  ]);
});

test("an unknown shell or subcommand is Hydra's error", async () => {
  const r = await runCli(["train", "-sc", "install=tcsh"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /No completion plugin for 'tcsh' found, available : \n\tbash\n\tfish\n\tzsh/);
  const none = await runCli(["train", "-sc"]);
  assert.match(none.stderr, /Expecting one subcommand from \['install', 'uninstall', 'query'\] to be set/);
});
