// Reads the Dockerfiles (no Docker engine needed): stages, non-root user, production deps,
// backends, and that the entry point of every program they build exists in the repo.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_UI_PORT, SERVICE_KEYS, SERVICE_PORTS } from '@abd/grpc-kit';
import { DEPLOY, GPU_SERVICES, REPO } from './render';

interface Instr {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  body: Instr[];
}

/** Instructions (continuations joined, comments dropped) split into build stages. */
function stages(path: string): Stage[] {
  const text = readFileSync(path, 'utf8').replace(/\\\n/g, ' ');
  const out: Stage[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [, op, args] = /^(\w+)\s+(.*)$/.exec(t)!;
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      out.push({ from: m[1], name: m[2], body: [] });
    } else if (out.length > 0) out[out.length - 1].body.push({ op: op.toUpperCase(), args });
  }
  return out;
}
const all = (s: Stage, op: string): string[] =>
  s.body.filter((i) => i.op === op).map((i) => i.args);

/** The programs tools/build-images.sh builds with a Dockerfile (by its variable name). */
function programs(variable: string): string[] {
  const m = new RegExp(`^${variable}="([^"]*)"`, 'm').exec(
    readFileSync(join(REPO, 'tools', 'build-images.sh'), 'utf8'),
  );
  assert.ok(m, `tools/build-images.sh has no ${variable}`);
  return m[1].split(/\s+/);
}

const DOCKERFILES = {
  cpu: { path: join(DEPLOY, 'docker', 'Dockerfile') },
  gpu: { path: join(DEPLOY, 'docker', 'Dockerfile.gpu') },
};

test('the build script builds every service (+ the CLI) on CPU and the GPU services on CUDA', () => {
  assert.deepEqual(programs('CPU_PROGRAMS').sort(), [...SERVICE_KEYS, 'cli'].sort());
  assert.deepEqual(programs('GPU_PROGRAMS').sort(), [...GPU_SERVICES].sort());
});

for (const [variant, df] of Object.entries(DOCKERFILES)) {
  test(`${variant} Dockerfile: multi-stage, production deps, non-root runtime, tsx entry point`, () => {
    const ss = stages(df.path);
    assert.ok(ss.length >= 2, 'multi-stage build');
    const runtime = ss[ss.length - 1];
    const names = new Set(ss.map((s) => s.name));
    // Runtime gets node_modules from a stage that installed production dependencies only.
    const copies = all(runtime, 'COPY');
    const nm = copies.find((c) => /--from=(\S+)\s+\S*node_modules/.test(c));
    assert.ok(nm, 'runtime copies node_modules from a build stage');
    const depsName = /--from=(\S+)/.exec(nm)![1];
    assert.ok(names.has(depsName), `no stage ${depsName}`);
    const install = all(
      ss.find((s) => s.name === depsName)!,
      'RUN',
    ).join(' ');
    assert.match(install, /npm ci\b[^&]*--omit=dev/, 'npm ci --omit=dev');
    // Build tools stay out of the runtime stage.
    assert.doesNotMatch(
      all(runtime, 'RUN').join(' '),
      /\b(g\+\+|make|python3|libdnnl-dev|npm (ci|install))\b/,
    );
    for (const c of copies) {
      const from = /--from=(\S+)/.exec(c)?.[1];
      if (from) assert.ok(names.has(from) || from.includes(':'), `COPY --from=${from}`);
      else
        for (const src of c.split(/\s+/).slice(0, -1))
          assert.ok(existsSync(join(REPO, src)), `COPY source ${src} is not in the repo`);
    }
    // Non-root: a numeric uid (so runAsNonRoot can check it), set last and never back to root.
    const users = all(runtime, 'USER');
    assert.ok(users.length > 0, 'runtime sets USER');
    const user = users[users.length - 1];
    assert.match(user, /^[1-9]\d*(:\d+)?$/, `USER ${user} must be a non-zero numeric uid`);
    const last = runtime.body.map((i) => i.op).lastIndexOf('USER');
    assert.ok(!runtime.body.slice(last).some((i) => i.op === 'RUN'), 'nothing runs after USER');
    // Entry point: apps/$SERVICE/src/main.ts through tsx, for each program built from this file.
    const env = all(runtime, 'ENV').join(' ');
    assert.match(env, /ABD_SERVICE=\$\{SERVICE\}/);
    assert.ok(
      all(runtime, 'ARG').some((a) => a.startsWith('SERVICE')),
      'ARG SERVICE in the runtime stage',
    );
    const entry = JSON.parse(all(runtime, 'ENTRYPOINT')[0]) as string[];
    const cmd = entry.join(' ');
    assert.match(cmd, /exec node --import tsx "apps\/\$\{ABD_SERVICE\}\/src\/main\.ts"/);
    assert.equal(entry[0], '/usr/bin/tini', 'an init as PID 1 forwards SIGTERM and reaps');
    assert.ok(existsSync(join(REPO, 'protos', 'abd', 'v1')), 'reflection needs protos/');
    assert.match(env, /ABD_PROTO_DIR=\/app\/protos/);
    // Secrets never go into an image.
    for (const i of runtime.body.filter((x) => x.op === 'ENV' || x.op === 'ARG')) {
      assert.doesNotMatch(
        i.args,
        /(SECRET|PASSWORD|ACCESS_KEY|AUTH_TOKEN)\w*=/,
        `${i.op} ${i.args}`,
      );
    }
    if (variant === 'cpu') {
      assert.match(env, /ABD_BACKEND=wasm/);
      const exposed = all(runtime, 'EXPOSE').join(' ').split(/\s+/).map(Number).sort();
      // The gRPC ports and the evaluator's web view.
      assert.deepEqual(exposed, [...Object.values(SERVICE_PORTS), DEFAULT_UI_PORT].sort());
      assert.match(
        all(runtime, 'RUN').join(' '),
        /libdnnl2\.6/,
        'oneDNN runtime for the native addon',
      );
    } else {
      assert.match(runtime.from, /nvidia\/cuda|CUDA_IMAGE/);
      const cuda = readFileSync(df.path, 'utf8');
      assert.match(cuda, /ARG CUDA_IMAGE=nvidia\/cuda:\S+cudnn\S+-runtime-/);
      assert.match(install, /tfjs-node-gpu/);
      assert.match(env, /ABD_BACKEND=tensorflow-gpu/);
      const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8'));
      assert.match(lock.packages['node_modules/@tensorflow/tfjs-node-gpu'].version, /^4\.22\./);
    }
  });
}

test('the entry point of every program the Dockerfiles build exists: apps/<program>/src/main.ts', () => {
  const missing = [...new Set([...programs('CPU_PROGRAMS'), ...programs('GPU_PROGRAMS')])]
    .map((p) => `apps/${p}/src/main.ts`)
    .filter((f) => !existsSync(join(REPO, f)));
  assert.deepEqual(missing, [], `missing entry points: ${missing.join(', ')}`);
});

test('.dockerignore keeps generated files, secrets and the deploy tree out of the context', () => {
  const lines = new Set(
    readFileSync(join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim()),
  );
  for (const p of ['.git', '**/node_modules', 'libs/tensor/native/build', '**/*.env', 'deploy']) {
    assert.ok(lines.has(p), `.dockerignore lacks ${p}`);
  }
});
