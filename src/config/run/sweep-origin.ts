/** Where a sweep's jobs come from: the sweep's Hydra overrides and config name (Hydra's load_sweep_config). */
import { type DictNode, type ListNode, select, type ValueNode } from "../omegaconf/index.js";

/** The Hydra overrides and config name a sweep's jobs are composed from. */
export function sweepOrigin(master: DictNode): { hydraOverrides: string[]; configName: string | null } {
  const hydraOverrides = (select(master, "hydra.overrides.hydra") as ListNode).items.map((i) =>
    String((i as ValueNode).value),
  );
  const configName = select(master, "hydra.job.config_name", { default: null });
  return { hydraOverrides, configName: typeof configName === "string" ? configName : null };
}
