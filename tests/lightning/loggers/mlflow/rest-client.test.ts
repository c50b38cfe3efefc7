// The HTTP layer and batching: retries with backoff on 5xx/429 and timeouts, no retry on 4xx rejections,
// bounded retries when nothing listens, auth headers from the environment, MLflow's batch limits, and
// NaN/±Infinity encoding.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { encodeJsonMetricValue, type Metric } from "../../../../src/lightning/loggers/mlflow/entities.js";
import { authHeader, RestClient } from "../../../../src/lightning/loggers/mlflow/rest-client.js";
import { batchBody, splitBatches } from "../../../../src/lightning/loggers/mlflow/rest-store.js";
import { resolveTrackingTarget } from "../../../../src/lightning/loggers/mlflow/tracking-uri.js";
import { FakeMlflowServer } from "./fake-server.js";

let server: FakeMlflowServer;
before(async () => {
  server = await new FakeMlflowServer().start();
});
after(() => server.stop());

const fast = { env: {}, backoffMs: 5, maxBackoffMs: 20, timeoutMs: 200 };

test("5xx and 429 answers are retried with backoff until the server succeeds", async () => {
  server.requests.length = 0;
  server.faults.push({ status: 503 }, { status: 429 }, { status: 500 });
  const client = new RestClient(server.url, fast);
  const res = await client.post("experiments/create", { name: "retry-exp" });
  assert.equal(typeof res.experiment_id, "string");
  assert.equal(server.requests.length, 4);
  assert.ok(server.requests.every((r) => r.body === '{"name":"retry-exp"}'));
});

test("retries are bounded: the last 5xx error comes back with its error_code", async () => {
  server.requests.length = 0;
  for (let i = 0; i < 10; i++) server.faults.push({ status: 502 });
  const client = new RestClient(server.url, { ...fast, maxRetries: 2 });
  await assert.rejects(client.post("experiments/create", { name: "never" }), {
    errorCode: "TEMPORARILY_UNAVAILABLE",
    httpStatus: 502,
    transient: true,
  });
  assert.equal(server.requests.length, 3);
  server.faults.length = 0;
});

test("a 4xx rejection is not retried and is matched on error_code", async () => {
  server.requests.length = 0;
  const client = new RestClient(server.url, fast);
  await client.post("experiments/create", { name: "dup" });
  await assert.rejects(client.post("experiments/create", { name: "dup" }), {
    errorCode: "RESOURCE_ALREADY_EXISTS",
    httpStatus: 400,
    transient: false,
  });
  assert.equal(server.requests.length, 2);
});

test("a request that gets no answer in time is aborted and retried", async () => {
  server.requests.length = 0;
  server.faults.push({ delayMs: 400 });
  const client = new RestClient(server.url, { ...fast, timeoutMs: 100 });
  const t0 = Date.now();
  const res = await client.post("experiments/create", { name: "slow-exp" });
  assert.equal(typeof res.experiment_id, "string");
  assert.ok(Date.now() - t0 < 400, "the slow answer was not awaited");
  assert.equal(server.calls("experiments/create").length, 2);
});

test("nobody listening: NETWORK_ERROR after the bounded retries, marked transient", async () => {
  const gone = await new FakeMlflowServer().start();
  const url = gone.url;
  await gone.stop();
  const client = new RestClient(url, { ...fast, maxRetries: 2 });
  await assert.rejects(
    client.get("experiments/get-by-name", { experiment_name: "x" }),
    (e: Error & object) => {
      assert.equal((e as { errorCode?: string }).errorCode, "NETWORK_ERROR");
      assert.equal((e as { transient?: boolean }).transient, true);
      assert.match(e.message, /MLflow server running/);
      return true;
    },
  );
  assert.equal(client.requestCount, 3);
});

