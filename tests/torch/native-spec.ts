// The two sides of the native surface, read from the sources: every binding the C++ registers (native/*.cc, the
// `kOps` tables: name, function, arity) and every function the TypeScript `NativeAddon` type declares (the
// interface in src/torch/native.ts and its module augmentations, read through the TypeScript checker so that
// mapped types such as `UnaryNative` count too).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

export const ROOT = join(import.meta.dirname, "..", "..");

/** One registered binding. */
export interface CppBinding {
  name: string;
  fn: string;
  arity: number;
  file: string;
}

/** Every `{"name", Fn, arity}` entry of the `kOps` tables in native/*.cc. */
export function cppBindings(): CppBinding[] {
  const out: CppBinding[] = [];
  const dir = join(ROOT, "native");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".cc"))) {
    const text = readFileSync(join(dir, file), "utf8");
    for (const table of text.matchAll(/const Op kOps\[\] = \{([\s\S]*?)\n\s*\};/g)) {
      for (const m of table[1]!.matchAll(/\{\s*"([^"]+)",\s*(\w+),\s*(\d+)\s*\}/g)) {
        out.push({ name: m[1]!, fn: m[2]!, arity: Number(m[3]), file });
      }
    }
  }
  return out;
}

/** Registrations outside the tables (one style: every binding goes through a kOps table and defineOps). */
export function strayRegistrations(): string[] {
  const dir = join(ROOT, "native");
  const out: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".cc"))) {
    const text = readFileSync(join(dir, file), "utf8");
    for (const m of text.matchAll(/defineOp\(env, exports, "([^"]+)"/g)) out.push(`${file}: ${m[1]}`);
    for (const m of text.matchAll(/exports\.Set\("([^"]+)"/g)) out.push(`${file}: ${m[1]}`);
  }
  return out;
}

/** One declared native function and how many arguments it takes (Infinity for a rest parameter). */
export interface TsBinding {
  name: string;
  maxArgs: number;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(path, out);
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** Every function of the NativeAddon type, as the TypeScript checker sees the merged interface. */
export function tsBindings(): TsBinding[] {
  const files = sourceFiles(join(ROOT, "src")).filter((f) => readFileSync(f, "utf8").includes("NativeAddon"));
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
  });
  const checker = program.getTypeChecker();
  const nativeFile = program.getSourceFile(join(ROOT, "src", "torch", "native.ts"));
  if (nativeFile === undefined) throw new Error("src/torch/native.ts is not in the program");
  const decl = nativeFile.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === "NativeAddon",
  );
  if (decl === undefined) throw new Error("src/torch/native.ts declares no NativeAddon interface");
  const type = checker.getTypeAtLocation(decl.name);
  return checker.getPropertiesOfType(type).map((prop) => {
    const signatures = checker.getTypeOfSymbolAtLocation(prop, decl).getCallSignatures();
    if (signatures.length === 0) throw new Error(`NativeAddon.${prop.name} is not a function`);
    let maxArgs = 0;
    for (const sig of signatures) {
      const rest = sig.getDeclaration()?.parameters.some((p) => p.dotDotDotToken !== undefined);
      maxArgs = Math.max(maxArgs, rest ? Number.POSITIVE_INFINITY : sig.getParameters().length);
    }
    return { name: prop.name, maxArgs };
  });
}
