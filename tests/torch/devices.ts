// Runs one test body on every device: "cpu" always, "cuda" when a GPU is usable (skipped with a reason otherwise).
import { test } from "node:test";
import * as torch from "../../src/torch/index.js";

/** Devices the suite runs on, each with the reason it is skipped (null when it runs). */
export function testDevices(): { device: string; skip: string | null }[] {
  const cuda = torch.cuda.isAvailable();
  const why = torch.buildInfo().cuda ? "CUDA libtorch but no visible GPU" : "CPU-only libtorch build";
  return [
    { device: "cpu", skip: null },
    { device: "cuda", skip: cuda ? null : `CUDA not available (${why})` },
  ];
}

/** Declares `name [device]` for every device, running `body(device)`; unavailable devices are skipped. */
export function testOnDevices(name: string, body: (device: string) => void | Promise<void>): void {
  for (const { device, skip } of testDevices()) {
    test(`${name} [${device}]`, skip === null ? {} : { skip }, () => body(device));
  }
}
