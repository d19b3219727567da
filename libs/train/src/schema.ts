/** A small schema language for configs: types, defaults, enums, ranges; unknown keys are errors. */
export type Spec =
  | { type: 'number'; int?: boolean; min?: number; max?: number; default?: number; optional?: boolean }
  | { type: 'string'; enum?: readonly string[]; pattern?: RegExp; default?: string; optional?: boolean }
  | { type: 'boolean'; default?: boolean; optional?: boolean }
  | { type: 'array'; items: Spec; default?: unknown[]; optional?: boolean; minItems?: number }
  | { type: 'object'; fields: Record<string, Spec>; optional?: boolean; default?: Record<string, unknown> };

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`config: ${message}`);
  }
}

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

/** Validates `value` against `spec`, filling in defaults. Throws ConfigError naming the key. */
export function validate(value: unknown, spec: Spec, path = ''): unknown {
  const name = path || '(root)';
  if (value === undefined || value === null) {
    if ('default' in spec && spec.default !== undefined) value = structuredClone(spec.default);
    else if (spec.type === 'object' && !spec.optional) value = {};
    else if (spec.optional) return undefined;
    else throw new ConfigError(path, `missing required key '${name}'`);
  }
  switch (spec.type) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(path, `'${name}' must be a number, got ${show(value)}`);
      if (spec.int && !Number.isInteger(value)) throw new ConfigError(path, `'${name}' must be an integer, got ${value}`);
      if (spec.min !== undefined && value < spec.min) throw new ConfigError(path, `'${name}' must be ≥ ${spec.min}, got ${value}`);
      if (spec.max !== undefined && value > spec.max) throw new ConfigError(path, `'${name}' must be ≤ ${spec.max}, got ${value}`);
      return value;
    }
    case 'string': {
      if (typeof value !== 'string') throw new ConfigError(path, `'${name}' must be a string, got ${show(value)}`);
      if (spec.enum && !spec.enum.includes(value)) {
        throw new ConfigError(path, `'${name}' must be one of ${spec.enum.join(', ')}; got '${value}'`);
      }
      if (spec.pattern && !spec.pattern.test(value)) throw new ConfigError(path, `'${name}' has an invalid value '${value}'`);
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw new ConfigError(path, `'${name}' must be true or false, got ${show(value)}`);
      return value;
    case 'array': {
      if (!Array.isArray(value)) throw new ConfigError(path, `'${name}' must be a list, got ${show(value)}`);
      if (spec.minItems !== undefined && value.length < spec.minItems) {
        throw new ConfigError(path, `'${name}' needs at least ${spec.minItems} item(s)`);
      }
      return value.map((v, i) => validate(v, spec.items, `${path}[${i}]`));
    }
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(path, `'${name}' must be a mapping, got ${show(value)}`);
      const obj = value as Record<string, unknown>;
      for (const k of Object.keys(obj)) {
        if (!(k in spec.fields)) {
          const at = path ? `${path}.${k}` : k;
          throw new ConfigError(at, `unknown key '${at}' (known here: ${Object.keys(spec.fields).join(', ')})`);
        }
      }
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(spec.fields)) {
        const v = validate(obj[k], s, path ? `${path}.${k}` : k);
        if (v !== undefined) out[k] = v;
      }
      return out;
    }
  }
}
