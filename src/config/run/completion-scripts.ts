/**
 * `-sc install=<shell>`, `-sc uninstall=<shell>` and `-sc query=<shell>` (Hydra 1.3's bash, zsh and fish
 * completion plugins): install prints a script that registers a completion function for the program; on every
 * <TAB> the function calls back into the program (`<program> <app> -sc query=<shell>` with COMP_LINE set) and
 * offers what completion.ts answers. For a program with subcommands (`kiln train`, `kiln eval`) the first word
 * after the program completes to the subcommands and the rest is asked of the subcommand's app.
 */
import type { HydraApp } from "./app.js";
import { COMPLETION_SHELLS } from "./argv.js";
import { completeLine, completionArgs } from "./completion.js";

/** How the scripts name and call the program. */
export interface CompletionProgram {
  /** The command users type, which the completion is registered for (`kiln`). */
  name: string;
  /** The subcommands that are Hydra apps (`train`, `eval`); empty when the program itself is the app. */
  subcommands: string[];
  /** The command line that answers queries: the program that printed the script (e.g. node + its bin file). */
  command: string[];
}

type Shell = (typeof COMPLETION_SHELLS)[number];
const SHELLS = COMPLETION_SHELLS;

const bashQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const fishQuote = (s: string) => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
const functionName = (p: CompletionProgram, shell: Shell) =>
  `_${p.name.replace(/[^A-Za-z0-9_]/g, "_")}_${shell}_completion`;

/**
 * The bash function: it reads the line up to the cursor from COMP_LINE and COMP_POINT, as Hydra's does, so `=` and
 * `:` inside a word do not split it; `=` leaves COMP_WORDBREAKS (as in Hydra) so that bash replaces the whole
 * `key=value` word with the candidate. Candidates are filtered by prefix in bash rather than by compgen -W, which
 * would expand a `${...}` inside a value.
 */
function bashInstall(p: CompletionProgram): string {
  const fn = functionName(p, "bash");
  const command = p.command.map(bashQuote).join(" ");
  const subs = p.subcommands.join(" ");
  const ask = (app: string) =>
    `choices=$(COMP_LINE="$line" COMP_POINT=\${#line} ${command}${app} -sc query=bash 2>/dev/null)`;
  const choose =
    p.subcommands.length > 0
      ? `if (( before <= 1 )); then
        choices="${subs}"
    else
        case " ${subs} " in *" \${words[1]} "*) ;; *) return 0 ;; esac
        ${ask(` "\${words[1]}"`)}
    fi`
      : ask("");
  return `${fn}()
{
    COMPREPLY=()
    local line="\${COMP_LINE:0:\${COMP_POINT:-\${#COMP_LINE}}}"
    local -a words
    read -r -a words <<< "$line"
    local word=""
    if [[ -n "$line" && ! "$line" =~ [[:space:]]$ ]]; then word="\${words[\${#words[@]}-1]}"; fi
    local before=\${#words[@]}
    if [[ -n "$word" ]]; then before=$(( before - 1 )); fi
    local choices c nl=$'\\n'
    ${choose}
    while IFS= read -r c; do
        if [[ -n "$c" && "$c" == "$word"* ]]; then COMPREPLY+=("$c"); fi
    done <<< "\${choices// /$nl}"
    # A group or key (\`db=\`, \`trainer.\`, \`hydra/\`) is completed further: no space after it.
    if [[ \${#COMPREPLY[@]} -eq 1 && "\${COMPREPLY[0]}" =~ [=./]$ ]]; then compopt -o nospace 2>/dev/null; fi
    return 0
}
COMP_WORDBREAKS=\${COMP_WORDBREAKS//=}
complete -o default -F ${fn} ${p.name}
`;
}

