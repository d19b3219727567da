/** A command's arguments as parsed by commander (program.ts): kebab-case flag names → values. */
export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Rejects flags a command does not know, naming them. */
export function checkFlags(args: ParsedArgs, known: readonly string[], command: string): void {
  for (const k of args.flags.keys()) {
    if (!known.includes(k))
      throw new UsageError(
        `abd ${command}: unknown option --${k} (known: ${known.map((x) => `--${x}`).join(', ')})`,
      );
  }
}

export function str(args: ParsedArgs, key: string): string | undefined {
  const v = args.flags.get(key);
  if (v === true) throw new UsageError(`--${key} needs a value`);
  return v;
}

export function num(args: ParsedArgs, key: string): number | undefined {
  const v = str(args, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${key} must be a number, got '${v}'`);
  return n;
}
