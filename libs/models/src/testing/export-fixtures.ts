import * as tf from '@tensorflow/tfjs-core';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

/** Gives every BN layer non-trivial γ, β and running statistics (as after training). */
export function randomizeBn(
  model: { params: Map<string, tf.Variable>; stats: Map<string, tf.Variable> },
  seed: number,
): void {
  let s = seed;
  tf.tidy(() => {
    for (const [k, v] of [...model.params, ...model.stats]) {
      if (k.endsWith('.gamma') || k.endsWith('.var'))
        v.assign(tf.randomUniform(v.shape, 0.5, 1.5, 'float32', s++));
      else if (k.endsWith('.beta') || k.endsWith('.mean'))
        v.assign(tf.randomUniform(v.shape, -0.5, 0.5, 'float32', s++));
    }
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** NHWC → NCHW values. */
export function toNchw(x: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let z = 0; z < w; z++)
        for (let k = 0; k < c; k++)
          out[((b * c + k) * h + y) * w + z] = x[((b * h + y) * w + z) * c + k];
  return out;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.html': 'text/html',
  '.bin': 'application/octet-stream',
};

/** A static file server on 127.0.0.1 over a few directories mounted at URL prefixes. */
export async function serveDirs(
  mounts: Record<string, string>,
): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(dir, path.slice(prefix.length)));
      if (!file.startsWith(normalize(dir) + sep) && file !== normalize(dir)) break;
      try {
        if (!(await stat(file)).isFile()) break;
      } catch {
        break;
      }
      // No keep-alive: tests block this process in spawnSync for longer than the server's
      // keep-alive timeout, after which a reused socket could be closed under the next fetch (ECONNRESET).
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        connection: 'close',
      });
      createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404, { connection: 'close' }).end('not found');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
