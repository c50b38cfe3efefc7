// The standard objectives of the sampler-quality benchmark, each once in TypeScript (for Kiln's samplers) and
// once as Python source (for Optuna's), written the same way so both minimise the same function.
import type { Trial } from "../../src/optuna/trial.js";

/** One benchmark objective. */
export interface BenchObjective {
  name: string;
  /** The known minimum (or the best value known), for the table. */
  optimum: number;
  ts: (t: Trial) => number;
  /** A Python `def objective(t):` body with the same suggestions and arithmetic. */
  python: string;
}

const branin: BenchObjective = {
  name: "branin (2-D)",
  optimum: 0.397887,
  ts: (t) => {
    const x = t.suggestFloat("x", -5, 10);
    const y = t.suggestFloat("y", 0, 15);
    const b = 5.1 / (4 * Math.PI ** 2);
    const c = 5 / Math.PI;
    return (y - b * x ** 2 + c * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
  },
  python: `
    x = t.suggest_float("x", -5, 10)
    y = t.suggest_float("y", 0, 15)
    b = 5.1 / (4 * math.pi ** 2)
    c = 5 / math.pi
    return (y - b * x ** 2 + c * x - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10`,
};

const H_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
];

const hartmann6: BenchObjective = {
  name: "hartmann6 (6-D)",
  optimum: -3.32237,
  ts: (t) => {
    const x = [0, 1, 2, 3, 4, 5].map((i) => t.suggestFloat(`x${i}`, 0, 1));
    let total = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) inner += H_A[i][j] * (x[j] - H_P[i][j] * 1e-4) ** 2;
      total += H_ALPHA[i] * Math.exp(-inner);
    }
    return -total;
  },
  python: `
    x = [t.suggest_float(f"x{i}", 0, 1) for i in range(6)]
    total = 0.0
    for i in range(4):
        inner = 0.0
        for j in range(6):
            inner += H_A[i][j] * (x[j] - H_P[i][j] * 1e-4) ** 2
        total += H_ALPHA[i] * math.exp(-inner)
    return -total`,
};

// A training-run-like space: log learning rate and weight decay, categorical batch size and optimizer, an int
// depth and a float dropout, with interactions (the best learning rate depends on the optimizer).
const mixed: BenchObjective = {
  name: "hpo-mixed (log + categorical, 6-D)",
  optimum: 0,
  ts: (t) => {
    const lr = t.suggestFloat("lr", 1e-5, 1.0, { log: true });
    const wd = t.suggestFloat("weight_decay", 1e-6, 1e-1, { log: true });
    const bs = t.suggestCategorical("batch_size", [16, 32, 64, 128, 256]);
    const opt = t.suggestCategorical("optimizer", ["sgd", "adam", "rmsprop"]);
    const depth = t.suggestInt("depth", 1, 8);
    const dropout = t.suggestFloat("dropout", 0.0, 0.5);
    const best = { sgd: -1.0, adam: -3.0, rmsprop: -2.5 }[opt];
    return (
      (Math.log10(lr) - best) ** 2 +
      0.5 * (Math.log10(wd) + 4) ** 2 +
      ({ 16: 0.4, 32: 0.1, 64: 0.0, 128: 0.2, 256: 0.6 } as Record<number, number>)[bs] +
      { sgd: 0.3, adam: 0.0, rmsprop: 0.15 }[opt] +
      0.05 * (depth - 4) ** 2 +
      4 * (dropout - 0.2) ** 2
    );
  },
  python: `
    lr = t.suggest_float("lr", 1e-5, 1.0, log=True)
    wd = t.suggest_float("weight_decay", 1e-6, 1e-1, log=True)
    bs = t.suggest_categorical("batch_size", [16, 32, 64, 128, 256])
    opt = t.suggest_categorical("optimizer", ["sgd", "adam", "rmsprop"])
    depth = t.suggest_int("depth", 1, 8)
    dropout = t.suggest_float("dropout", 0.0, 0.5)
    best = {"sgd": -1.0, "adam": -3.0, "rmsprop": -2.5}[opt]
    return ((math.log10(lr) - best) ** 2 + 0.5 * (math.log10(wd) + 4) ** 2
            + {16: 0.4, 32: 0.1, 64: 0.0, 128: 0.2, 256: 0.6}[bs]
            + {"sgd": 0.3, "adam": 0.0, "rmsprop": 0.15}[opt] + 0.05 * (depth - 4) ** 2 + 4 * (dropout - 0.2) ** 2)`,
};

const rosenbrock: BenchObjective = {
  name: "rosenbrock (4-D)",
  optimum: 0,
  ts: (t) => {
    const x = [0, 1, 2, 3].map((i) => t.suggestFloat(`x${i}`, -2.048, 2.048));
    let s = 0;
    for (let i = 0; i < 3; i++) s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
    return s;
  },
  python: `
    x = [t.suggest_float(f"x{i}", -2.048, 2.048) for i in range(4)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))`,
};

/** Every objective of the benchmark. */
export const OBJECTIVES: BenchObjective[] = [branin, hartmann6, mixed, rosenbrock];

/** The Python module that defines the objectives (by index) for Optuna's side. */
export function pythonObjectives(): string {
  const defs = OBJECTIVES.map((o, i) => `def objective_${i}(t):${o.python}\n`).join("\n");
  return `import math\nH_ALPHA = ${JSON.stringify(H_ALPHA)}\nH_A = ${JSON.stringify(H_A)}\nH_P = ${JSON.stringify(
    H_P,
  )}\n\n${defs}\nOBJECTIVES = [${OBJECTIVES.map((_, i) => `objective_${i}`).join(", ")}]\n`;
}
