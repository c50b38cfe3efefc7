/**
 * HTTP to an MLflow tracking server (REST API 2.0) with Node's fetch: auth from the environment, per-request
 * timeouts, bounded retries with exponential backoff on 408/429/5xx and network errors, and errors matched on
 * the server's `error_code` (never on its message, which may carry SQL text).
 */
import { MlflowError } from "./entities.js";

/** Tuning of the HTTP layer; tests inject small values. */
export interface RestClientOptions {
  /** Per-request timeout (default 30 s; MLflow's own default is 120 s). */
  timeoutMs?: number;
  /** Retries after the first try for transient failures (default 5). */
  maxRetries?: number;
  /** First backoff delay, doubled on each retry (default 500 ms). */
  backoffMs?: number;
  /** Upper bound of one backoff delay (default 10 s). */
  maxBackoffMs?: number;
  /** Give up retrying once this much time has passed since the first try (default 60 s). */
  maxTotalMs?: number;
  /** Environment holding MLFLOW_TRACKING_TOKEN / MLFLOW_TRACKING_USERNAME / _PASSWORD (default process.env). */
  env?: NodeJS.ProcessEnv;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** The Authorization header MLflow's client would send for this environment, if any. */
export function authHeader(env: NodeJS.ProcessEnv): string | undefined {
  if (env.MLFLOW_TRACKING_TOKEN) return `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
  if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD !== undefined) {
    const raw = `${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD}`;
    return `Basic ${Buffer.from(raw, "utf8").toString("base64")}`;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A small MLflow REST client: JSON calls under /api/2.0/mlflow/ and raw artifact uploads. */
export class RestClient {
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxTotalMs: number;
  private readonly auth: string | undefined;
  /** Number of HTTP requests made (tries included), for reports and tests. */
  requestCount = 0;
  /** Aborts the requests under way (abortAll), so that a deadline never waits out a request's own timeout. */
  #abort = new AbortController();

  constructor(
    readonly baseUrl: string,
    options: RestClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 5;
    this.backoffMs = options.backoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.maxTotalMs = options.maxTotalMs ?? 60_000;
    this.auth = authHeader(options.env ?? process.env);
  }

  /** GET `/api/2.0/mlflow/<endpoint>?<query>`. */
  get(endpoint: string, query: Record<string, string | number>): Promise<Record<string, unknown>> {
    const qs = new URLSearchParams(
      Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    return this.request("GET", `/api/2.0/mlflow/${endpoint}?${qs}`);
  }

  /** POST a compact JSON body to `/api/2.0/mlflow/<endpoint>`. */
  post(endpoint: string, body: unknown): Promise<Record<string, unknown>> {
    return this.request("POST", `/api/2.0/mlflow/${endpoint}`, JSON.stringify(body), "application/json");
  }

  /** PUT raw bytes to the artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/<path>`). */
  putArtifact(path: string, data: Uint8Array): Promise<Record<string, unknown>> {
    // Like Python's requests: keep `=`, `:` and friends (checkpoint names), escape what a URL cannot hold.
    const encoded = path
      .split("/")
      .map((seg) => encodeURI(seg).replace(/[?#]/g, encodeURIComponent))
      .join("/");
    return this.request(
      "PUT",
      `/api/2.0/mlflow-artifacts/artifacts/${encoded}`,
      data,
      "application/octet-stream",
    );
  }

  /** Cancels every request under way (they reject as transient REQUEST_ABORTED errors, not retried). */
  abortAll(): void {
    this.#abort.abort();
    this.#abort = new AbortController();
  }

  /** One call with retries; resolves to the parsed JSON body, rejects with an MlflowError. */
  async request(
    method: string,
    path: string,
    body?: string | Uint8Array,
    contentType?: string,
  ): Promise<Record<string, unknown>> {
    const started = Date.now();
    const cancel = this.#abort.signal;
    for (let attempt = 0; ; attempt++) {
      let error: MlflowError;
      try {
        return await this.once(method, path, body, contentType, cancel);
      } catch (err) {
        error = err instanceof MlflowError ? err : new MlflowError("INTERNAL_ERROR", String(err));
      }
      const delay = Math.min(this.backoffMs * 2 ** attempt, this.maxBackoffMs);
      const outOfTime = Date.now() - started + delay > this.maxTotalMs;
      if (!error.transient || attempt >= this.maxRetries || outOfTime || cancel.aborted) throw error;
      await sleep(delay);
    }
  }

  private async once(
    method: string,
    path: string,
    body: string | Uint8Array | undefined,
    contentType: string | undefined,
    cancel: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = {};
    if (contentType) headers["content-type"] = contentType;
    if (this.auth) headers.authorization = this.auth;
    const url = `${this.baseUrl}${path}`;
    this.requestCount++;
    let res: Response;
    let text: string;
    try {
      const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs), cancel]);
      res = await fetch(url, { method, headers, body, signal });
      text = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      if (cancel.aborted) {
        throw new MlflowError(
          "REQUEST_ABORTED",
          `${method} ${url} was cancelled: its deadline passed`,
          undefined,
          true,
        );
      }
      const timedOut = e.name === "TimeoutError" || e.name === "AbortError";
      const why = timedOut ? `no answer within ${this.timeoutMs} ms` : (e.cause?.code ?? e.message);
      throw new MlflowError(
        timedOut ? "REQUEST_TIMEOUT" : "NETWORK_ERROR",
        `${method} ${url} failed: ${why}. Is the MLflow server running and reachable?`,
        undefined,
        true,
      );
    }
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = { message: text.slice(0, 300) };
    }
    if (res.ok) return json;
    const code = typeof json.error_code === "string" ? json.error_code : `HTTP_${res.status}`;
    const message = typeof json.message === "string" ? json.message : text.slice(0, 300);
    const hint =
      res.status === 401 || res.status === 403 ? " (set MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD)" : "";
    throw new MlflowError(
      code,
      `${method} ${path} -> ${res.status} ${code}: ${message}${hint}`,
      res.status,
      RETRY_STATUS.has(res.status),
    );
  }
}
