// One rank of the collectives test (collectives.test.ts starts two): joins the group from the environment,
// runs each collective, and prints what it got as one JSON line. SCENARIO=die makes rank 1 exit after joining.
import { tensor } from "../../../src/torch/creation.js";
import {
  allGather,
  allReduce,
  allReduceCoalesced,
  barrier,
  broadcast,
  broadcastCoalesced,
  broadcastObject,
  destroyProcessGroup,
  getRank,
  getWorldSize,
  initProcessGroup,
  isInitialized,
} from "../../../src/torch/distributed/index.js";

const scenario = process.env.SCENARIO ?? "ok";
await initProcessGroup({ backend: "gloo", timeout: 20_000 });
const rank = getRank();
const out: Record<string, unknown> = { rank, worldSize: getWorldSize(), initialized: isInitialized() };
if (scenario === "die" && rank === 1) process.exit(3);
try {
  const ops = ["sum", "avg", "max", "min", "product"] as const;
  for (const op of ops) {
    const t = tensor([rank + 1, 10 * (rank + 1), -rank], { dtype: "float32" });
    allReduce(t, op);
    out[op] = t.toArray();
  }
  const pair = [tensor([rank], { dtype: "int64" }), tensor([[rank, 1]], { dtype: "float64" })];
  allReduce(pair, "sum");
  out.list = pair.map((t) => t.toArray());
  const nonContiguous = tensor(
    [
      [rank, rank + 1],
      [rank + 2, rank + 3],
    ],
    { dtype: "float32" },
  ).t();
  allReduce(nonContiguous, "sum");
  out.transposed = nonContiguous.toArray();
  const b = tensor([rank * 5 + 1, rank * 5 + 2], { dtype: "float32" });
  broadcast(b, 1);
  out.broadcast = b.toArray();
  const mixed = [
    tensor([[rank, 2 * rank]], { dtype: "float32" }),
    tensor([rank + 1], { dtype: "float64" }),
    tensor([3 * rank], { dtype: "float32" }),
  ];
  allReduceCoalesced(mixed, "avg");
  out.coalescedAvg = mixed.map((t) => t.toArray());
  const leaf = tensor([rank, rank + 10], { dtype: "float32" });
  leaf.requiresGrad = true;
  const other = tensor([[rank * 7]], { dtype: "float32" });
  broadcastCoalesced([leaf, other], 1);
  out.coalescedBroadcast = [leaf.toArray(), other.toArray(), leaf.requiresGrad];
  barrier();
  out.gathered = allGather(tensor([rank, rank * 2], { dtype: "float32" })).map((t) => t.toArray());
  out.object = broadcastObject(rank === 0 ? { dir: "version_3", n: 7 } : null, 0);
} catch (err) {
  out.error = err instanceof Error ? err.message : String(err);
}
destroyProcessGroup();
out.afterDestroy = isInitialized();
console.log(JSON.stringify(out));
