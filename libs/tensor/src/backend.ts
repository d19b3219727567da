import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from './gradients';
import { registerWasmTrainingKernels } from './kernels/register';
import { registerNativeKernels } from './native';
import type { NativeStatus } from './native';

/** The backends we can run on, best first. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** What `initBackend` chose and what is active on it (printed by `abd doctor`). */
export interface BackendInfo {
  /** The tfjs backend name in use: 'tensorflow' (for both tfjs-node packages), 'wasm' or 'cpu'. */
  backend: string;
  /** Which of our choices it is (tells tfjs-node-gpu from tfjs-node). */
  choice: BackendName;
  /** wasm with 128-bit SIMD (false on other backends). */
  simd: boolean;
  /** Threads the backend computes with (wasm: its own pool, 1 in Node). */
  threads: number;
  /** Package versions: tfjs-core and the backend package. */
  versions: Record<string, string>;
  /** Kernels of ours registered on this backend. */
  ourKernels: string[];
  /** Gradients we added (tfjs defines none for comparison/logical ops). */
  ourGradients: string[];
  /** The native (oneDNN) addon's status; it overrides some of our kernels when loaded. */
  native: NativeStatus;
  /** Why better backends were skipped, by name. */
  skipped: Partial<Record<BackendName, string>>;
}

/** Thrown when a backend is asked for by name and cannot be loaded. */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backendName: string,
    reason: string,
  ) {
    super(`backend '${backendName}' is unavailable: ${reason}`);
    this.name = 'BackendUnavailableError';
  }
}

const ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
const PACKAGE: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

let current: { request: BackendName | 'auto'; info: Promise<BackendInfo> } | null = null;
let lastInfo: BackendInfo | null = null;

function parseName(value: string, from: string): BackendName | 'auto' {
  if (value === 'auto' || (ORDER as string[]).includes(value)) return value as BackendName | 'auto';
  throw new BackendUnavailableError(
    value,
    `unknown backend in ${from}; expected one of auto, ${ORDER.join(', ')}`,
  );
}

function packageVersion(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Loads a backend package; returns null when it loads, else why not. */
function load(name: BackendName): string | null {
  const pkg = PACKAGE[name];
  try {
    require.resolve(pkg);
  } catch {
    return `${pkg} is not installed`;
  }
  try {
    require(pkg);
    return null;
  } catch (e) {
    return `${pkg} failed to load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
}

async function activate(name: BackendName): Promise<string | null> {
  const why = load(name);
  if (why != null) return why;
  const tfName = name === 'tensorflow-gpu' ? 'tensorflow' : name;
  const ok = await tf.setBackend(tfName);
  if (!ok) return `tf.setBackend('${tfName}') failed`;
  await tf.ready();
  return null;
}

async function init(request: BackendName | 'auto'): Promise<BackendInfo> {
  const ourGradients = ensureGradients();
  const skipped: Partial<Record<BackendName, string>> = {};
  let chosen: BackendName | null = null;
  for (const name of request === 'auto' ? ORDER : [request]) {
    const why = await activate(name);
    if (why == null) {
      chosen = name;
      break;
    }
    skipped[name] = why;
  }
  if (chosen == null) {
    if (request !== 'auto')
      throw new BackendUnavailableError(request, skipped[request] ?? 'unknown reason');
    throw new BackendUnavailableError('auto', Object.values(skipped).join('; '));
  }
  let ourKernels: string[] = [];
  let native: NativeStatus = {
    loaded: false,
    reason: `not used on the ${chosen} backend`,
    kernels: [],
  };
  let simd = false;
  let threads = 1;
  if (chosen === 'wasm') {
    ourKernels = registerWasmTrainingKernels();
    native =
      process.env.ABD_NATIVE === '0'
        ? { loaded: false, reason: 'disabled by ABD_NATIVE=0', kernels: [] }
        : registerNativeKernels();
    simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    threads = wasmThreads();
  }
  lastInfo = {
    backend: tf.getBackend(),
    choice: chosen,
    simd,
    threads,
    versions: { 'tfjs-core': tf.version_core, [PACKAGE[chosen]]: packageVersion(PACKAGE[chosen]) },
    ourKernels,
    ourGradients,
    native,
    skipped,
  };
  return lastInfo;
}

function wasmThreads(): number {
  try {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount?: () => number };
    return Math.max(1, wasm.getThreadsCount?.() ?? 1);
  } catch {
    return 1;
  }
}

/**
 * Chooses and initialises the compute backend. 'auto' (the default) takes the first that
 * loads of tfjs-node-gpu → tfjs-node → wasm (with our training kernels, then the native
 * addon's unless ABD_NATIVE=0) → cpu. `opts.backend` wins over the env var ABD_BACKEND.
 * Idempotent: a repeated call for the same request returns the same info; a call naming
 * another backend switches to it.
 */
export async function initBackend(
  opts: { backend?: BackendName | 'auto' } = {},
): Promise<BackendInfo> {
  const request =
    opts.backend != null
      ? parseName(opts.backend, 'opts.backend')
      : parseName(process.env.ABD_BACKEND || 'auto', 'ABD_BACKEND');
  if (current != null && (current.request === request || opts.backend == null)) return current.info;
  const info = init(request);
  current = { request, info };
  info.catch(() => {
    if (current?.info === info) current = null;
  });
  return info;
}

/**
 * The human-readable report `abd doctor` prints: of `info`, or of the backend the last
 * `initBackend` call set up.
 */
export function backendReport(info: BackendInfo | null = lastInfo): string {
  if (info == null) return 'backend:   not initialised (call initBackend() first)';
  const lines = [
    `backend:   ${info.backend} (${info.choice})`,
    `versions:  ${Object.entries(info.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  ];
  if (info.backend === 'wasm')
    lines.push(`simd:      ${info.simd ? 'yes' : 'no'}`, `threads:   ${info.threads}`);
  lines.push(`kernels:   ${info.ourKernels.length ? info.ourKernels.join(', ') : 'none of ours'}`);
  if (info.ourGradients.length) lines.push(`gradients: zero for ${info.ourGradients.join(', ')}`);
  const n = info.native;
  lines.push(
    n.loaded
      ? `native:    loaded${n.library ? ` (${n.library})` : ''}, ${n.threads ?? '?'} threads, kernels ${n.kernels.join(', ') || 'none'}`
      : `native:    not loaded (${n.reason ?? 'no reason given'})`,
  );
  for (const [name, why] of Object.entries(info.skipped)) lines.push(`skipped:   ${name}: ${why}`);
  if (info.backend === 'cpu')
    lines.push('warning:   the pure-JS cpu backend is ~100× slower than wasm');
  return lines.join('\n');
}
