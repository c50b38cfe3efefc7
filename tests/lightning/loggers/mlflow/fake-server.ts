// A loopback stand-in for an MLflow 3.6 tracking server (node:http on 127.0.0.1, port 0), answering the way the
// real server answered in tests/fixtures/mlflow/rest: same paths, status codes, error_code values, limits and
// response shapes. It records every request, and faults can be injected (status codes, delays, going away).
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the server saw it. */
export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

interface FakeRun {
  info: Record<string, unknown>;
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: Record<string, unknown>[];
}

/** A fault for the next matching request: answer with `status`, or wait `delayMs` before answering normally. */
export interface Fault {
  status?: number;
  delayMs?: number;
  match?: (method: string, path: string) => boolean;
}

const json = (res: ServerResponse, status: number, body: unknown, pretty = status === 200): boolean => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body));
  return status === 200;
};
const error = (res: ServerResponse, status: number, code: string, message: string) =>
  json(res, status, { error_code: code, message }, false);

/** The fake server; `url` is its base URL once started. */
export class FakeMlflowServer {
  readonly requests: Recorded[] = [];
  readonly faults: Fault[] = [];
  readonly experiments = new Map<string, { id: string; name: string; tags: unknown[] }>();
  readonly runs = new Map<string, FakeRun>();
  readonly artifacts = new Map<string, Buffer>();
  private server: Server | undefined;
  private port = 0;
  private nextExperiment = 1;
  private nextRun = 1;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts listening (on a fresh port the first time, on the same port after stop()). */
  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(this.port, "127.0.0.1");
    await once(this.server, "listening");
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Goes away: stops listening and drops open connections. */
  async stop(): Promise<void> {
    if (!this.server) return;
    const s = this.server;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** Requests to one endpoint (path before the query string ends with `suffix`). */
  calls(suffix: string): Recorded[] {
    return this.requests.filter((r) => r.path.split("?")[0].endsWith(suffix));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    this.requests.push({ method, path, headers: req.headers, body: raw.toString("utf8") });
    const i = this.faults.findIndex((f) => !f.match || f.match(method, path));
    if (i >= 0) {
      const [fault] = this.faults.splice(i, 1);
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.status) return error(res, fault.status, "TEMPORARILY_UNAVAILABLE", "injected fault");
    }
    if (res.destroyed) return false;
    const url = new URL(path, "http://x");
    if (method === "PUT" && url.pathname.startsWith("/api/2.0/mlflow-artifacts/artifacts/")) {
      this.artifacts.set(decodeURI(url.pathname.slice("/api/2.0/mlflow-artifacts/artifacts/".length)), raw);
      return json(res, 200, {});
    }
    const endpoint = url.pathname.replace("/api/2.0/mlflow/", "");
    const body = raw.length ? (JSON.parse(raw.toString("utf8")) as Record<string, unknown>) : {};
    return this.route(method, endpoint, url.searchParams, body, res);
  }

