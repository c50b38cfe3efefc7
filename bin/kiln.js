#!/usr/bin/env node
// The `kiln` command: runs the compiled CLI (npm run build makes dist/).
import { main } from "../dist/cli.js";

await main();
