// torch.distributed's default process group over libtorch's c10d: a TCPStore (hosted by rank 0, or by a
// torchrun agent) for the rendezvous, and the groups of native/dist.h for the collectives. Collectives block
// until every rank has called them (ranks are separate processes); each is fingerprinted first, so ranks
// that call different collectives fail together with an error that says what each one ran. Waiting for the
// ranks to join is asynchronous so that a launcher can notice a rank that died before joining instead of
// waiting out the timeout.
import { type Handle, native } from "../native.js";
import type { Tensor } from "../tensor.js";
import { wrapList } from "../tensor.js";

declare module "../native.js" {
  interface NativeAddon {
    distStoreConnect(
      host: string,
      port: number,
      isServer: boolean,
      timeoutMs: number,
      prefix?: string,
    ): number;
    distStoreAdd(key: string, delta: number): number;
    distStoreSet(key: string, value: string): void;
    distStoreGet(key: string, timeoutMs?: number): string;
    distStoreCheck(key: string): boolean;
    distInitGroups(
      rank: number,
      worldSize: number,
      timeoutMs: number,
      loopback: boolean,
      nccl: boolean,
    ): void;
    distAllReduce(tensors: Handle[], op: string, tag?: string): void;
    distBroadcast(tensors: Handle[], src: number, tag?: string): void;
    distAllReduceCoalesced(tensors: Handle[], op: string, tag?: string): void;
    distBroadcastCoalesced(tensors: Handle[], src: number, tag?: string): void;
    distBarrier(tag?: string): void;
    distAllGather(tensor: Handle, tag?: string): Handle[];
    distBroadcastString(value: string, src: number, tag?: string): string;
    distDestroy(): void;
    distState(): { initialized: boolean; rank: number; worldSize: number; nccl: boolean };
    distNcclAvailable(): boolean;
  }
}

/** Reductions of allReduce (PyTorch's ReduceOp names, lower case). */
export type ReduceOp = "sum" | "avg" | "max" | "min" | "product";

/** Options of initProcessGroup; unset ones come from the environment (PyTorch's `env://`). */
export interface InitProcessGroupOptions {
  /** "gloo" (CPU tensors), or "nccl" (CUDA tensors through NCCL, CPU ones through Gloo; the CUDA build). */
  backend?: "gloo" | "nccl";
  /** This process's rank (default: env RANK). */
  rank?: number;
  /** Number of ranks (default: env WORLD_SIZE). */
  worldSize?: number;
  /** Address of rank 0's store (default: env MASTER_ADDR, else 127.0.0.1). */
  masterAddr?: string;
  /** Port of rank 0's store (default: env MASTER_PORT). */
  masterPort?: number;
  /** Timeout of the rendezvous and of every collective, in ms (default 30 minutes, as PyTorch's). */
  timeout?: number;
  /** Called while waiting for the other ranks; throw from it to give up (e.g. a launched rank exited). */
  whileWaiting?: () => void;
  /**
   * Whether this process hosts the store (default: rank 0). false for every rank when a torchrun agent hosts
   * it (TORCHELASTIC_USE_AGENT_STORE).
   */
  hostStore?: boolean;
  /** A prefix for every store key (torchrun's "/worker/attempt_<restart>" on the agent's store). */
  storePrefix?: string;
}

/** PyTorch's default_pg_timeout: 30 minutes. */
export const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
const JOIN_KEY = "kiln/joined";
const POLL_MS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`initProcessGroup: env ${name}=${v} is not an integer >= 0`);
  return n;
}

function required(value: number | undefined, option: string, env: string): number {
  if (value === undefined) {
    throw new Error(
      `initProcessGroup: ${option} is not set; pass {${option}} or set the ${env} environment variable`,
    );
  }
  return value;
}

/**
 * Joins the default process group: connects to rank 0's TCPStore (rank 0 hosts it), waits until every rank
 * has joined, then creates the Gloo group. Rejects with a clear error when the ranks do not all arrive in time.
 */
