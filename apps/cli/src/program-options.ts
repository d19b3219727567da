import { Command, Option } from 'commander';
import { ParsedArgs } from './args';

/** The flags several commands share, and how parsed options become the commands' ParsedArgs. */

/** Flags that take no value; `--flag=false` means "not given" (see normalizeBooleans). */
export const BOOLEAN_FLAGS = ['fresh', 'yes', 'quiet', 'json'] as const;

export const STORE = () =>
  new Option(
    '--store <url>',
    'artifact store: a directory, file:///dir or s3://bucket/prefix (env ABD_STORE; default ./.abd/store)',
  );
export const BACKEND = () =>
  new Option(
    '--backend <name>',
    'wasm | cpu | tensorflow | tensorflow-gpu (env ABD_BACKEND; default: best available)',
  );
export const RUN_ID = () =>
  new Option('--run-id <id>', "name of the run in the store (default: from the config's name)");
export const FRESH = () =>
  new Option(
    '--fresh',
    'start the run over instead of resuming it (deletes its stored files; asks, or needs --yes)',
  );
export const YES = () =>
  new Option('--yes', 'confirm destructive actions without asking (needed without a terminal)');
export const QUIET = () => new Option('--quiet', 'no per-epoch progress lines');

/** Turns commander's parsed options back into the flag map the commands read (kebab-case names). */
export function toArgs(cmd: Command, positionals: string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  const opts = cmd.opts() as Record<string, unknown>;
  for (const o of cmd.options) {
    const v = opts[o.attributeName()];
    if (v === undefined || v === false) continue;
    flags.set(o.long!.slice(2), v === true ? true : String(v));
  }
  return { positionals: positionals.filter((p) => p !== undefined), flags };
}

/**
 * `--fresh=false` / `--fresh=true` (and yes/no/0/1) for value-less flags: commander would reject
 * them, and the old parser treated any presence as true, deleting runs on `--fresh=false`.
 */
export function normalizeBooleans(argv: string[]): string[] {
  const out: string[] = [];
  for (const a of argv) {
    if (a === '--') {
      out.push(...argv.slice(argv.indexOf(a)));
      break;
    }
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (m && (BOOLEAN_FLAGS as readonly string[]).includes(m[1])) {
      const v = m[2].toLowerCase();
      if (['true', 'yes', '1'].includes(v)) out.push(`--${m[1]}`);
      else if (!['false', 'no', '0'].includes(v)) out.push(a); // commander names it as an error
    } else out.push(a);
  }
  return out;
}
