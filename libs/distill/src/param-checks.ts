import { MethodParamsError } from './errors';

/** Checks one parameter value; throws MethodParamsError naming `key`. */
export type ParamCheck<V> = (value: unknown, key: string) => V;

/** Per-key checks of a method's parameter object. */
export type ParamSchema<P> = { readonly [K in keyof P]-?: ParamCheck<P[K]> };

const fail = (key: string, want: string, value: unknown): never => {
  throw new MethodParamsError(
    `parameter '${key}' must be ${want}, got ${JSON.stringify(value)}`,
    key,
  );
};

/** A finite number within [min, max] (`exclusiveMin`: > min). */
export function numberParam(
  range: { min?: number; max?: number; exclusiveMin?: boolean; integer?: boolean } = {},
): ParamCheck<number> {
  const { min = -Infinity, max = Infinity, exclusiveMin = false, integer = false } = range;
  const want =
    `a finite ${integer ? 'integer' : 'number'}` +
    (min > -Infinity ? ` ${exclusiveMin ? '>' : '≥'} ${min}` : '') +
    (max < Infinity ? ` ≤ ${max}` : '');
  return (v, key) => {
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (exclusiveMin ? v > min : v >= min) &&
      v <= max &&
      (!integer || Number.isInteger(v));
    return ok ? (v as number) : fail(key, want, v);
  };
}

export function booleanParam(): ParamCheck<boolean> {
  return (v, key) => (typeof v === 'boolean' ? v : fail(key, 'a boolean', v));
}

export function enumParam<T extends string>(values: readonly T[]): ParamCheck<T> {
  return (v, key) =>
    typeof v === 'string' && (values as readonly string[]).includes(v)
      ? (v as T)
      : fail(key, `one of ${values.map((x) => `'${x}'`).join(', ')}`, v);
}

/** A non-empty array whose items pass `item` (reported as key[i]). */
export function arrayParam<V>(item: ParamCheck<V>): ParamCheck<V[]> {
  return (v, key) => {
    if (!Array.isArray(v) || v.length === 0) return fail(key, 'a non-empty array', v);
    return v.map((x, i) => item(x, `${key}[${i}]`));
  };
}

/**
 * Validates `input` (a partial parameter object; undefined/null = all defaults) against
 * `schema`: rejects unknown keys and wrong values, naming the key, and fills in defaults.
 */
export function validateParams<P extends object>(
  method: string,
  schema: ParamSchema<P>,
  defaults: P,
  input: unknown,
): P {
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new MethodParamsError(
      `method '${method}': parameters must be an object, got ${JSON.stringify(input)}`,
    );
  }
  const known = Object.keys(schema);
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (!known.includes(key)) {
      throw new MethodParamsError(
        `method '${method}': unknown parameter '${key}' (known: ${known.join(', ')})`,
        key,
      );
    }
    if (value === undefined) continue;
    try {
      out[key] = (schema as Record<string, ParamCheck<unknown>>)[key](value, key);
    } catch (e) {
      if (e instanceof MethodParamsError) {
        throw new MethodParamsError(`method '${method}': ${e.message}`, e.key);
      }
      throw e;
    }
  }
  return out as P;
}