export async function initProcessGroup(opts: InitProcessGroupOptions = {}): Promise<void> {
  const backend = opts.backend ?? "gloo";
  if (backend !== "gloo" && backend !== "nccl") {
    throw new Error(
      `initProcessGroup: backend "${backend}" is not available; use "gloo" (CPU) or "nccl" (CUDA)`,
    );
  }
  if (backend === "nccl" && !native().distNcclAvailable()) {
    throw new Error(
      'initProcessGroup: backend "nccl" needs the CUDA addon (node scripts/build-cuda-addon.mjs, against a ' +
        'CUDA libtorch); this addon has Gloo only. Use backend "gloo" for CPU tensors.',
    );
  }
  if (isInitialized()) {
    throw new Error("initProcessGroup: the default process group is already initialized (destroy it first)");
  }
  const rank = required(opts.rank ?? envInt("RANK"), "rank", "RANK");
  const worldSize = required(opts.worldSize ?? envInt("WORLD_SIZE"), "worldSize", "WORLD_SIZE");
  const masterAddr = opts.masterAddr ?? process.env.MASTER_ADDR ?? "127.0.0.1";
  const masterPort = required(opts.masterPort ?? envInt("MASTER_PORT"), "masterPort", "MASTER_PORT");
  const timeout = opts.timeout ?? DEFAULT_TIMEOUT_MS;
  if (worldSize < 1 || rank >= worldSize) {
    throw new Error(`initProcessGroup: rank ${rank} is not in 0..${worldSize - 1} (worldSize ${worldSize})`);
  }
  const where = `${masterAddr}:${masterPort}`;
  const deadline = Date.now() + timeout;
  const host = opts.hostStore ?? rank === 0;
  await connectStore(rank, host, masterAddr, masterPort, deadline, opts.storePrefix, opts.whileWaiting);
  try {
    native().distStoreAdd(JOIN_KEY, 1);
    for (;;) {
      const joined = native().distStoreAdd(JOIN_KEY, 0);
      if (joined >= worldSize) break;
      if (Date.now() > deadline) {
        throw new Error(
          `initProcessGroup: only ${joined} of ${worldSize} ranks joined the store at ${where} within ` +
            `${timeout} ms; a rank failed to start or cannot reach the master`,
        );
      }
      opts.whileWaiting?.();
      await sleep(POLL_MS);
    }
    native().distInitGroups(rank, worldSize, timeout, isLoopback(masterAddr), backend === "nccl");
  } catch (err) {
    native().distDestroy();
    throw err;
  }
}

/** Whether `addr` names this machine's loopback (every rank then talks over 127.0.0.1). */
export function isLoopback(addr: string): boolean {
  return addr === "localhost" || addr === "::1" || /^127\./.test(addr);
}

// The host (rank 0, unless an agent hosts the store) binds it; clients retry connecting in short attempts, so
// that `whileWaiting` can give up early (a client's connect blocks the thread until its own timeout).
async function connectStore(
  rank: number,
  isHost: boolean,
  host: string,
  port: number,
  deadline: number,
  prefix: string | undefined,
  whileWaiting: (() => void) | undefined,
): Promise<void> {
  if (isHost) {
    native().distStoreConnect(host, port, true, Math.max(1, deadline - Date.now()), prefix);
    return;
  }
  for (;;) {
    const left = deadline - Date.now();
    try {
      native().distStoreConnect(host, port, false, Math.max(1, Math.min(left, 2000)), prefix);
      return;
    } catch (err) {
      if (left <= 2000) {
        throw new Error(
          `initProcessGroup: rank ${rank} could not connect to the master's store at ${host}:${port}: ` +
            (err instanceof Error ? err.message : String(err)),
        );
      }
      whileWaiting?.();
      await sleep(POLL_MS);
    }
  }
}