  private route(
    method: string,
    endpoint: string,
    q: URLSearchParams,
    body: Record<string, unknown>,
    res: ServerResponse,
  ): boolean {
    const key = `${method} ${endpoint}`;
    if (key === "GET experiments/get-by-name") {
      const exp = this.experiments.get(q.get("experiment_name") ?? "");
      if (!exp)
        return error(
          res,
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `Could not find experiment with name '${q.get("experiment_name")}'`,
        );
      return json(res, 200, {
        experiment: {
          experiment_id: exp.id,
          name: exp.name,
          artifact_location: `mlflow-artifacts:/${exp.id}`,
          lifecycle_stage: "active",
          tags: exp.tags,
        },
      });
    }
    if (key === "POST experiments/create") {
      const name = String(body.name);
      if (this.experiments.has(name))
        return error(
          res,
          400,
          "RESOURCE_ALREADY_EXISTS",
          `Experiment(name=${name}) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint failed`,
        );
      const id = String(this.nextExperiment++);
      this.experiments.set(name, { id, name, tags: (body.tags as unknown[]) ?? [] });
      return json(res, 200, { experiment_id: id });
    }
    if (key === "POST runs/create") {
      const runId = `${String(this.nextRun++).padStart(4, "0")}${"a".repeat(28)}`;
      const tags = new Map(
        ((body.tags as { key: string; value: string }[]) ?? []).map((t) => [t.key, t.value]),
      );
      const runName = String(body.run_name ?? tags.get("mlflow.runName") ?? "fake-run");
      if (!tags.has("mlflow.runName")) tags.set("mlflow.runName", runName);
      const info = {
        run_uuid: runId,
        experiment_id: body.experiment_id,
        run_name: runName,
        user_id: body.user_id,
        status: "RUNNING",
        start_time: body.start_time,
        artifact_uri: `mlflow-artifacts:/${body.experiment_id}/${runId}/artifacts`,
        lifecycle_stage: "active",
        run_id: runId,
      };
      this.runs.set(runId, { info, params: new Map(), tags, metrics: [] });
      return json(res, 200, {
        run: { info, data: { tags: [...tags].map(([k, v]) => ({ key: k, value: v })) }, inputs: {} },
      });
    }
    const run = this.runs.get(String(body.run_id ?? q.get("run_id")));
    if (!run)
      return error(
        res,
        404,
        "RESOURCE_DOES_NOT_EXIST",
        `Run with id=${body.run_id ?? q.get("run_id")} not found`,
      );
    if (key === "GET runs/get") {
      const params = [...run.params].map(([k, v]) => ({ key: k, value: v }));
      return json(res, 200, {
        run: {
          info: run.info,
          data: { params, tags: [...run.tags].map(([k, v]) => ({ key: k, value: v })) },
          inputs: {},
          outputs: {},
        },
      });
    }
    if (key === "POST runs/log-batch") return this.logBatch(run, body, res);
    if (key === "GET metrics/get-history") {
      // Like MLflow 3.6: a missing max_results reads as 0 (no points, only a token); the token is base64 JSON.
      const all = run.metrics.filter((m) => m.key === q.get("metric_key"));
      const max = Number(q.get("max_results") ?? 0);
      const token = q.get("page_token");
      const offset = token
        ? (JSON.parse(Buffer.from(token, "base64").toString()) as { offset: number }).offset
        : 0;
      const page = all.slice(offset, offset + max);
      const out: Record<string, unknown> = {};
      if (page.length) out.metrics = page;
      if (offset + max < all.length || max === 0)
        out.next_page_token = Buffer.from(`{"offset": ${offset + max}}`).toString("base64");
      return json(res, 200, out);
    }
    if (key === "POST runs/set-tag") {
      run.tags.set(String(body.key), String(body.value));
      return json(res, 200, {});
    }
    if (key === "POST runs/update") {
      run.info.status = body.status;
      if (body.end_time !== undefined) run.info.end_time = body.end_time;
      else delete run.info.end_time;
      return json(res, 200, { run_info: run.info });
    }
    return error(res, 404, "ENDPOINT_NOT_FOUND", `No ${method} ${endpoint}`);
  }

  private logBatch(run: FakeRun, body: Record<string, unknown>, res: ServerResponse): boolean {
    const metrics = (body.metrics as Record<string, unknown>[]) ?? [];
    const params = (body.params as { key: string; value: string }[]) ?? [];
    const tags = (body.tags as { key: string; value: string }[]) ?? [];
    const bad = (m: string) => error(res, 400, "INVALID_PARAMETER_VALUE", m);
    if (metrics.length > 1000)
      return bad(`A batch logging request can contain at most 1000 metrics. Got ${metrics.length} metrics.`);
    if (params.length > 100)
      return bad(`A batch logging request can contain at most 100 params. Got ${params.length} params.`);
    if (tags.length > 100)
      return bad(`A batch logging request can contain at most 100 tags. Got ${tags.length} tags.`);
    const i = metrics.findIndex((m) => m.value === null || m.value === undefined);
    if (i >= 0) return bad(`Missing value for required parameter 'metrics[${i}].value'.`);
    for (const p of params) {
      const old = run.params.get(p.key);
      if (old !== undefined && old !== p.value.slice(0, 6000))
        return bad(
          `Changing param values is not allowed. Params were already logged='[{'key': '${p.key}'}]'`,
        );
    }
    for (const p of params) run.params.set(p.key, p.value.slice(0, 6000));
    for (const t of tags) run.tags.set(t.key, t.value);
    run.metrics.push(...metrics);
    return json(res, 200, {});
  }
}
