// The hook caller's fast paths: synchronous callback hooks cost no Promise, async ones still run in order, and
// hooks left at the base class's no-op or pass-through are skipped unless a profiler records every call.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Callback } from "../../../src/lightning/callbacks/callback.js";
import { LightningModule } from "../../../src/lightning/module.js";
import { HookCaller, type HookHost } from "../../../src/lightning/trainer/hooks.js";
import { SimpleProfiler } from "../../../src/lightning/trainer/profiler.js";
import type { Trainer } from "../../../src/lightning/trainer/trainer.js";

function host(callbacks: Callback[], module: LightningModule, profiler: SimpleProfiler | null): HookHost {
  // Callback hooks receive (trainer, module): a stand-in trainer is enough here.
  module.trainer = {} as Trainer;
  return { callbacks, lightningModule: module, datamodule: null, profiler, currentFxName: null };
}

class Recorder extends Callback {
  constructor(
    readonly name: string,
    readonly seen: string[],
    readonly delayMs: number | null = null,
  ) {
    super();
  }
  override onTrainBatchEnd(): Promise<void> | undefined {
    this.seen.push(`${this.name} start`);
    if (this.delayMs === null) return undefined;
    return new Promise((resolve) =>
      setTimeout(() => {
        this.seen.push(`${this.name} end`);
        resolve();
      }, this.delayMs!),
    );
  }
}

test("synchronous callback hooks return no Promise; an async one is awaited before the next", async () => {
  const seen: string[] = [];
  const sync = [new Recorder("a", seen), new Callback(), new Recorder("c", seen)];
  const caller = new HookCaller(host(sync, new LightningModule(), null));
  assert.equal(caller.callbacks("onTrainBatchEnd"), undefined);
  assert.deepEqual(seen, ["a start", "c start"]);

  seen.length = 0;
  const mixed = [new Recorder("a", seen), new Recorder("b", seen, 5), new Recorder("c", seen)];
  const pending = new HookCaller(host(mixed, new LightningModule(), null)).callbacks("onTrainBatchEnd");
  assert.ok(pending instanceof Promise);
  assert.deepEqual(seen, ["a start", "b start"], "c waits for b");
  await pending;
  assert.deepEqual(seen, ["a start", "b start", "b end", "c start"]);
});

test("base no-op and pass-through module hooks are skipped, overridden ones and profiled runs are not", () => {
  class Plain extends LightningModule {}
  class Custom extends LightningModule {
    calls = 0;
    override onBeforeBatchTransfer(batch: unknown): unknown {
      this.calls++;
      return batch;
    }
    override onTrainBatchStart(): void {
      this.calls++;
    }
  }
  const plain = new HookCaller(host([], new Plain(), null));
  assert.equal(plain.skipsModuleHook("onBeforeBatchTransfer"), true);
  assert.equal(plain.skipsModuleHook("onTrainBatchStart"), true);
  assert.equal(plain.skipsModuleHook("transferBatchToDevice"), false, "the base moves the batch");
  const custom = new Custom();
  const caller = new HookCaller(host([], custom, null));
  assert.equal(caller.skipsModuleHook("onBeforeBatchTransfer"), false);
  caller.module("onTrainBatchStart", null, 0);
  assert.equal(custom.calls, 1);
  const profiled = new HookCaller(host([], new Plain(), new SimpleProfiler()));
  assert.equal(profiled.skipsModuleHook("onTrainBatchStart"), false, "the profiler records every hook");
});
