/**
 * The tags MLflow's `resolve_tags()` adds to every new run: user, source name and type, and the git commit of
 * the code when it lives in a git repository. Git is read from the `.git` folder directly (no `git` process),
 * because a training run should not depend on git being installed.
 */
import { readFileSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";

/** The standard tag names (mlflow.utils.mlflow_tags). */
export const TAG = {
  runName: "mlflow.runName",
  user: "mlflow.user",
  sourceName: "mlflow.source.name",
  sourceType: "mlflow.source.type",
  gitCommit: "mlflow.source.git.commit",
  note: "mlflow.note.content",
} as const;

/** MLflow's `_get_user()`: getpass.getuser() order of environment variables, then the OS account. */
export function currentUser(): string {
  for (const name of ["LOGNAME", "USER", "LNAME", "USERNAME"]) {
    const v = process.env[name];
    if (v) return v;
  }
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

/** The script that started the process (MLflow uses sys.argv[0]). */
export function sourceName(): string {
  return process.argv[1] ?? "<console>";
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The `.git` directory that governs `start` (following a `gitdir:` file of worktrees and submodules). */
function findGitDir(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const dotGit = join(dir, ".git");
    try {
      const st = statSync(dotGit);
      if (st.isDirectory()) return dotGit;
      const pointer = /^gitdir:\s*(.+)\s*$/m.exec(readText(dotGit) ?? "");
      if (pointer) return isAbsolute(pointer[1]) ? pointer[1] : resolve(dir, pointer[1]);
    } catch {
      // no .git here: look one level up
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The commit HEAD points at in the repository holding `start`, or undefined outside a repository. */
export function gitCommit(start: string): string | undefined {
  const gitDir = findGitDir(start);
  if (!gitDir) return undefined;
  const head = readText(join(gitDir, "HEAD"))?.trim();
  if (!head) return undefined;
  if (/^[0-9a-f]{40,64}$/.test(head)) return head;
  const ref = /^ref:\s*(.+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  // A worktree keeps refs in the main repository, named by its `commondir` file.
  const common = readText(join(gitDir, "commondir"))?.trim();
  const refDirs = common ? [gitDir, resolve(gitDir, common)] : [gitDir];
  for (const d of refDirs) {
    const direct = readText(join(d, ref))?.trim();
    if (direct && /^[0-9a-f]{40,64}$/.test(direct)) return direct;
    const packed = readText(join(d, "packed-refs"));
    const line = packed?.split("\n").find((l) => l.endsWith(` ${ref}`));
    if (line) return line.split(" ")[0];
  }
  return undefined;
}

/** The tags a new run gets before the user's own (which override them), as MLflow's context providers set. */
export function defaultRunTags(): Record<string, string> {
  const tags: Record<string, string> = {
    [TAG.user]: currentUser(),
    [TAG.sourceName]: sourceName(),
    [TAG.sourceType]: "LOCAL",
  };
  const script = process.argv[1];
  const commit = gitCommit(script ? dirname(resolve(script)) : process.cwd());
  if (commit) tags[TAG.gitCommit] = commit;
  return tags;
}
