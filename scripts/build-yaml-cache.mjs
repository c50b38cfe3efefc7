#!/usr/bin/env node
// Parses every config file under configs/ with Kiln's own loader (dist/, so run after `tsc -p
// tsconfig.build.json`) and stores the trees in dist/yaml-cache.json, keyed by each file's text: the start-up
// of `kiln train` then skips the YAML parser for the shipped configs (src/config/omegaconf/yaml-cache.ts).
// A file that does not parse is left out: reading it at run time reports the error as usual.
import { readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const { parseYamlConfig } = await import(join(root, "dist/config/omegaconf/yaml-load.js"));
const { packTree, YAML_CACHE_VERSION } = await import(join(root, "dist/config/omegaconf/yaml-cache.js"));

process.env.KILN_YAML_CACHE = "0"; // parse for real, never from an older cache
const entries = new Map();
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (/\.ya?ml$/.test(entry.name)) {
      const text = readFileSync(path, "utf8");
      try {
        entries.set(text, packTree(parseYamlConfig(text).node));
      } catch {
        // left to the run-time parser and its error message
      }
    }
  }
};
walk(join(root, "configs"));
const out = join(root, "dist", "yaml-cache.json");
writeFileSync(`${out}.tmp`, JSON.stringify({ version: YAML_CACHE_VERSION, entries: [...entries] }));
renameSync(`${out}.tmp`, out);
