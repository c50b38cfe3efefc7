#!/usr/bin/env node
// The `kiln` command: runs the bundled CLI (dist/bundle/cli.js, made by `npm run build`).
import { main } from "../dist/bundle/cli.js";

await main();