test("auth: MLFLOW_TRACKING_TOKEN gives Bearer, USERNAME/PASSWORD give Basic, nothing gives none", async () => {
  assert.equal(authHeader({ MLFLOW_TRACKING_TOKEN: "t0k" }), "Bearer t0k");
  assert.equal(
    authHeader({ MLFLOW_TRACKING_USERNAME: "ann", MLFLOW_TRACKING_PASSWORD: "pw:1" }),
    `Basic ${Buffer.from("ann:pw:1").toString("base64")}`,
  );
  assert.equal(authHeader({}), undefined);
  server.requests.length = 0;
  await new RestClient(server.url, { ...fast, env: { MLFLOW_TRACKING_TOKEN: "abc" } }).get(
    "experiments/get-by-name",
    { experiment_name: "dup" },
  );
  assert.equal(server.requests[0].headers.authorization, "Bearer abc");
});

test("MLFLOW_TRACKING_URI is used when tracking_uri is unset; file: URIs and paths are file stores", () => {
  assert.deepEqual(resolveTrackingTarget(undefined, "./mlruns", { MLFLOW_TRACKING_URI: "http://h:5000/" }), {
    kind: "rest",
    baseUrl: "http://h:5000",
  });
  assert.equal(resolveTrackingTarget("file:./x", null, {}).kind, "file");
  assert.deepEqual(resolveTrackingTarget(undefined, "logs/mlflow", {}), {
    kind: "file",
    root: "logs/mlflow",
    uri: "file:logs/mlflow",
  });
  assert.equal((resolveTrackingTarget("file:///tmp/s", null, {}) as { root: string }).root, "/tmp/s");
  assert.throws(() => resolveTrackingTarget("databricks://x", null, {}), /does not support/);
});

test("batches stay within 1000 metrics, 100 params+tags, and 1 MB", () => {
  const metrics: Metric[] = Array.from({ length: 2500 }, (_, i) => ({
    key: "m",
    value: i,
    timestamp: 1,
    step: i,
  }));
  const params = Array.from({ length: 150 }, (_, i) => ({ key: `p${i}`, value: "1" }));
  const tags = Array.from({ length: 60 }, (_, i) => ({ key: `t${i}`, value: "x" }));
  const batches = splitBatches({ metrics, params, tags });
  for (const b of batches) {
    assert.ok(b.metrics.length <= 1000);
    assert.ok(b.params.length + b.tags.length <= 100);
  }
  assert.equal(batches.flatMap((b) => b.metrics).length, 2500);
  assert.equal(batches.flatMap((b) => b.params).length, 150);
  assert.equal(batches.flatMap((b) => b.tags).length, 60);
  assert.deepEqual(
    batches.flatMap((b) => b.metrics).map((m) => m.step),
    metrics.map((m) => m.step),
  );
  const big = Array.from({ length: 90 }, (_, i) => ({ key: `big${i}`, value: "v".repeat(6000) }));
  const huge = Array.from({ length: 5 }, (_, i) => ({ key: `h${i}`, value: "w".repeat(300_000) }));
  for (const b of splitBatches({ metrics: [], params: big, tags: huge })) {
    assert.ok(Buffer.byteLength(JSON.stringify(batchBody("r".repeat(32), b))) <= 1_000_000);
  }
});

test("NaN and ±Infinity are sent as the strings proto3 JSON uses, never as null", () => {
  assert.equal(encodeJsonMetricValue(Number.NaN), "NaN");
  assert.equal(encodeJsonMetricValue(Number.POSITIVE_INFINITY), "Infinity");
  assert.equal(encodeJsonMetricValue(Number.NEGATIVE_INFINITY), "-Infinity");
  const body = JSON.stringify(
    batchBody("r", {
      metrics: [
        { key: "a", value: Number.NaN, timestamp: 1, step: 0 },
        { key: "a", value: -0.5, timestamp: 1, step: 1 },
      ],
      params: [],
      tags: [],
    }),
  );
  assert.equal(
    body,
    '{"run_id":"r","metrics":[{"key":"a","value":"NaN","timestamp":1,"step":0},{"key":"a","value":-0.5,"timestamp":1,"step":1}]}',
  );
});
