// Renders the kustomizations with `kubectl kustomize`, parses and schema-validates the objects.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_UI_PORT, type ServiceKey } from '@abd/grpc-kit';

export const REPO = resolve(__dirname, '..', '..');
export const DEPLOY = join(REPO, 'deploy');

/** Services that run on GPUs in the gpu overlay (and have a GPU image). */
export const GPU_SERVICES = ['teacher-inference', 'student-trainer'];

/**
 * Who may call whom (ingress NetworkPolicies): target → caller workloads. `abd-cli` is the run
 * Job (deploy/jobs/run). deploy/README.md has the same table.
 */
export const CALLERS: Record<string, string[]> = {
  'teacher-inference': ['boundary-extractor', 'evaluator'],
  'boundary-extractor': ['student-trainer', 'evaluator'],
  'student-trainer': ['abd-cli'],
  evaluator: ['abd-cli', 'student-trainer'],
  minio: ['teacher-inference', 'boundary-extractor', 'student-trainer', 'evaluator', 'abd-cli'],
};

/** The service that also serves the web view (@abd/ui), on DEFAULT_UI_PORT, port name `http-ui`. */
export const UI_SERVICE: ServiceKey = 'evaluator';
export const UI_PORT = DEFAULT_UI_PORT;

/**
 * Pods with this label may open the web view. No workload of ours carries it (users reach the
 * view with `kubectl port-forward`, which NetworkPolicies do not govern); it is for the user's
 * own in-cluster clients, e.g. an auth proxy. In the caller table it is the caller `ui-client`.
 */
export const UI_CLIENT_LABELS: Record<string, string> = { 'ab-distill/ui-client': 'true' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: any;
};

/** Why the manifest tests cannot run here, or undefined when kubectl is usable. */
export function kubectlMissing(): string | undefined {
  const r = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (r.error)
    return `kubectl not found (${(r.error as NodeJS.ErrnoException).code}): manifest checks skipped`;
  if (r.status !== 0) return `kubectl version failed: ${r.stderr.trim()}`;
  return undefined;
}

/** `kubectl kustomize <dir>` parsed; YAML 1.1 like kubectl (so `0440` is octal). */
export function render(dir: string): K8sObject[] {
  const r = spawnSync('kubectl', ['kustomize', join(DEPLOY, dir)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${r.stderr}`);
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(r.stdout, { version: '1.1' })) {
    if (doc.errors.length > 0)
      throw new Error(`${dir}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const o = doc.toJS() as K8sObject | null;
    if (o) objects.push(o);
  }
  return objects;
}

const rendered = new Map<string, K8sObject[]>();

/** `render(dir)`, once per test process. */
export function renderOnce(dir: string): K8sObject[] {
  if (!rendered.has(dir)) rendered.set(dir, render(dir));
  return rendered.get(dir)!;
}

/** What is in the cluster after `apply -k overlays/<overlay>` and `apply -k jobs/run`. */
export function cluster(overlay: string): K8sObject[] {
  return [...renderOnce(`overlays/${overlay}`), ...renderOnce('jobs/run')];
}

const MODULES: Record<string, string> = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
};

/** Validates `o` against its Kubernetes schema (kubernetes-models); throws with the path on error. */
export async function validateObject(o: K8sObject): Promise<void> {
  const mod = MODULES[o.apiVersion];
  if (!mod)
    throw new Error(
      `${o.kind}/${o.metadata.name}: apiVersion ${o.apiVersion} is not one this test knows`,
    );
  // kubernetes-models is ESM only; a dynamic import works from the CommonJS tests.
  const models = (await import(mod)) as Record<string, new (d: unknown) => { validate(): void }>;
  const Model = models[o.kind];
  if (!Model) throw new Error(`${o.apiVersion} has no kind ${o.kind}`);
  try {
    new Model(o).validate();
  } catch (e) {
    throw new Error(`${o.kind}/${o.metadata.name}: ${(e as Error).message}`);
  }
}

export function byKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function one(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length}`);
  return found[0];
}

/** Objects that run pods, with their pod template. */
export function workloads(
  objects: K8sObject[],
): { o: K8sObject; labels: Record<string, string>; pod: K8sObject['spec'] }[] {
  return objects
    .filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))
    .map((o) => ({ o, labels: o.spec.template.metadata?.labels ?? {}, pod: o.spec.template.spec }));
}

/** Does a label selector (matchLabels / plain map; matchExpressions unsupported) select `labels`? */
export function selects(
  selector: Record<string, unknown> | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return false;
  if ('matchExpressions' in selector)
    throw new Error('matchExpressions are not supported by this test');
  const match = (('matchLabels' in selector ? selector.matchLabels : selector) ?? {}) as Record<
    string,
    string
  >;
  return Object.entries(match).every(([k, v]) => labels[k] === v);
}

/** CPU in cores, memory in bytes. */
export function quantity(q: string | number): number {
  const s = String(q);
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G)?$/.exec(s);
  if (!m) throw new Error(`unsupported quantity ${s}`);
  const unit: Record<string, number> = {
    m: 1e-3,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    k: 1e3,
    M: 1e6,
    G: 1e9,
  };
  return Number(m[1]) * (m[2] ? unit[m[2]] : 1);
}

/** Every ABD_* name that non-test sources of libs/ and apps/ mention: what the programs read. */
export function envNamesInSources(): Set<string> {
  const names = new Set<string>();
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      if (n === 'node_modules' || n === 'build') continue;
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.ts') && !n.endsWith('.test.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/\bABD_[A-Z0-9_]*[A-Z0-9]\b/g))
          names.add(m[0]);
      }
    }
  };
  walk(join(REPO, 'libs'));
  walk(join(REPO, 'apps'));
  return names;
}
