// NetworkPolicies let only the pipeline's callers in; the run Job drives `abd run --remote`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseRunConfig } from '@abd/train';
import { SERVICE_KEYS, SERVICE_PORTS } from '@abd/grpc-kit';
import {
  byKind,
  CALLERS,
  cluster,
  DEPLOY,
  kubectlMissing,
  one,
  selects,
  UI_CLIENT_LABELS,
  UI_PORT,
  UI_SERVICE,
  workloads,
} from './render';

const skip = kubectlMissing();

describe('network policies and the run Job', { skip }, () => {
  for (const overlay of ['cpu', 'gpu']) {
    test(`${overlay}: ingress is denied by default and allowed exactly along the pipeline`, () => {
      const objects = cluster(overlay);
      const policies = byKind(objects, 'NetworkPolicy');
      const deny = policies.filter((p) => Object.keys(p.spec.podSelector).length === 0);
      assert.equal(deny.length, 1, 'one default-deny policy for the whole namespace');
      assert.deepEqual(deny[0].spec.policyTypes, ['Ingress']);
      assert.equal(deny[0].spec.ingress, undefined, 'the default policy allows nothing');

      const pods = workloads(objects);
      const nameOf = (labels: Record<string, string>): string => labels['app.kubernetes.io/name'];
      const allowed = new Map<string, Set<string>>(); // "target:port" → callers
      for (const p of policies) {
        const targets = pods.filter((w) => selects(p.spec.podSelector, w.labels));
        if (deny.includes(p)) continue;
        assert.ok(targets.length > 0, `NetworkPolicy ${p.metadata.name} selects no pod`);
        for (const rule of p.spec.ingress ?? []) {
          // An absent `from` or `ports` would open the port to anyone / every port.
          assert.ok(
            rule.from?.length > 0 && rule.ports?.length > 0,
            `${p.metadata.name}: rule without from/ports`,
          );
          for (const peer of rule.from) {
            assert.deepEqual(
              Object.keys(peer),
              ['podSelector'],
              `${p.metadata.name}: only same-namespace pod peers`,
            );
            // The web view's clients are a label of the user's pods, not one of our workloads.
            const uiClient =
              JSON.stringify(peer.podSelector) ===
              JSON.stringify({ matchLabels: UI_CLIENT_LABELS });
            const callers = uiClient
              ? ['ui-client']
              : pods
                  .filter((w) => selects(peer.podSelector, w.labels))
                  .map((w) => nameOf(w.labels));
            assert.ok(
              callers.length > 0,
              `${p.metadata.name}: peer ${JSON.stringify(peer)} matches no workload`,
            );
            for (const t of targets) {
              for (const port of rule.ports) {
                const k = `${nameOf(t.labels)}:${port.port}`;
                if (!allowed.has(k)) allowed.set(k, new Set());
                for (const c of callers) allowed.get(k)!.add(c);
              }
            }
          }
        }
      }
      const expected = new Map<string, string[]>();
      for (const [target, callers] of Object.entries(CALLERS)) {
        const port =
          target in SERVICE_PORTS ? SERVICE_PORTS[target as keyof typeof SERVICE_PORTS] : 9000;
        expected.set(`${target}:${port}`, [...callers].sort());
      }
      // The web view: only the labelled UI clients (users port-forward); never the pipeline.
      expected.set(`${UI_SERVICE}:${UI_PORT}`, ['ui-client']);
      const actual = new Map([...allowed].map(([k, v]) => [k, [...v].sort()]));
      assert.deepEqual(Object.fromEntries(actual), Object.fromEntries(expected));
      // Every service port is reachable by someone (or the pipeline could not run).
      for (const key of SERVICE_KEYS)
        assert.ok(actual.has(`${key}:${SERVICE_PORTS[key]}`), `${key} has no caller`);
    });
  }

  test('the Job runs `abd run --remote` on a valid config mounted from a ConfigMap', () => {
    const objects = cluster('cpu');
    const job = one(objects, 'Job', 'abd-run');
    const pod = job.spec.template.spec;
    assert.ok(['Never', 'OnFailure'].includes(pod.restartPolicy));
    assert.ok(job.spec.backoffLimit >= 1, 'a retried pod resumes from the checkpoints');
    const [c] = pod.containers;
    assert.match(c.image, /^ab-distill\/cli:/);
    assert.deepEqual(c.args.slice(0, 2), ['run', '--remote']);
    const configPath: string = c.args[2];
    const mount = c.volumeMounts.find((m: { mountPath: string }) =>
      configPath.startsWith(`${m.mountPath}/`),
    );
    assert.ok(mount, `${configPath} is not on a mounted volume`);
    const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
    const cm = one(objects, 'ConfigMap', volume.configMap.name);
    const file = configPath.slice(mount.mountPath.length + 1);
    assert.ok(cm.data[file], `ConfigMap ${cm.metadata.name} has no ${file}`);
    const cfg = parseRunConfig(cm.data[file], file);
    assert.equal(cm.data[file], readFileSync(join(DEPLOY, 'jobs', 'run', 'run.yaml'), 'utf8'));
    assert.match(cfg.name, /from/, 'config names say <student>-from-<teacher>-<method>');
    // Addresses and store come from the shared settings.
    assert.ok(
      c.envFrom.some(
        (f: { configMapRef?: { name: string } }) => f.configMapRef?.name === 'abd-config',
      ),
    );
  });
});