/** Native zsh completion (compdef): candidates ending in `=`, `.` or `/` take no space after them. */
function zshInstall(p: CompletionProgram): string {
  const fn = functionName(p, "zsh");
  const command = p.command.map(bashQuote).join(" ");
  const subs = p.subcommands.join(" ");
  const ask = p.subcommands.length > 0 ? `${command} "\${words[2]}"` : command;
  const guard =
    p.subcommands.length > 0
      ? `  if (( CURRENT == 2 )); then
    choices=(${subs})
  else
    [[ " ${subs} " == *" \${words[2]} "* ]] || return 1
    choices=(\${(f)"$(COMP_LINE="$line" ${ask} -sc query=zsh 2>/dev/null)"})
  fi`
      : `  choices=(\${(f)"$(COMP_LINE="$line" ${ask} -sc query=zsh 2>/dev/null)"})`;
  return `(( $+functions[compdef] )) || { autoload -Uz compinit && compinit; }
${fn}() {
  local line="\${(j: :)words[1,CURRENT-1]} $PREFIX"
  local -a choices open closed
${guard}
  open=(\${(M)choices:#*[=./]})
  closed=(\${choices:#*[=./]})
  compadd -Q -S '' -- "\${open[@]}"
  compadd -Q -- "\${closed[@]}"
}
compdef ${fn} ${p.name}
`;
}

/** fish: the candidates of the command line up to the cursor (fish matches them against the current token). */
function fishInstall(p: CompletionProgram): string {
  const fn = functionName(p, "fish");
  const command = p.command.map(fishQuote).join(" ");
  const subs = p.subcommands.join(" ");
  const body =
    p.subcommands.length > 0
      ? `    set -l parts (commandline -cpo)
    if test (count $parts) -le 1
        printf '%s\\n' ${subs}
        return
    end
    contains -- $parts[2] ${subs}; or return
    COMP_LINE=(commandline -cp) ${command} $parts[2] -sc query=fish 2>/dev/null`
      : `    COMP_LINE=(commandline -cp) ${command} -sc query=fish 2>/dev/null`;
  return `function ${fn}
${body}
end
complete -c ${p.name} -f -a '(${fn})'
`;
}

function uninstall(p: CompletionProgram, shell: Shell): string {
  const fn = functionName(p, shell);
  if (shell === "fish") return `complete -e -c ${p.name}\nfunctions -e ${fn}\n`;
  if (shell === "zsh") return `compdef -d ${p.name}\nunfunction ${fn} 2>/dev/null\n`;
  return `complete -r ${p.name} 2>/dev/null\nunset -f ${fn}\n`;
}

/** Handles `-sc install=<shell>|uninstall=<shell>|query=<shell>`; returns the text to print. */
export function shellCompletion(
  app: HydraApp,
  overrides: string[],
  program: CompletionProgram,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const cmds = new Map(overrides.map((o) => o.split("=", 2) as [string, string]));
  const subcommands = ["install", "uninstall", "query"];
  const sub = subcommands.filter((k) => cmds.has(k));
  if (sub.length !== 1) {
    throw new Error(
      `Expecting one subcommand from [${subcommands.map((s) => `'${s}'`).join(", ")}] to be set`,
    );
  }
  const shell = cmds.get(sub[0]!) as Shell;
  if (!SHELLS.includes(shell)) {
    throw new Error(
      `No completion plugin for '${shell}' found, available : \n${SHELLS.map((s) => `\t${s}`).join("\n")}`,
    );
  }
  if (sub[0] === "install") return { bash: bashInstall, zsh: zshInstall, fish: fishInstall }[shell](program);
  if (sub[0] === "uninstall") return uninstall(program, shell);
  const full = env.COMP_LINE ?? "";
  const point = env.COMP_POINT ? Number(env.COMP_POINT) : full.length;
  const line = completionArgs(full.slice(0, point), app.opts.appName, program.subcommands.length > 0);
  const candidates = completeLine(app, line);
  return `${candidates.join(shell === "bash" ? " " : "\n")}\n`;
}
