// A strict wire-format check: protobufjs's decoder reads a known field whatever its wire type,
// so garbage it accepts may still be no message (the services' decoder rightly refuses it).
import protobuf from 'protobufjs';

const VALID_WIRE = new Set([0, 1, 2, 5]);

/** True when every tag has a valid wire type, matching its field's, recursively into sub-messages. */
export function isWellFormed(type: protobuf.Type, bytes: Uint8Array): boolean {
  try {
    const r = protobuf.Reader.create(bytes);
    while (r.pos < r.len) {
      const tag = r.uint32();
      const wire = tag & 7;
      if (!VALID_WIRE.has(wire) || tag >>> 3 === 0) return false;
      const field = type.fieldsById[tag >>> 3];
      if (!field) {
        r.skipType(wire);
        continue;
      }
      field.resolve();
      const sub = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
      const basic = (protobuf.types.basic as Record<string, number | undefined>)[field.type];
      const expected =
        field instanceof protobuf.MapField || sub || basic === undefined
          ? field.resolvedType instanceof protobuf.Enum
            ? 0
            : 2
          : basic;
      const packed = field.repeated && wire === 2 && expected !== 2;
      if (wire !== expected && !packed) return false;
      if (sub && !(field instanceof protobuf.MapField)) {
        if (!isWellFormed(sub, r.bytes())) return false;
      } else r.skipType(wire);
    }
    return r.pos === r.len;
  } catch {
    return false;
  }
}
