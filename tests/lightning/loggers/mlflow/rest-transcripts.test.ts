// The REST client against the transcripts of a real MLflow 3.6 server (tests/fixtures/mlflow/rest): the same
// calls must produce the same requests (method, path and query, content-type, compact JSON body byte for byte),
// and the loopback fake server must answer those requests the way the real server did (status, error_code).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { decodeJsonMetricValue, type Metric } from "../../../../src/lightning/loggers/mlflow/entities.js";
import { RestClient } from "../../../../src/lightning/loggers/mlflow/rest-client.js";
import { RestStore } from "../../../../src/lightning/loggers/mlflow/rest-store.js";
import { FakeMlflowServer, type Recorded } from "./fake-server.js";

const restDir = join(import.meta.dirname, "..", "..", "..", "..", "tests", "fixtures", "mlflow", "rest");
const files = readdirSync(restDir).sort();
interface Exchange {
  method: string;
  path: string;
  request_headers: Record<string, string>;
  request_body: unknown;
  status: number;
  response_body: unknown;
}
/** Transcript number `n` (1-based, as in the file names). */
const tr = (n: number): Exchange =>
  JSON.parse(
    readFileSync(join(restDir, files.find((f) => f.startsWith(`${String(n).padStart(2, "0")}-`))!), "utf8"),
  );
const transcriptRunId = "564e5641104440518514b44d2693474a";

let server: FakeMlflowServer;
before(async () => {
  server = await new FakeMlflowServer().start();
});
after(() => server.stop());

/** Asserts that a recorded request is the transcript's request (the run id swapped for the fake's). */
function assertSameRequest(got: Recorded, want: Exchange, runId: string): void {
  const label = `${want.method} ${want.path}`;
  assert.equal(got.method, want.method, label);
  assert.equal(got.path, want.path.replaceAll(transcriptRunId, runId), label);
  assert.equal(got.headers["content-type"], want.request_headers["content-type"], `${label}: content-type`);
  if (want.request_body === null) assert.equal(got.body, "", `${label}: GET has no body`);
  else if (typeof want.request_body === "string") assert.equal(got.body, want.request_body, label);
  else {
    const expected = JSON.stringify(want.request_body).replaceAll(transcriptRunId, runId);
    assert.equal(got.body, expected, `${label}: compact JSON body, same key order`);
  }
}

test("a full run's calls send exactly the transcripts' requests (01-06, 14, 15, 19, 21, 22)", async () => {
  server.requests.length = 0;
  const store = new RestStore(new RestClient(server.url, { env: {} }));
  assert.equal(await store.getExperimentByName("kiln-fixture"), undefined); // 01: 404 -> undefined
  const created = tr(2).request_body as { tags: { key: string; value: string }[] };
  const expId = await store.createExperiment("kiln-fixture", null, created.tags); // 02
  assert.equal(expId, "1");
  // 03 + 04: a racing creator got there first: RESOURCE_ALREADY_EXISTS, then get-by-name.
  assert.equal(await store.createExperiment("kiln-fixture"), "1");
  const c = tr(5).request_body as { start_time: number; tags: { key: string; value: string }[] };
  const run = await store.createRun({
    experimentId: expId,
    runName: "rest-run",
    startTime: c.start_time,
    userId: "kiln",
    tags: c.tags,
  });
  const b = tr(6).request_body as { metrics: Metric[]; params: never[]; tags: never[] };
  const metrics = b.metrics.map((m) => ({ ...m, value: decodeJsonMetricValue(m.value) }));
  assert.ok(Number.isNaN(metrics[6].value) && metrics[7].value === Number.POSITIVE_INFINITY);
  await store.logBatch(run.runId, { metrics, params: b.params, tags: b.tags }); // 06: non-finite as strings
  await store.setTag(run.runId, "mlflow.note.content", "hello"); // 14
  await store.uploadArtifact(
    run.artifactUri,
    "hydra/config.yaml",
    Buffer.from(tr(15).request_body as string),
  ); // 15
  await store.updateRun(run.runId, "FINISHED", (tr(19).request_body as { end_time: number }).end_time); // 19
  const history = await store.getMetricHistory(run.runId, "train/loss", 3); // 21, 22: paged
  assert.deepEqual(
    history.map((m) => m.value),
    [1, 0.5, 0.3333333333333333, 0.25, 0.2],
  );
  const order = [1, 2, 3, 4, 5, 6, 14, 15, 19, 21, 22];
  assert.equal(server.requests.length, order.length);
  order.forEach((n, i) => {
    assertSameRequest(server.requests[i], tr(n), run.runId);
  });
  assert.equal(
    server.artifacts.get(`1/${run.runId}/artifacts/hydra/config.yaml`)?.toString(),
    tr(15).request_body,
  );
});

test("the fake server answers the transcripts' requests with the real server's status and error_code", async () => {
  const fresh = await new FakeMlflowServer().start();
  try {
    const client = new RestClient(fresh.url, { env: {}, maxRetries: 0 });
    const store = new RestStore(client);
    const expId = await store.createExperiment("kiln-fixture");
    const run = await store.createRun({
      experimentId: expId,
      runName: "r",
      startTime: 1,
      userId: "u",
      tags: [],
    });
    await client.post("runs/log-batch", { run_id: run.runId, params: [{ key: "batch_size", value: "64" }] });
    for (const n of [3, 7, 8, 9, 10, 11, 12, 13, 25]) {
      const want = tr(n);
      const body = JSON.stringify(want.request_body).replaceAll(transcriptRunId, run.runId);
      const path = want.path.replace("/api/2.0/mlflow/", "");
      const call =
        want.method === "GET"
          ? client.request("GET", want.path)
          : client.request(want.method, `/api/2.0/mlflow/${path}`, body, "application/json");
      const wantCode = (want.response_body as { error_code?: string }).error_code;
      if (want.status === 200) await call;
      else
        await assert.rejects(call, (e: { errorCode: string; httpStatus: number }) => {
          assert.equal(e.errorCode, wantCode, `transcript ${n}`);
          assert.equal(e.httpStatus, want.status, `transcript ${n}`);
          return true;
        });
    }
    // 23: without max_results the server returns no points, which is why the client always sends it.
    const res = await client.request(
      "GET",
      `/api/2.0/mlflow/metrics/get-history?run_id=${run.runId}&metric_key=int64%2Fas_string`,
    );
    assert.equal(res.metrics, undefined);
    assert.equal(typeof res.next_page_token, "string");
  } finally {
    await fresh.stop();
  }
});
