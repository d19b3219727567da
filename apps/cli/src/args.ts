/** A small argument parser: `--key value`, `--key=value`, `--flag`, and positionals. */
export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: string[], booleans: readonly string[] = []): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
      else if (booleans.includes(a.slice(2)) || i + 1 >= argv.length || argv[i + 1].startsWith('--')) flags.set(a.slice(2), true);
      else flags.set(a.slice(2), argv[++i]);
    } else positionals.push(a);
  }
  return { positionals, flags };
}

/** Rejects flags a command does not know, naming them. */
export function checkFlags(args: ParsedArgs, known: readonly string[], command: string): void {
  for (const k of args.flags.keys()) {
    if (!known.includes(k)) throw new UsageError(`abd ${command}: unknown option --${k} (known: ${known.map((x) => `--${x}`).join(', ')})`);
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
