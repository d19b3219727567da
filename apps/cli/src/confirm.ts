import { createInterface } from 'node:readline/promises';
import { ParsedArgs, UsageError } from './args';

/**
 * Asks before a destructive action: y/N on a terminal; without one `--yes` is required, so a
 * script or CI job never deletes by accident. Returns false when the user answers no.
 */
export async function confirmDestructive(
  args: ParsedArgs,
  command: string,
  what: string,
): Promise<boolean> {
  if (args.flags.has('yes')) return true;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UsageError(
      `abd ${command}: --fresh would delete ${what}; add --yes to confirm (there is no terminal to ask); nothing was deleted`,
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`abd ${command}: delete ${what}? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** A shell word quoted so that pasting it reproduces it exactly. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\/.:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line to rerun: the words given, without --fresh/--yes (a rerun resumes), plus the
 * store, run id and backend actually used when they were defaulted, so the rerun finds this run.
 */
export function rerunCommand(
  words: string[],
  used: { store?: string; runId?: string; backend?: string },
): string {
  const out = words.filter((w) => !/^--(fresh|yes)(=.*)?$/.test(w));
  const has = (f: string) => out.some((w) => w === `--${f}` || w.startsWith(`--${f}=`));
  if (used.store && !has('store')) out.push('--store', used.store);
  if (used.runId && !has('run-id')) out.push('--run-id', used.runId);
  if (used.backend && !has('backend')) out.push('--backend', used.backend);
  return ['abd', ...out].map(shellQuote).join(' ');
}
