import { z } from 'zod';
import { RUN_SCHEMA } from './run-schema';

/** A node of the generated JSON Schema (draft-07), as far as the key list reads it. */
export interface JsonSchemaNode {
  type?: string | string[];
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  required?: string[];
  [k: string]: unknown;
}

/** The repository's copy of the JSON Schema, which the configs reference for editor completion. */
export const RUN_CONFIG_SCHEMA_FILE = 'configs/run-config.schema.json';

/**
 * The JSON Schema of a run config file, generated from RUN_SCHEMA (zod), as input: keys with a
 * default are optional. `abd config schema` prints it; a test keeps the committed file equal.
 */
export function runConfigJsonSchema(): JsonSchemaNode {
  const s = z.toJSONSchema(RUN_SCHEMA, { io: 'input', target: 'draft-7' }) as JsonSchemaNode;
  return { ...s, title: 'ab-distill run config' };
}

/** The committed file's text: the schema as 2-space JSON with a final newline. */
export function runConfigJsonSchemaText(): string {
  return `${JSON.stringify(runConfigJsonSchema(), null, 2)}\n`;
}

export interface ConfigKey {
  path: string;
  type: string;
  default?: unknown;
  required: boolean;
  description?: string;
}

function typeOf(n: JsonSchemaNode): string {
  if (n.enum) return n.enum.join(' | ');
  const t = Array.isArray(n.type) ? n.type.join(' | ') : (n.type ?? 'any');
  if (t === 'array' && n.items) return `list of ${typeOf(n.items)}`;
  const range =
    n.minimum !== undefined || (n.maximum !== undefined && n.maximum < Number.MAX_SAFE_INTEGER)
      ? ` ${n.minimum ?? '…'}..${n.maximum !== undefined && n.maximum < Number.MAX_SAFE_INTEGER ? n.maximum : '…'}`
      : '';
  return `${t}${range}`;
}

/** Every leaf key of the run config with its type and default, read off the JSON Schema. */
export function configKeys(node: JsonSchemaNode = runConfigJsonSchema(), prefix = ''): ConfigKey[] {
  return Object.entries(node.properties ?? {}).flatMap(([k, n]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    if (n.properties) return configKeys(n, path);
    return [
      {
        path,
        type: typeOf(n),
        default: n.default,
        required: node.required?.includes(k) ?? false,
        description: n.description,
      },
    ];
  });
}

/** The key list as text: one key a line, `key  type  (default …)  description`. */
export function configKeysText(): string {
  const keys = configKeys();
  const w = Math.max(...keys.map((k) => k.path.length));
  const tw = Math.min(40, Math.max(...keys.map((k) => k.type.length)));
  return keys
    .map((k) => {
      const dflt =
        k.default !== undefined
          ? `default ${JSON.stringify(k.default)}`
          : k.required
            ? 'required'
            : 'optional';
      return `  ${k.path.padEnd(w)}  ${k.type.padEnd(tw)}  ${dflt}${k.description ? `  — ${k.description}` : ''}`;
    })
    .join('\n');
}
