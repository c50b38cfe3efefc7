// torch.distributed's default process group over libtorch's c10d: a TCPStore hosted by rank 0 for the
// rendezvous and a Gloo group for the collectives. Collectives block until every rank has called them (ranks
// are separate processes). Waiting for the ranks to join is asynchronous so that a launcher can notice a rank
// that died before joining instead of waiting out the timeout.
import { type Handle, native } from "../native.js";
import type { Tensor } from "../tensor.js";
import { wrapList } from "../tensor.js";

declare module "../native.js" {
  interface NativeAddon {
    distStoreConnect(host: string, port: number, isServer: boolean, timeoutMs: number): number;
    distStoreAdd(key: string, delta: number): number;
    distStoreSet(key: string, value: string): void;
    distStoreGet(key: string): string;
    distStoreCheck(key: string): boolean;
    distInitGloo(rank: number, worldSize: number, timeoutMs: number): void;
    distAllReduce(tensors: Handle[], op: string): void;
    distBroadcast(tensors: Handle[], src: number): void;
    distAllReduceCoalesced(tensors: Handle[], op: string): void;
    distBroadcastCoalesced(tensors: Handle[], src: number): void;
    distBarrier(): void;
    distAllGather(tensor: Handle): Handle[];
    distDestroy(): void;
    distState(): { initialized: boolean; rank: number; worldSize: number };
  }
}

/** Reductions of allReduce (PyTorch's ReduceOp names, lower case). */
export type ReduceOp = "sum" | "avg" | "max" | "min" | "product";

/** Options of initProcessGroup; unset ones come from the environment (PyTorch's `env://`). */
export interface InitProcessGroupOptions {
  /** Only "gloo" (CPU tensors). */
  backend?: "gloo";
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
  if ((opts.backend ?? "gloo") !== "gloo") {
    throw new Error(`initProcessGroup: backend "${opts.backend}" is not available; Kiln has "gloo" (CPU)`);
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
  await connectStore(rank, masterAddr, masterPort, deadline, opts.whileWaiting);
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
    native().distInitGloo(rank, worldSize, timeout);
  } catch (err) {
    native().distDestroy();
    throw err;
  }
}

// Rank 0 hosts the store; the others retry connecting in short attempts, so that `whileWaiting` can give up
// early (a client's connect blocks the thread until its own timeout).
async function connectStore(
  rank: number,
  host: string,
  port: number,
  deadline: number,
  whileWaiting: (() => void) | undefined,
): Promise<void> {
  if (rank === 0) {
    native().distStoreConnect(host, port, true, Math.max(1, deadline - Date.now()));
    return;
  }
  for (;;) {
    const left = deadline - Date.now();
    try {
      native().distStoreConnect(host, port, false, Math.max(1, Math.min(left, 2000)));
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

/** This process's rank in the default group. */
export function getRank(): number {
  return requireGroup("getRank").rank;
}

/** Number of ranks in the default group. */
export function getWorldSize(): number {
  return requireGroup("getWorldSize").worldSize;
}

/** Reduces each tensor across all ranks in place (every rank ends with the result). */
export function allReduce(tensors: Tensor | Tensor[], op: ReduceOp = "sum"): void {
  requireGroup("allReduce");
  const list = Array.isArray(tensors) ? tensors : [tensors];
  native().distAllReduce(
    list.map((t) => t.handle),
    op,
  );
}

/** Copies rank `src`'s values into each tensor on every rank, in place. */
export function broadcast(tensors: Tensor | Tensor[], src = 0): void {
  requireGroup("broadcast");
  const list = Array.isArray(tensors) ? tensors : [tensors];
  native().distBroadcast(
    list.map((t) => t.handle),
    src,
  );
}

/**
 * allReduce of many tensors of any shapes through one flat buffer per dtype: one collective instead of one
 * per tensor (how DDP reduces a model's gradients). Runs without autograd, so parameters can be passed.
 */
export function allReduceCoalesced(tensors: Tensor[], op: ReduceOp = "sum"): void {
  requireGroup("allReduceCoalesced");
  native().distAllReduceCoalesced(
    tensors.map((t) => t.handle),
    op,
  );
}

/** broadcast of many tensors of any shapes through one flat buffer per dtype (without autograd). */
export function broadcastCoalesced(tensors: Tensor[], src = 0): void {
  requireGroup("broadcastCoalesced");
  native().distBroadcastCoalesced(
    tensors.map((t) => t.handle),
    src,
  );
}

/** Returns once every rank has reached the barrier. */
export function barrier(): void {
  requireGroup("barrier");
  native().distBarrier();
}

/** Every rank's `tensor` (same shape and dtype on all ranks), in rank order; the caller owns them. */
export function allGather(tensor: Tensor): Tensor[] {
  requireGroup("allGather");
  return wrapList(native().distAllGather(tensor.handle));
}

let objectCounter = 0;

/**
 * Rank `src`'s value (anything JSON can carry) on every rank, passed through the store (PyTorch's
 * broadcast_object_list for one object). Every rank must call it, in the same order.
 */
export function broadcastObject<T>(value: T, src = 0): T {
  const { rank } = requireGroup("broadcastObject");
  const key = `kiln/object/${objectCounter++}`;
  if (rank === src) {
    native().distStoreSet(key, JSON.stringify(value === undefined ? null : value));
    return value;
  }
  return JSON.parse(native().distStoreGet(key)) as T;
}

/** Leaves the default process group and disconnects from the store (a no-op when not initialized). */
export function destroyProcessGroup(): void {
  objectCounter = 0;
  native().distDestroy();
}
