// Cutting a forward pass into callers' rows and joining pieces back: how the dynamic batcher
// answers each caller of a merged pass, and a request over max_batch_size from its pieces.
import type { TeacherForward } from './infer';

// Rows [at, at + k) of a forward pass over `n` images.
export function slice(f: TeacherForward, at: number, k: number, n: number): TeacherForward {
  const rows = (v: Float32Array): Float32Array => {
    const per = v.length / n;
    return v.subarray(at * per, (at + k) * per);
  };
  const bytes = (b: Uint8Array): Uint8Array => {
    const per = b.length / n;
    return b.subarray(at * per, (at + k) * per);
  };
  return {
    taps: f.taps.map((t) => ({
      tap: t.tap,
      shape: [k, t.shape[1], t.shape[2], t.shape[3]],
      bits: bytes(t.bits),
      values: t.values && rows(t.values),
    })),
    features: f.features.map((m) => ({
      name: m.name,
      shape: [k, ...m.shape.slice(1)],
      values: rows(m.values),
    })),
    logits: f.logits && { values: rows(f.logits.values), shape: [k, ...f.logits.shape.slice(1)] },
  };
}

// A request's pieces back into one answer (rows in order).
export function concat(parts: TeacherForward[]): TeacherForward {
  if (parts.length === 1) return parts[0];
  function join(vs: Float32Array[]): Float32Array;
  function join(vs: Uint8Array[]): Uint8Array;
  function join(vs: (Float32Array | Uint8Array)[]): Float32Array | Uint8Array {
    const len = vs.reduce((a, v) => a + v.length, 0);
    const out = vs[0] instanceof Float32Array ? new Float32Array(len) : new Uint8Array(len);
    let at = 0;
    for (const v of vs) {
      out.set(v, at);
      at += v.length;
    }
    return out;
  }
  const n = parts.reduce((a, p) => a + forwardRows(p), 0);
  return {
    taps: parts[0].taps.map((t, i) => ({
      tap: t.tap,
      shape: [n, t.shape[1], t.shape[2], t.shape[3]],
      bits: join(parts.map((p) => p.taps[i].bits)),
      values: t.values && join(parts.map((p) => p.taps[i].values!)),
    })),
    features: parts[0].features.map((m, i) => ({
      name: m.name,
      shape: [n, ...m.shape.slice(1)],
      values: join(parts.map((p) => p.features[i].values)),
    })),
    logits: parts[0].logits && {
      values: join(parts.map((p) => p.logits!.values)),
      shape: [n, ...parts[0].logits.shape.slice(1)],
    },
  };
}

/** Images a forward pass answered (from whichever output it has). */
export function forwardRows(f: TeacherForward): number {
  return f.taps[0]?.shape[0] ?? f.features[0]?.shape[0] ?? f.logits?.shape[0] ?? 0;
}
