/**
 * Users' TypeScript targets (`_target_: "file:./src/my_model.ts#MyModel"`, as the README shows), and where a
 * syntax error in a user's module is.
 *
 * .ts files load through tsx (a dependency), whose module hooks are registered on the first .ts target only:
 * `kiln --help` and runs without one never load it. tsx rather than esbuild alone (tsx's own transpiler):
 * tsx resolves what TypeScript projects write (`./net.js` naming net.ts, tsconfig paths), keeps source maps
 * for stack traces, and leaves `import ... from "kiln"` to Node, so a user's class extends the very classes
 * the CLI checks with instanceof. A .ts file must be an ES module (Kiln's classes are ES modules): in a
 * package without `"type": "module"`, Node and tsx would make it CommonJS, so that is refused with the fix.
 *
 * Node's SyntaxError from import() names neither the file nor the line; esbuild (tsx's transpiler) parses the
 * module and its local imports again to say where it is.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** True for the TypeScript file extensions. */
export function isTypeScript(file: string): boolean {
  return /\.(ts|mts|cts|tsx)$/.test(file);
}

/** Node's rule for a file's module type: the `type` of the nearest package.json above it (else commonjs). */
function packageScope(file: string): { json: string | null; type: string } {
  for (let dir = dirname(resolve(file)); ; dir = dirname(dir)) {
    const json = join(dir, "package.json");
    if (existsSync(json)) {
      try {
        const type = (JSON.parse(readFileSync(json, "utf8")) as { type?: unknown }).type;
        return { json, type: type === "module" ? "module" : "commonjs" };
      } catch {
        return { json, type: "commonjs" };
      }
    }
    if (dirname(dir) === dir) return { json: null, type: "commonjs" };
  }
}

let registered: Promise<void> | undefined;

/** Lets Node import the TypeScript file `file` (registers tsx's ES module hooks once). */
export async function enableTypeScript(file: string): Promise<void> {
  const scope = packageScope(file);
  if (file.endsWith(".cts") || (!file.endsWith(".mts") && scope.type !== "module")) {
    const where = scope.json
      ? `${scope.json} has no "type": "module"`
      : 'no package.json above it says "type": "module"';
    throw new Error(
      `${file} would load as CommonJS (${where}), but Kiln's classes are ES modules, so a TypeScript target ` +
        `must be one too: add "type": "module" to ${scope.json ?? "your project's package.json"}, or rename the ` +
        "file to .mts",
    );
  }
  registered ??= import("tsx/esm/api").then((api) => {
    api.register();
  });
  await registered;
}

/** Whether an import failed on a syntax error (Node's SyntaxError, or tsx's TransformError, which has the place). */
export function isSyntaxError(err: unknown): boolean {
  return err instanceof Error && err.name === "SyntaxError";
}

interface EsbuildMessage {
  text: string;
  location: { file: string; line: number; column: number; lineText: string } | null;
}

/**
 * Where the syntax error of `file` (or of a module it imports by a relative path) is: Node's message, the
 * file:line:column, the line and a caret; null when esbuild finds none (or is not installed).
 */
export async function locateSyntaxError(file: string, err: unknown): Promise<string | null> {
  let esbuild: typeof import("esbuild");
  try {
    esbuild = await import("esbuild");
  } catch {
    return null;
  }
  const cwd = dirname(file);
  try {
    await esbuild.build({
      entryPoints: [file],
      absWorkingDir: cwd,
      bundle: true,
      packages: "external",
      write: false,
      platform: "node",
      format: "esm",
      target: "esnext",
      logLevel: "silent",
    });
    return null;
  } catch (e) {
    const m = ((e as { errors?: EsbuildMessage[] }).errors ?? []).find((x) => x.location !== null);
    if (m?.location == null) return null;
    const { line, column, lineText } = m.location;
    const path = resolve(cwd, m.location.file);
    const message = err instanceof Error ? err.message : m.text;
    const at = `SyntaxError: ${message}\n  at ${path}:${line}:${column + 1}`;
    return lineText.trim() === ""
      ? `${at} (the end of the file)`
      : `${at}\n    ${lineText}\n    ${" ".repeat(column)}^`;
  }
}
