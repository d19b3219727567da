// Pods of both overlays and the run Job: hardening, resources, env and secrets, GPUs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENV } from '@abd/grpc-kit';
import {
  cluster,
  envNamesInSources,
  GPU_SERVICES,
  K8sObject,
  kubectlMissing,
  one,
  quantity,
  workloads,
} from './render';

const skip = kubectlMissing();

describe('deploy pods', { skip }, () => {
  for (const overlay of ['cpu', 'gpu']) {
    test(`${overlay}: every pod is non-root, read-only, unprivileged, with probes, requests and limits`, () => {
      const objects = cluster(overlay);
      for (const { o, pod } of workloads(objects)) {
        const where = `${o.kind}/${o.metadata.name}`;
        assert.equal(pod.securityContext?.runAsNonRoot, true, `${where}: pod runAsNonRoot`);
        assert.ok(
          pod.securityContext?.runAsUser > 0,
          `${where}: pod runAsUser must be a non-zero uid`,
        );
        assert.equal(
          pod.securityContext?.seccompProfile?.type,
          'RuntimeDefault',
          `${where}: seccompProfile`,
        );
        assert.equal(pod.automountServiceAccountToken, false, `${where}: no API token`);
        assert.equal(pod.hostNetwork ?? false, false, `${where}: hostNetwork`);
        const volumes = new Set((pod.volumes ?? []).map((v: { name: string }) => v.name));
        for (const t of o.spec.volumeClaimTemplates ?? []) volumes.add(t.metadata.name);
        for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
          const at = `${where} container ${c.name}`;
          assert.match(c.image, /:[A-Za-z0-9][\w.-]*$/, `${at}: image needs a tag`);
          assert.doesNotMatch(c.image, /:latest$/, `${at}: image tag latest`);
          const sc = c.securityContext ?? {};
          assert.equal(sc.runAsNonRoot, true, `${at}: runAsNonRoot`);
          assert.equal(sc.allowPrivilegeEscalation, false, `${at}: allowPrivilegeEscalation`);
          assert.equal(sc.readOnlyRootFilesystem, true, `${at}: readOnlyRootFilesystem`);
          assert.notEqual(sc.privileged, true, `${at}: privileged`);
          assert.deepEqual(sc.capabilities?.drop, ['ALL'], `${at}: drop ALL capabilities`);
          assert.equal(sc.capabilities?.add, undefined, `${at}: no added capabilities`);
          for (const r of ['cpu', 'memory']) {
            const req = c.resources?.requests?.[r];
            const lim = c.resources?.limits?.[r];
            assert.ok(req !== undefined && lim !== undefined, `${at}: ${r} request and limit`);
            assert.ok(quantity(req) <= quantity(lim), `${at}: ${r} request ${req} > limit ${lim}`);
          }
          if (o.kind !== 'Job') {
            for (const p of ['readinessProbe', 'livenessProbe']) assert.ok(c[p], `${at}: ${p}`);
          }
          for (const m of c.volumeMounts ?? [])
            assert.ok(volumes.has(m.name), `${at}: mount of undeclared volume ${m.name}`);
        }
      }
    });

    test(`${overlay}: env names are ones the programs read; refs resolve; secrets come from Secrets`, () => {
      const objects = cluster(overlay);
      const known = new Set([...Object.values(ENV), ...envNamesInSources()]);
      const config = one(objects, 'ConfigMap', 'abd-config');
      for (const k of Object.keys(config.data))
        assert.ok(known.has(k), `abd-config key ${k} is read by no program`);
      assert.equal(config.data[ENV.PORT], undefined, `${ENV.PORT} is per service, not shared`);
      const has = (kind: string, name: string): K8sObject | undefined =>
        objects.find((o) => o.kind === kind && o.metadata.name === name);
      for (const { o, pod } of workloads(objects)) {
        for (const c of pod.containers) {
          const at = `${o.metadata.name}/${c.name}`;
          for (const f of c.envFrom ?? [])
            assert.ok(
              has('ConfigMap', f.configMapRef?.name),
              `${at}: envFrom ${JSON.stringify(f)}`,
            );
          for (const e of c.env ?? []) {
            if (c.name !== 'minio')
              assert.ok(known.has(e.name), `${at}: env ${e.name} is read by no program`);
            const s = e.valueFrom?.secretKeyRef;
            if (s)
              assert.ok(
                has('Secret', s.name)?.data?.[s.key] !== undefined,
                `${at}: ${e.name} refers to missing ${s.name}/${s.key}`,
              );
            if (/(SECRET|PASSWORD|ACCESS_KEY|TOKEN)$/.test(e.name))
              assert.ok(s, `${at}: ${e.name} must come from a Secret`);
          }
          const names = new Set((c.env ?? []).map((e: { name: string }) => e.name));
          if (c.name !== 'minio') {
            for (const n of ['ABD_S3_ACCESS_KEY', 'ABD_S3_SECRET_KEY'])
              assert.ok(names.has(n), `${at}: ${n}`);
          }
        }
        for (const v of pod.volumes ?? []) {
          if (v.secret)
            assert.ok(
              has('Secret', v.secret.secretName),
              `${o.metadata.name}: volume ${v.name} secret`,
            );
          if (v.configMap)
            assert.ok(
              has('ConfigMap', v.configMap.name),
              `${o.metadata.name}: volume ${v.name} configMap`,
            );
        }
      }
    });
  }

  test('GPUs are asked for only by teacher-inference and student-trainer, only in the gpu overlay', () => {
    const gpuOf = (objects: K8sObject[]): string[] =>
      workloads(objects)
        .filter(({ pod }) =>
          pod.containers.some(
            (c: K8sObject['spec']) =>
              c.resources?.limits?.['nvidia.com/gpu'] || c.resources?.requests?.['nvidia.com/gpu'],
          ),
        )
        .map(({ o }) => o.metadata.name)
        .sort();
    assert.deepEqual(gpuOf(cluster('cpu')), []);
    const gpu = cluster('gpu');
    assert.deepEqual(gpuOf(gpu), [...GPU_SERVICES].sort());
    for (const { o, pod } of workloads(gpu)) {
      const name = o.metadata.name;
      const onGpu = GPU_SERVICES.includes(name);
      assert.equal(
        pod.containers[0].image.includes('-gpu:'),
        onGpu,
        `${name}: image ${pod.containers[0].image}`,
      );
      assert.equal(
        pod.nodeSelector?.['nvidia.com/gpu.present'] === 'true',
        onGpu,
        `${name}: nodeSelector`,
      );
      const tolerates = (pod.tolerations ?? []).some(
        (t: { key?: string }) => t.key === 'nvidia.com/gpu',
      );
      assert.equal(tolerates, onGpu, `${name}: toleration`);
      if (onGpu) assert.equal(Number(pod.containers[0].resources.limits['nvidia.com/gpu']), 1);
    }
    for (const { o, pod } of workloads(cluster('cpu'))) {
      assert.ok(
        !pod.containers[0].image.includes('-gpu'),
        `${o.metadata.name}: cpu overlay uses ${pod.containers[0].image}`,
      );
      assert.equal(pod.nodeSelector, undefined);
    }
  });
});
