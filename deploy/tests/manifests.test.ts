// Renders deploy/overlays/{cpu,gpu} and deploy/jobs/run with kubectl, validates every object
// against the Kubernetes schemas and checks the invariants of deploy/README.md.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_METRICS_PORT,
  ENV,
  GRPC_SERVICE_NAMES,
  SERVICE_ADDRESS_ENV,
  SERVICE_KEYS,
  SERVICE_PORTS,
} from '@abd/grpc-kit';
import {
  byKind,
  cluster,
  kubectlMissing,
  one,
  quantity,
  renderOnce,
  selects,
  UI_PORT,
  UI_SERVICE,
  validateObject,
  workloads,
} from './render';

const skip = kubectlMissing();
if (skip) console.log(`# SKIP deploy manifests: ${skip}`);

const get = renderOnce;
const TARGETS = ['overlays/cpu', 'overlays/gpu', 'jobs/run'];

describe('deploy manifests', { skip }, () => {
  test('both overlays and the run Job render, and every object passes its Kubernetes schema', async () => {
    for (const dir of TARGETS) {
      const objects = get(dir);
      assert.ok(objects.length > 0, `${dir} rendered nothing`);
      for (const o of objects) await validateObject(o);
      for (const o of objects)
        if (o.kind !== 'Namespace')
          assert.equal(o.metadata.namespace, 'abd', `${o.kind}/${o.metadata.name}`);
      for (const o of objects)
        assert.equal(
          o.metadata.labels?.['app.kubernetes.io/part-of'],
          'ab-distill',
          `${o.kind}/${o.metadata.name}`,
        );
    }
    const kinds = new Set(get('overlays/cpu').map((o) => o.kind));
    for (const k of [
      'Namespace',
      'ConfigMap',
      'Secret',
      'Deployment',
      'Service',
      'StatefulSet',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'NetworkPolicy',
    ]) {
      assert.ok(kinds.has(k), `overlays/cpu has no ${k}`);
    }
  });

  for (const overlay of ['cpu', 'gpu']) {
    test(`${overlay}: each service listens on its ports.ts port, probes grpc.health.v1 there, has its Service`, () => {
      const objects = cluster(overlay);
      for (const key of SERVICE_KEYS) {
        const port = SERVICE_PORTS[key];
        const ui = key === UI_SERVICE;
        const d = one(objects, 'Deployment', key);
        const [c, ...rest] = d.spec.template.spec.containers;
        assert.equal(rest.length, 0, `${key}: one container`);
        assert.equal(c.name, key);
        assert.deepEqual(
          c.ports,
          [
            { name: 'grpc', containerPort: port, protocol: 'TCP' },
            ...(ui ? [{ name: 'http-ui', containerPort: UI_PORT, protocol: 'TCP' }] : []),
            ...(key === 'teacher-inference'
              ? [{ name: 'http-metrics', containerPort: DEFAULT_METRICS_PORT, protocol: 'TCP' }]
              : []),
          ],
          `${key}: container ports`,
        );
        assert.deepEqual(
          c.env.find((e: { name: string }) => e.name === ENV.PORT),
          { name: ENV.PORT, value: String(port) },
          `${key}: ${ENV.PORT}`,
        );
        // The web view runs where ABD_UI_PORT is set, on the port the container declares.
        assert.deepEqual(
          c.env.find((e: { name: string }) => e.name === ENV.UI_PORT),
          ui ? { name: ENV.UI_PORT, value: String(UI_PORT) } : undefined,
          `${key}: ${ENV.UI_PORT}`,
        );
        for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
          assert.equal(
            c[p]?.grpc?.port,
            port,
            `${key}: ${p} must be a native gRPC probe on ${port}`,
          );
          // '' (the server) or the service's own name, which grpc-kit's health table serves.
          assert.ok(
            [undefined, '', GRPC_SERVICE_NAMES[key]].includes(c[p].grpc.service),
            `${key}: ${p} service`,
          );
        }
        const svc = one(objects, 'Service', key);
        assert.deepEqual(
          svc.spec.ports.map((p: { port: number }) => p.port),
          ui ? [port, UI_PORT] : [port],
          `Service ${key} port`,
        );
        if (ui)
          assert.deepEqual(
            svc.spec.ports.find((p: { port: number }) => p.port === UI_PORT),
            {
              name: 'http-ui',
              port: UI_PORT,
              targetPort: 'http-ui',
              protocol: 'TCP',
              appProtocol: 'http',
            },
            `Service ${key} http-ui`,
          );
        assert.ok(
          selects(svc.spec.selector, d.spec.template.metadata.labels),
          `Service ${key} selects Deployment ${key}`,
        );
        assert.ok(
          selects(d.spec.selector, d.spec.template.metadata.labels),
          `Deployment ${key} selector matches its pods`,
        );
      }
      const headless = one(objects, 'Service', 'teacher-inference-headless');
      assert.equal(headless.spec.clusterIP, 'None');
    });

    test(`${overlay}: every Service selects exactly one workload and targets a port it declares`, () => {
      const objects = cluster(overlay);
      const pods = workloads(objects).filter(({ o }) => o.kind !== 'Job');
      for (const svc of byKind(objects, 'Service')) {
        const name = svc.metadata.name;
        assert.ok(
          Object.keys(svc.spec.selector ?? {}).length > 0,
          `Service ${name} has no selector`,
        );
        const targets = pods.filter((w) => selects(svc.spec.selector, w.labels));
        assert.equal(
          targets.length,
          1,
          `Service ${name} selects ${targets.map((t) => t.o.metadata.name).join(', ') || 'nothing'}`,
        );
        const declared = targets[0].pod.containers.flatMap(
          (c: { ports?: { name?: string; containerPort: number }[] }) => c.ports ?? [],
        );
        for (const p of svc.spec.ports) {
          const t = p.targetPort ?? p.port;
          const hit = declared.find((d: { name?: string; containerPort: number }) =>
            typeof t === 'number' ? d.containerPort === t : d.name === t,
          );
          assert.ok(
            hit,
            `Service ${name} port ${p.port} targets ${t}, which ${targets[0].o.metadata.name} does not declare`,
          );
        }
      }
    });

    test(`${overlay}: the address settings point at the Services of ports.ts`, () => {
      const objects = cluster(overlay);
      const data = one(objects, 'ConfigMap', 'abd-config').data;
      for (const key of SERVICE_KEYS) {
        const value = data[SERVICE_ADDRESS_ENV[key]];
        assert.ok(value, `abd-config lacks ${SERVICE_ADDRESS_ENV[key]}`);
        const m = /^(?:dns:\/\/\/)?([a-z0-9-]+):(\d+)$/.exec(value);
        assert.ok(m, `${SERVICE_ADDRESS_ENV[key]}=${value}`);
        assert.equal(Number(m[2]), SERVICE_PORTS[key], `${SERVICE_ADDRESS_ENV[key]} port`);
        const svc = one(objects, 'Service', m[1]);
        assert.ok(
          svc.spec.ports.some((p: { port: number }) => p.port === SERVICE_PORTS[key]),
          `${m[1]} exposes ${SERVICE_PORTS[key]}`,
        );
        assert.ok(
          selects(svc.spec.selector, one(objects, 'Deployment', key).spec.template.metadata.labels),
          `${m[1]} selects ${key}`,
        );
      }
      // Client-side round robin needs every pod's address: a dns: target on a headless Service.
      const teacher = /^dns:\/\/\/([a-z0-9-]+):/.exec(data[ENV.TEACHER_ADDRESSES]);
      assert.ok(teacher, `${ENV.TEACHER_ADDRESSES} must be a dns:/// target`);
      assert.equal(one(objects, 'Service', teacher[1]).spec.clusterIP, 'None');
      assert.match(data[ENV.STORE], /^s3:\/\/[a-z0-9.-]+\/./);
      const s3 = new URL(data.ABD_S3_ENDPOINT);
      const minio = one(objects, 'Service', s3.hostname);
      assert.ok(
        minio.spec.ports.some((p: { port: number }) => p.port === Number(s3.port)),
        `${s3.hostname} exposes ${s3.port}`,
      );
    });
  }

  test('teacher-inference scales on its own: HPA, PDB, no fixed replicas; MinIO keeps its data on a PVC', () => {
    const objects = get('overlays/cpu');
    const d = one(objects, 'Deployment', 'teacher-inference');
    assert.equal(d.spec.replicas, undefined, 'replicas belong to the HPA');
    const hpa = one(objects, 'HorizontalPodAutoscaler', 'teacher-inference');
    assert.deepEqual(hpa.spec.scaleTargetRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'teacher-inference',
    });
    assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
    assert.ok(
      d.spec.template.spec.containers[0].resources.requests.cpu,
      'CPU utilization needs a CPU request',
    );
    const pdb = one(objects, 'PodDisruptionBudget', 'teacher-inference');
    assert.ok(selects(pdb.spec.selector, d.spec.template.metadata.labels));
    assert.ok(
      pdb.spec.minAvailable >= 1 && pdb.spec.minAvailable < hpa.spec.minReplicas,
      'a drain can still evict one teacher',
    );
    const minio = one(objects, 'StatefulSet', 'minio');
    const [claim] = minio.spec.volumeClaimTemplates;
    assert.ok(quantity(claim.spec.resources.requests.storage) > 0);
    assert.ok(
      minio.spec.template.spec.containers[0].volumeMounts.some(
        (m: { name: string }) => m.name === claim.metadata.name,
      ),
    );
    const secret = one(objects, 'Secret', 'abd-s3');
    assert.deepEqual(Object.keys(secret.data).sort(), ['access-key', 'secret-key']);
  });
});
