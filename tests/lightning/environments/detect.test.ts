// Cluster environments detected from recorded variable sets (real torchrun workers, srun tasks written from
// the SLURM docs, Kiln's launcher), against what Lightning's classes read from the same sets
// (scripts/fixtures/cluster_environments.py).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { elasticErrorRecord, recordElasticError } from "../../../src/lightning/environments/elastic-error.js";
import {
  detectClusterEnvironment,
  type Env,
  resolveRootNodeAddress,
  slurmEnvironment,
  validateClusterSettings,
} from "../../../src/lightning/environments/index.js";

interface Recorded {
  source: string;
  env: Record<string, string>;
  lightning: Record<string, unknown>;
}

const sets = JSON.parse(
  readFileSync(new URL("../../fixtures/lightning/cluster-environments.json", import.meta.url), "utf8"),
) as Recorded[];

test("every recorded variable set is detected and read as Lightning reads it", () => {
  assert.ok(sets.length >= 15);
  for (const { source, env, lightning } of sets) {
    const c = detectClusterEnvironment(env);
    const got: Record<string, unknown> = {
      environment: c.name,
      creates_processes_externally: c.createsProcessesExternally,
      local_rank: c.localRank,
      node_rank: c.nodeRank,
      main_address: c.mainAddress,
      main_port: c.mainPort,
    };
    if (c.name !== "LightningEnvironment") {
      got.world_size = c.worldSize;
      got.global_rank = c.globalRank;
    }
    assert.deepEqual(got, lightning, `${source}: ${JSON.stringify(env)}`);
  }
});

test("torchrun's agent store, restart count and error file are read", () => {
  const worker = sets.find((s) => s.source.startsWith("torchrun --nnodes=1"))!;
  const c = detectClusterEnvironment({ ...worker.env, TORCHELASTIC_RESTART_COUNT: "2" });
  assert.deepEqual(
    { ...c.elastic, runId: "" },
    { runId: "", restartCount: 2, maxRestarts: 0, useAgentStore: true, errorFile: "<per-worker file>" },
  );
});

test("SLURM: first host of the node list, port from the job id, Lightning's exports and checks", () => {
  assert.equal(resolveRootNodeAddress("host0 host1 host3"), "host0");
  assert.equal(resolveRootNodeAddress("host0,host1,host3"), "host0");
  assert.equal(resolveRootNodeAddress("host[5-9]"), "host5");
  assert.equal(resolveRootNodeAddress("node[1,5-7],gpu[2-3]"), "node1");
  assert.equal(resolveRootNodeAddress("alone[4]"), "alone4");
  const env: Env = {
    SLURM_NTASKS: "4",
    SLURM_NTASKS_PER_NODE: "2",
    SLURM_NNODES: "2",
    SLURM_NODELIST: "gpu-node[07-08]",
    SLURM_JOB_ID: "5123456",
    SLURM_PROCID: "3",
    SLURM_LOCALID: "1",
    SLURM_NODEID: "1",
  };
  const c = slurmEnvironment(env);
  assert.deepEqual(c.exports, { MASTER_ADDR: "gpu-node07", MASTER_PORT: "18456" });
  assert.deepEqual(c.slurm, { jobId: 5123456, requeueId: "5123456" });
  assert.equal(
    slurmEnvironment({ ...env, SLURM_ARRAY_JOB_ID: "900", SLURM_ARRAY_TASK_ID: "4" }).slurm!.requeueId,
    "900_4",
  );
  validateClusterSettings(c, env, 2, 2);
  assert.throws(() => validateClusterSettings(c, env, 4, 2), /--ntasks-per-node=2.*HINT: Set `devices=2`/);
  assert.throws(() => validateClusterSettings(c, env, 2, 1), /--nodes=2.*HINT: Set `num_nodes=2`/);
  const { SLURM_NTASKS_PER_NODE: _, ...withoutPerNode } = env;
  assert.throws(() => slurmEnvironment(withoutPerNode), /--ntasks=4.*Use `--ntasks-per-node=4` instead/);
});

test("torchrun: devices × num_nodes must be the world size; a bad variable is named", () => {
  const worker = sets.find((s) => s.source.startsWith("torchrun --nnodes=2"))!;
  const c = detectClusterEnvironment(worker.env);
  validateClusterSettings(c, worker.env, 1, 2);
  assert.throws(
    () => validateClusterSettings(c, worker.env, 2, 2),
    /`devices=2` and `num_nodes=2`.*\(2 \* 2\) does not match the world size \(2\)/,
  );
  assert.throws(() => detectClusterEnvironment({ ...worker.env, RANK: "one" }), /RANK=one is not an integer/);
  assert.throws(
    () => detectClusterEnvironment({ TORCHELASTIC_RUN_ID: "x", LOCAL_RANK: "0" }),
    /WORLD_SIZE is not set/,
  );
});

test("a failing torchrun worker's error file is torch's record_exception JSON", () => {
  const dir = mkdtempSync(join(tmpdir(), "kiln-elastic-"));
  try {
    const file = join(dir, "error.json");
    const error = new RangeError("rank 1 broke");
    assert.equal(recordElasticError(error, { TORCHELASTIC_ERROR_FILE: file }), file);
    const written = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(written.message.message, "RangeError: rank 1 broke");
    assert.match(written.message.extraInfo.py_callstack, /RangeError: rank 1 broke\n\s+at /);
    assert.match(written.message.extraInfo.timestamp, /^\d{10}$/);
    assert.equal(recordElasticError(error, {}), null, "nothing outside torchrun");
    const plain = JSON.parse(elasticErrorRecord("plain", 5000)).message;
    assert.deepEqual([plain.message, plain.extraInfo.timestamp], ["Error: plain", "5"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
