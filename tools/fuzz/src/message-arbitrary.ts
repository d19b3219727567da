// fast-check arbitraries for any protobuf message type, built by walking its descriptor
// (protobufjs reflection of protos/), so a new field is fuzzed without touching this file.
import fc from 'fast-check';
import protobuf from 'protobufjs';

const U32_MAX = 4294967295;
/** 64-bit values as decimal strings: protobufjs encodes them exactly (a JS number cannot hold 2^53+1). */
const U64_EDGES = [
  '0',
  '1',
  String(U32_MAX),
  String(U32_MAX + 1),
  '9007199254740991',
  '9007199254740993',
  '18446744073709551615',
];
const I64_EDGES = ['0', '-1', '9007199254740993', '-9223372036854775808', '9223372036854775807'];

/** Values the services act on, by field name, so generated requests reach past the first lookup. */
const NAME_HINTS: Record<string, string[]> = {
  id: ['teacher-a', 'student', 'job-1'],
  tap: ['tap1', 'tap2', 'tap3'],
  taps: ['tap1', 'tap2', 'tap3'],
  name: ['fashion-mnist', 'cifar10', 'mnist'],
  family: ['wrn', 'WRN', 'resnet'],
  init: ['paper', 'he', ''],
  job_id: ['job-1', ''],
};

const edgyString = fc.oneof(
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '..',
      '../../etc/passwd',
      '/abs/path',
      'a/b/../c',
      'C:\\x',
      'nul\u0000byte',
      'é\u200b😀',
    ),
  },
  // Long enough to overflow a 8 KiB metadata header if echoed in an error message.
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 12000 }).map((n) => 'x'.repeat(n)) },
);

function stringFor(field: protobuf.Field): fc.Arbitrary<string> {
  const hints = NAME_HINTS[field.name];
  return hints
    ? fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...hints) },
        { weight: 2, arbitrary: edgyString },
      )
    : edgyString;
}

function scalar(field: protobuf.Field): fc.Arbitrary<unknown> {
  switch (field.type) {
    case 'uint32':
    case 'fixed32':
      return fc.oneof(
        fc.constantFrom(0, 1, 2, 3, 10, 255, 65535, U32_MAX),
        fc.nat({ max: 64 }),
        fc.nat(),
      );
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return fc.oneof(
        fc.constantFrom(0, -1, 1, 2147483647, -2147483648),
        fc.integer({ min: -64, max: 64 }),
      );
    case 'uint64':
    case 'fixed64':
      return fc.oneof(
        fc.constantFrom(...U64_EDGES),
        fc.nat({ max: 64 }).map(String),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
      );
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return fc.oneof(fc.constantFrom(...I64_EDGES), fc.integer({ min: -64, max: 64 }).map(String));
    case 'double':
    case 'float':
      return fc.oneof(
        fc.constantFrom(0, -0, 1, 0.5, NaN, Infinity, -Infinity, 1e308, -1, 5e-324),
        fc.double(),
      );
    case 'bool':
      return fc.boolean();
    case 'string':
      return stringFor(field);
    case 'bytes':
      return fc.oneof(
        fc.constant(new Uint8Array(0)),
        fc.uint8Array({ maxLength: 64 }),
        fc.nat({ max: 4 }).map((n) => new Uint8Array(n * 784)),
      );
    default:
      throw new Error(`no arbitrary for scalar type ${field.type} of ${field.fullName}`);
  }
}

function single(field: protobuf.Field, depth: number): fc.Arbitrary<unknown> {
  const t = field.resolve().resolvedType;
  if (t instanceof protobuf.Enum) {
    const ids = Object.values(t.values);
    return fc.oneof(fc.constantFrom(...ids), fc.integer({ min: -2, max: 99 }));
  }
  if (t instanceof protobuf.Type) return messageArbitrary(t, depth + 1);
  return scalar(field);
}

function valueOf(field: protobuf.Field, depth: number): fc.Arbitrary<unknown> {
  if (field instanceof protobuf.MapField) {
    return fc.dictionary(
      fc.oneof(fc.constantFrom('lr', 'mu', 'temperature'), edgyString),
      single(field, depth),
      { maxKeys: 4 },
    );
  }
  const one = single(field, depth);
  if (!field.repeated) return one;
  // Duplicates (the same element many times) and plain short lists.
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(one, { maxLength: 6 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(one, fc.integer({ min: 2, max: 600 }))
        .map(([v, n]) => Array<unknown>(n).fill(v)),
    },
  );
}

/** A plain object for `type` (as protobufjs fromObject takes it); each oneof has at most one member set. */
export function messageArbitrary(
  type: protobuf.Type,
  depth = 0,
): fc.Arbitrary<Record<string, unknown>> {
  if (depth > 4) return fc.constant({});
  const parts: fc.Arbitrary<Record<string, unknown>>[] = [];
  const inOneof = new Set<string>();
  for (const o of type.oneofsArray) {
    for (const f of o.fieldsArray) inOneof.add(f.name);
    const members = o.fieldsArray.map((f) => valueOf(f, depth).map((v) => ({ [f.name]: v })));
    parts.push(fc.oneof(fc.constant({}), ...members));
  }
  for (const f of type.fieldsArray) {
    if (inOneof.has(f.name)) continue;
    parts.push(
      fc
        .option(valueOf(f, depth), { nil: undefined, freq: 3 })
        .map((v) => (v === undefined ? {} : { [f.name]: v })),
    );
  }
  return fc.tuple(...parts).map((ps) => Object.assign({}, ...ps) as Record<string, unknown>);
}

/** Wire bytes of a generated object: fromObject turns decimal strings into exact 64-bit values. */
export function encodeMessage(type: protobuf.Type, obj: Record<string, unknown>): Buffer {
  return Buffer.from(type.encode(type.fromObject(obj)).finish());
}