/** Whether this process has joined the default process group. */
export function isInitialized(): boolean {
  return native().distState().initialized;
}

function requireGroup(what: string): { rank: number; worldSize: number } {
  const state = native().distState();
  if (!state.initialized) {
    throw new Error(`${what}: the default process group is not initialized; call initProcessGroup first`);
  }
  return state;
}

/** Throws unless the default process group is initialized (`what` names the caller). */
export function requireInitialized(what: string): void {
  requireGroup(what);
}

/** This process's rank in the default group. */
export function getRank(): number {
  return requireGroup("getRank").rank;
}

/** Number of ranks in the default group. */
export function getWorldSize(): number {
  return requireGroup("getWorldSize").worldSize;
}

// Every collective takes an optional `tag` saying what it is for ("reducing logged values"): it is part of
// the fingerprint, so two ranks that exchange same-shaped tensors for different purposes fail instead of
// mixing them, and the error names it.

/** Reduces each tensor across all ranks in place (every rank ends with the result). */
export function allReduce(tensors: Tensor | Tensor[], op: ReduceOp = "sum", tag?: string): void {
  requireGroup("allReduce");
  const list = Array.isArray(tensors) ? tensors : [tensors];
  native().distAllReduce(
    list.map((t) => t.handle),
    op,
    tag,
  );
}

/** Copies rank `src`'s values into each tensor on every rank, in place. */
export function broadcast(tensors: Tensor | Tensor[], src = 0, tag?: string): void {
  requireGroup("broadcast");
  const list = Array.isArray(tensors) ? tensors : [tensors];
  native().distBroadcast(
    list.map((t) => t.handle),
    src,
    tag,
  );
}

/**
 * allReduce of many tensors of any shapes through one flat buffer per dtype: one collective instead of one
 * per tensor. Runs without autograd, so parameters can be passed.
 */
export function allReduceCoalesced(tensors: Tensor[], op: ReduceOp = "sum", tag?: string): void {
  requireGroup("allReduceCoalesced");
  native().distAllReduceCoalesced(
    tensors.map((t) => t.handle),
    op,
    tag,
  );
}

/** broadcast of many tensors of any shapes through one flat buffer per dtype (without autograd). */
export function broadcastCoalesced(tensors: Tensor[], src = 0, tag?: string): void {
  requireGroup("broadcastCoalesced");
  native().distBroadcastCoalesced(
    tensors.map((t) => t.handle),
    src,
    tag,
  );
}

/** Returns once every rank has reached the barrier. */
export function barrier(tag?: string): void {
  requireGroup("barrier");
  native().distBarrier(tag);
}

/** Every rank's `tensor` (same shape and dtype on all ranks), in rank order; the caller owns them. */
export function allGather(tensor: Tensor, tag?: string): Tensor[] {
  requireGroup("allGather");
  return wrapList(native().distAllGather(tensor.handle, tag));
}

/**
 * Rank `src`'s value (anything JSON can carry) on every rank, passed through the store (PyTorch's
 * broadcast_object_list for one object). Every rank must call it, in the same order.
 */
export function broadcastObject<T>(value: T, src = 0, tag?: string): T {
  const { rank } = requireGroup("broadcastObject");
  const sent = rank === src ? JSON.stringify(value === undefined ? null : value) : "";
  const received = native().distBroadcastString(sent, src, tag);
  return rank === src ? value : (JSON.parse(received) as T);
}

/** Leaves the default process group and disconnects from the store (a no-op when not initialized). */
export function destroyProcessGroup(): void {
  native().distDestroy();
}

/** Whether this addon can run NCCL (the CUDA build). */
export function isNcclAvailable(): boolean {
  return native().distNcclAvailable();
}

/** The backend of the default group's CUDA tensors: "nccl" when it has one, else null. */
export function cudaBackend(): "nccl" | null {
  return native().distState().nccl ? "nccl" : null;
}
