// Systematic boundary values: every leaf of every seed request set, one at a time, to each edge
// value of its protobuf type (the random part may take many runs to hit one exact value).
import protobuf from 'protobufjs';
import { encodeMessage } from './message-arbitrary';
import type { FuzzRequest } from './fuzz-plan';
import type { FuzzMethod } from './protos';
import { SEEDS } from './seeds';

const LONG = 'x'.repeat(10_000);

function edges(field: protobuf.Field, value: unknown): unknown[] {
  if (field.repeated) {
    const first = Array.isArray(value) ? value[0] : undefined;
    const one =
      first === undefined ? [] : edges({ ...field, repeated: false } as protobuf.Field, first);
    return [
      [],
      ...one.map((e) => [e]),
      ...(first === undefined ? [] : [Array<unknown>(600).fill(first)]),
    ];
  }
  switch (field.type) {
    case 'uint32':
      return [0, 4294967295];
    case 'uint64':
      return ['9007199254740993', '18446744073709551615'];
    case 'double':
    case 'float':
      return [NaN, Infinity, -1, 0];
    case 'string':
      return ['', 'nope', '../../x', LONG];
    case 'bytes':
      return [new Uint8Array(0), new Uint8Array(3)];
    case 'bool':
      return [!value];
    default:
      // Enums: one past the last value.
      return field.resolvedType instanceof protobuf.Enum
        ? [Math.max(...Object.values(field.resolvedType.values)) + 1]
        : [];
  }
}

function variants(type: protobuf.Type, obj: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const field = type.fields[k];
    if (!field) throw new Error(`seed field ${k} is not in ${type.fullName}`);
    field.resolve();
    if (field.resolvedType instanceof protobuf.Type && !field.repeated) {
      for (const inner of variants(field.resolvedType, v as Record<string, unknown>))
        out.push({ ...obj, [k]: inner });
    } else for (const e of edges(field, v)) out.push({ ...obj, [k]: e });
  }
  return out;
}

/** One request per (seed leaf, edge value), with the right token; bidi RPCs get one message. */
export function edgeRequests(methods: FuzzMethod[]): FuzzRequest[] {
  return methods.flatMap((m) =>
    variants(m.request, SEEDS[m.path] ?? {}).map((object) => ({
      method: m,
      auth: 'token' as const,
      kind: 'edge' as const,
      object,
      messages: [encodeMessage(m.request, object)],
    })),
  );
}
