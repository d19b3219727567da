import { z } from 'zod';
import { didYouMean } from './did-you-mean';

/** One problem of a config: where (`train.batchSize`, `methods[1]`, '' for the whole file) and what. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/**
 * Every problem of a config at once. `path` is the first issue's (what gRPC callers name as the
 * field); `issues` has them all, and the message lists them one a line.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly issues: ConfigIssue[];
  readonly path: string;
  constructor(path: string | ConfigIssue[], message?: string, source?: string) {
    const issues = typeof path === 'string' ? [{ path, message: message ?? '' }] : path;
    const where = source ? `${source}: ` : '';
    super(
      issues.length === 1
        ? `config: ${where}${issues[0].message}`
        : `config: ${where}${issues.length} errors:\n${issues.map((i) => `  - ${i.message}`).join('\n')}`,
    );
    this.issues = issues;
    this.path = issues[0]?.path ?? '';
  }
}

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

/** `['train', 'augment', 'pad']` → `train.augment.pad`; array indices as `[i]`. */
export function pathOf(p: readonly PropertyKey[]): string {
  return p.reduce<string>(
    (s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)),
    '',
  );
}

type Def = {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  in?: z.ZodType;
};
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The object schema at `path` (through defaults, optionals and arrays), or undefined. */
export function objectAt(
  schema: z.ZodType,
  path: readonly PropertyKey[],
): Record<string, z.ZodType> | undefined {
  let s: z.ZodType | undefined = schema;
  const rest = [...path];
  while (s) {
    const d = defOf(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else if (d.type === 'array')
      s = typeof rest[0] === 'number' ? (rest.shift(), d.element) : undefined;
    else if (d.type === 'object') {
      const shape = (s as z.ZodObject).shape as Record<string, z.ZodType>;
      if (rest.length === 0) return shape;
      s = shape[String(rest.shift())];
    } else return undefined;
  }
  return undefined;
}

/** Every key path of an object schema (`train.lr`, …), for suggestions across levels. */
export function keyPaths(schema: z.ZodType, prefix: string[] = []): string[][] {
  const shape = objectAt(schema, []);
  if (!shape) return [];
  return Object.entries(shape).flatMap(([k, s]) => [
    [...prefix, k],
    ...keyPaths(s, [...prefix, k]),
  ]);
}

const expectedName: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

/** A zod issue in our words, with "did you mean" where a near key or value exists. */
function messagesOf(issue: z.core.$ZodIssue, root: z.ZodType): ConfigIssue[] {
  const path = pathOf(issue.path);
  const name = path || '(root)';
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = Object.keys(objectAt(root, issue.path) ?? {});
      return issue.keys.map((k) => {
        const at = path ? `${path}.${k}` : k;
        const near = didYouMean(k, known);
        // A key put at the wrong level (`lr` at the top) is suggested where it exists.
        const elsewhere = near ? undefined : keyPaths(root).find((p) => p[p.length - 1] === k);
        const hint = near
          ? ` (did you mean '${path ? `${path}.${near}` : near}'?)`
          : elsewhere
            ? ` (did you mean '${elsewhere.join('.')}'?)`
            : ` (known here: ${known.join(', ')})`;
        return { path: at, message: `unknown key '${at}'${hint}` };
      });
    }
    case 'invalid_type':
      if (input === undefined) return [{ path, message: `missing required key '${name}'` }];
      return [
        {
          path,
          message: `'${name}' must be ${expectedName[issue.expected] ?? issue.expected}, got ${show(input)}`,
        },
      ];
    case 'invalid_value': {
      const values = issue.values.map(String);
      const near = typeof input === 'string' ? didYouMean(input, values) : undefined;
      return [
        {
          path,
          message: `'${name}' must be one of ${values.join(', ')}; got ${show(input)}${near ? ` (did you mean '${near}'?)` : ''}`,
        },
      ];
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = Number(
        small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum,
      );
      if (issue.origin === 'array') {
        const what = issue.exact
          ? `exactly ${bound}`
          : small
            ? `at least ${bound}`
            : `at most ${bound}`;
        return [
          {
            path,
            message: `'${name}' needs ${what} item(s), got ${Array.isArray(input) ? input.length : show(input)}`,
          },
        ];
      }
      const op = small
        ? issue.inclusive === false
          ? '>'
          : '≥'
        : issue.inclusive === false
          ? '<'
          : '≤';
      return [{ path, message: `'${name}' must be ${op} ${bound}, got ${show(input)}` }];
    }
    case 'invalid_format':
      return [{ path, message: `'${name}' has an invalid value ${show(input)}` }];
    default:
      return [
        {
          path,
          message: issue.message.startsWith(`'${name}'`)
            ? issue.message
            : `'${name}': ${issue.message}`,
        },
      ];
  }
}

/** Every issue of `raw` against `schema`, in our words; empty when it is valid. */
export function issuesOf(error: z.ZodError, schema: z.ZodType): ConfigIssue[] {
  return error.issues.flatMap((i) => messagesOf(i, schema));
}

/**
 * YAML writes an empty key (`train:`) as null; as before, null means "absent, take the default"
 * (gRPC callers' config_json is checked for nulls before it gets here).
 */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null && x !== undefined)
      .map(([k, x]) => [k, dropNulls(x)]),
  );
}
