#!/usr/bin/env node
// The `kiln` command: runs the bundled CLI (dist/bundle/cli.js, made by `npm run build`), then skips
// libtorch's exit-time teardown once everything has been written (installQuickExit, in src/cli.ts).
import { installQuickExit, main } from "../dist/bundle/cli.js";

await main();
installQuickExit();
