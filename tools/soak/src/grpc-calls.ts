// Promise forms of the few calls the soak makes, each retried while the service restarts.
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { makeClient } from '@abd/grpc-kit';
import { evaluator, health, studentTrainer, teacherInference } from '@abd/proto';

type Cb<T> = (e: ServiceError | null, v: T) => void;

/** `call` again (every 250 ms, at most `tries` times) while it fails UNAVAILABLE or DEADLINE_EXCEEDED. */
export async function retrying<T>(call: () => Promise<T>, tries = 240): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await call();
    } catch (e) {
      const code = (e as ServiceError).code;
      if (i + 1 >= tries || (code !== status.UNAVAILABLE && code !== status.DEADLINE_EXCEEDED))
        throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const deadline = (ms: number) => ({ deadline: Date.now() + ms });

export function trainerCall<T>(
  address: string,
  token: string,
  method: 'startJob' | 'getJob',
  req: unknown,
): Promise<T> {
  const c = makeClient(studentTrainer.StudentTrainerClient, address, { token });
  return new Promise<T>((res, rej) =>
    (c[method] as unknown as (r: unknown, m: Metadata, o: object, cb: Cb<T>) => void).call(
      c,
      req,
      new Metadata(),
      deadline(5000),
      (e, v) => (e ? rej(e) : res(v)),
    ),
  ).finally(() => c.close());
}

export function evaluate(
  address: string,
  token: string,
  model: string,
): Promise<evaluator.EvaluationReport> {
  const c = makeClient(evaluator.EvaluatorClient, address, { token });
  const req = evaluator.EvaluateRequest.fromPartial({ model: { id: model, epoch: 0 } });
  return new Promise<evaluator.EvaluationReport>((res, rej) =>
    c.evaluate(req, new Metadata(), deadline(120_000), (e, v) => (e ? rej(e) : res(v))),
  ).finally(() => c.close());
}

export function healthy(address: string): Promise<boolean> {
  const c = makeClient(health.HealthClient, address);
  return new Promise<boolean>((res) =>
    c.check({ service: '' }, new Metadata(), deadline(3000), (e, r) =>
      res(!e && r.status === health.HealthCheckResponse_ServingStatus.SERVING),
    ),
  ).finally(() => c.close());
}

/** One Infer of `n` images (signs + logits) on its own stream. */
export function inferOnce(
  address: string,
  token: string,
  teacher: string,
  n: number,
  hw: [number, number, number],
): Promise<void> {
  const c = makeClient(teacherInference.TeacherInferenceClient, address, { token });
  const [h, w, ch] = hw;
  const data = Buffer.alloc(n * h * w * ch);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  return new Promise<void>((res, rej) => {
    const s = c.infer(new Metadata(), deadline(300_000));
    s.on('data', () => undefined);
    s.on('error', rej);
    s.on('end', () => res());
    s.write({
      teacher: { id: teacher, epoch: 0 },
      requestId: 1,
      images: { data, shape: [n, h, w, ch], labels: [], indices: [] },
      taps: [],
      rawPreactivations: false,
      logits: true,
      batchNormTrainMode: false,
      features: [],
      omitSignMaps: false,
    });
    s.end();
  }).finally(() => c.close());
}
