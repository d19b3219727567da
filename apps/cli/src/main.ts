import { parseArgs, UsageError } from './args';
import { benchCommand } from './commands/bench';
import { benchTeacherCommand } from './commands/bench-teacher';
import { callCommand } from './commands/call';
import { remoteRunCommand } from './commands/remote';
import { upCommand } from './commands/up';
import { demoCommand } from './commands/demo';
import { doctorCommand } from './commands/doctor';
import { evalCommand } from './commands/eval';
import { exportCommand } from './commands/export';
import { inspectModelCommand } from './commands/inspect-model';
import { reproCommand } from './commands/repro';
import { runCommand } from './commands/run';
import { trainCommand } from './commands/train';
import { uiCommand } from './commands/ui';

const USAGE = `abd — knowledge distillation by activation boundaries

usage: abd <command> [options]

commands:
  demo                      none vs KD vs AB+KD on Fashion-MNIST with the committed teacher (in-process)
  run <config.yaml>         teacher → AB init → classification → evaluation → report in the store
  distill <config.yaml>     like run, AB+KD only
  train <config.yaml>       train the config's teacher with CE (--out DIR to export it)
  eval <checkpoint>         test error, loss and confusion matrix of a checkpoint
  export <run-id>/<method>  the run's student as a stock model: --format tfjs-layers|tfjs-graph|onnx --out DIR
  inspect-model <path>      a tfjs model.json or .onnx teacher's layers / nodes with their shapes, to pick taps from
  repro <experiment>        the paper's experiments: fast-training | little-data | network-sizes
                            (--dataset, --scale smoke|mini|small|full, --seeds N; resumes; tables + plots in docs/results)
  bench                     training / AB stage / inference throughput and peak RSS
  bench-teacher             teacher-inference under 1/8/32 concurrent clients: batching off vs on, img/s, p50/p99, RSS
  doctor                    backend, kernels, threads, versions, dataset location
  up                        start the four gRPC services locally (--teachers N, --port-base P, --store URL)
  run <config> --remote [A] the same run through the services (student-trainer at A, default 127.0.0.1:50053)
  call <addr> <Svc/Method> [json]   any RPC from JSON (like grpcurl)
  ui                        read-only web view of the store: runs, curves, results, boundaries (--port 8080, --host)

common options:
  --store URL               artifact store: a directory, file:///dir or s3://bucket/prefix (env ABD_STORE; default ./.abd/store)
  --backend NAME            wasm | cpu | tensorflow | tensorflow-gpu (env ABD_BACKEND; default: best available)
  --run-id ID               name of the run in the store (default: from the config's name)
  --fresh                   start the run over instead of resuming it
`;

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  const args = parseArgs(rest, ['fresh', 'quiet', 'json']);
  switch (cmd) {
    case 'demo':
      return demoCommand(args);
    case 'run':
      if (args.flags.has('remote')) return remoteRunCommand(args);
      await runCommand(args);
      return;
    case 'distill':
      await runCommand(args, (c) => ({ ...c, methods: ['ab+kd'] }));
      return;
    case 'train':
      return trainCommand(args);
    case 'eval':
      return evalCommand(args);
    case 'export':
      return exportCommand(args);
    case 'inspect-model':
      return inspectModelCommand(args);
    case 'repro':
      return reproCommand(args);
    case 'bench':
      return benchCommand(args);
    case 'bench-teacher':
      return benchTeacherCommand(args);
    case 'doctor':
      return doctorCommand(args);
    case 'up':
      return upCommand(args);
    case 'call':
      return callCommand(args);
    case 'ui':
      return uiCommand(args);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return;
    default:
      throw new UsageError(`unknown command '${cmd}'\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (e: Error) => {
    // Typed errors carry a message meant for the user; anything else gets its stack.
    const known = ['UsageError', 'ConfigError', 'DataError', 'CheckpointError', 'ModelConfigError', 'StoreError', 'NotFoundError', 'InvalidKeyError', 'BackendUnavailableError', 'TeacherFormatError'];
    if (known.includes(e.name)) console.error(`abd: ${e.message}`);
    else console.error(e.stack ?? String(e));
    process.exit(e.name === 'UsageError' ? 2 : 1);
  },
);
