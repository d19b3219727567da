import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// commander (pinned, exact version in package.json): zero dependencies, typed, per-command help,
// `help <cmd>`, `--version`, and rejects unknown options and excess arguments by default (v13+),
// which is what this CLI needs; yargs pulls a dependency tree and citty lacks excess-argument checks.
import { Command } from 'commander';
import { benchCommand } from './commands/bench';
import { benchTeacherCommand } from './commands/bench-teacher';
import { callCommand } from './commands/call';
import { configHelpText, configKeysCommand, configSchemaCommand } from './commands/config';
import { DEMO_CONFIG, demoCommand } from './commands/demo';
import { doctorCommand } from './commands/doctor';
import { evalCommand } from './commands/eval';
import { exportCommand } from './commands/export';
import { inspectModelCommand } from './commands/inspect-model';
import { remoteRunCommand } from './commands/remote';
import { reproCommand } from './commands/repro';
import { runCommand } from './commands/run';
import { trainCommand } from './commands/train';
import { uiCommand } from './commands/ui';
import { upCommand } from './commands/up';
import { REPO_ROOT } from './context';
import { BACKEND, FRESH, QUIET, RUN_ID, STORE, toArgs, YES } from './program-options';

export { BOOLEAN_FLAGS, normalizeBooleans } from './program-options';

const VERSION = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** The `abd` program: every command with its flags; actions call the command modules. */
export function buildProgram(): Command {
  const program = new Command('abd')
    .description('knowledge distillation by activation boundaries')
    .version(VERSION, '-V, --version', 'print the version of abd')
    .showSuggestionAfterError(true);
  const sub = (name: string, desc: string) => program.command(name).description(desc);

  sub('demo', 'none vs KD vs AB+KD on Fashion-MNIST with the committed teacher (in-process)')
    .addOption(STORE())
    .addOption(BACKEND())
    .addOption(RUN_ID())
    .addOption(FRESH())
    .addOption(YES())
    .addOption(QUIET())
    .option('--config <path>', `demo config, relative to the repository (default ${DEMO_CONFIG})`)
    .action((_o, c: Command) => demoCommand(toArgs(c, [])));

  sub('run', 'teacher → AB init → classification → evaluation → report in the store')
    .argument('<config>', 'run config (YAML)')
    .argument(
      '[overrides...]',
      'key=value config overrides (YAML values), validated like the file, e.g. train.lr=0.05',
    )
    .addOption(STORE())
    .addOption(BACKEND())
    .addOption(RUN_ID())
    .addOption(FRESH())
    .addOption(YES())
    .addOption(QUIET())
    .option('--print-config', 'print the effective config (YAML) and exit without work')
    .option(
      '--remote [address]',
      'the same run through the services (student-trainer at address, default 127.0.0.1:50053)',
    )
    .option('--token <token>', 'bearer token for --remote (env ABD_TOKEN)')
    .addHelpText('after', () => `\n${configHelpText()}`)
    .action(async (config: string, overrides: string[], _o, c: Command) => {
      const args = toArgs(c, [config, ...overrides]);
      if (args.flags.has('remote')) return remoteRunCommand(args);
      await runCommand(args);
    });

  sub('distill', 'like run, AB+KD only')
    .argument('<config>', 'run config (YAML)')
    .argument('[overrides...]', 'key=value config overrides (YAML values), validated like the file')
    .addOption(STORE())
    .addOption(BACKEND())
    .addOption(RUN_ID())
    .addOption(FRESH())
    .addOption(YES())
    .addOption(QUIET())
    .option('--print-config', 'print the effective config (YAML) and exit without work')
    .action(async (config: string, overrides: string[], _o, c: Command) => {
      await runCommand(
        toArgs(c, [config, ...overrides]),
        (cfg) => ({ ...cfg, methods: ['ab+kd'] }),
        'distill',
      );
    });

  const config = sub('config', 'the run config: its keys with types and defaults, its JSON Schema');
  config
    .command('keys')
    .description('every config key with its type and default, and the recipe presets')
    .action(() => configKeysCommand());
  config
    .command('schema')
    .description('the JSON Schema of a run config (configs/run-config.schema.json)')
    .action(() => configSchemaCommand());

  sub('train', "train the config's teacher with CE")
    .argument('<config>', 'run config (YAML)')
    .addOption(STORE())
    .addOption(BACKEND())
    .addOption(RUN_ID())
    .addOption(QUIET())
    .option('--out <dir>', 'export the trained teacher to this directory')
    .action((config: string, _o, c: Command) => trainCommand(toArgs(c, [config])));

  sub('eval', 'test error, loss and confusion matrix of a checkpoint')
    .argument('<checkpoint>', 'checkpoint directory or models/<id> in the store')
    .addOption(STORE())
    .addOption(BACKEND())
    .option('--dataset <name>', "dataset to evaluate on (default: the checkpoint's)")
    .option('--json', 'print the result as JSON')
    .action((ck: string, _o, c: Command) => evalCommand(toArgs(c, [ck])));

  sub('export', "a run's student as a model stock libraries load (tfjs, onnxruntime)")
    .argument('<student>', '<run-id>/<method> in the store, or a checkpoint directory')
    .addOption(STORE())
    .addOption(BACKEND())
    .requiredOption('--format <format>', 'tfjs-layers | tfjs-graph | onnx')
    .requiredOption('--out <dir>', 'directory to write the model to')
    .action((ref: string, _o, c: Command) => exportCommand(toArgs(c, [ref])));
  sub(
    'inspect-model',
    "a tfjs model.json or .onnx teacher's layers / nodes with their shapes, to pick taps from",
  )
    .argument('<path>', 'model.json (or its directory) or an .onnx file')
    .option('--input <shape>', 'probe input N,H,W,C when the model does not fix it')
    .option('--layout <layout>', "nchw | nhwc: the ONNX model's image layout (default nchw)")
    .option('--json', 'print the candidates as JSON')
    .action((path: string, _o, c: Command) => inspectModelCommand(toArgs(c, [path])));
  sub('repro', "the paper's experiments (resumes; tables + plots in docs/results)")
    .argument('<experiment>', 'fast-training | little-data | network-sizes')
    .option('--dataset <name>', 'fashion-mnist | cifar10 | … (default fashion-mnist)')
    .option('--scale <scale>', 'smoke | mini | small | full (default small)')
    .option('--seeds <n>', 'seeds per cell (default: the scale)')
    .option('--config <path>', 'base config (default configs/repro/<experiment>.yaml)')
    .option('--data-dir <dir>', 'dataset directory')
    .option('--out <dir>', 'where tables and plots go (default docs/results)')
    .addOption(STORE())
    .addOption(BACKEND())
    .addOption(FRESH())
    .addOption(YES())
    .addOption(QUIET())
    .action((exp: string, _o, c: Command) => reproCommand(toArgs(c, [exp])));

  sub('bench', 'training / AB stage / inference throughput and peak RSS')
    .argument('[part]', "'distill-ratio': distill/student-only throughput of the KD and AB stages")
    .addOption(BACKEND())
    .option('--batch <n>', 'batch size (default 128)')
    .option('--iters <n>', 'iterations (default 3)')
    .option('--only <part>', 'only this part of the benchmark')
    .option('--compare <impl>', "compare with 'torch'")
    .option('--remote', 'benchmark the gRPC services instead')
    .option('--batches <n>', 'batches for --remote (default 8) and distill-ratio (default 12)')
    .option('--teachers <n>', 'teacher replicas for --remote (default 1)')
    .option('--services', 'distill-ratio through teacher-inference + boundary-extractor processes')
    .option('--teacher-cpus <list>', 'distill-ratio --services: taskset CPU list of the services')
    .option('--teacher <arch>', 'distill-ratio teacher (default wrn-16-2, the demo teacher)')
    .option('--student <arch>', 'distill-ratio student (default wrn-10-1, the demo student)')
    .option('--window <n>', 'distill-ratio: batches the overlapped teacher runs ahead (default 2)')
    .option('--teacher-threads <n>', 'distill-ratio: native threads of the overlapped teacher')
    .action((part: string | undefined, _o, c: Command) =>
      benchCommand(toArgs(c, part ? [part] : [])),
    );

  sub(
    'bench-teacher',
    'teacher-inference under 1/8/32 concurrent clients: batching off vs on, img/s, p50/p99, RSS',
  )
    .option('--seconds <s>', 'measured seconds per point (default 6)')
    .option('--warmup <s>', 'warm-up seconds per point (default 4)')
    .option('--clients <list>', 'concurrent clients (default 1,8,32)')
    .option('--images <n>', 'images per Infer call (default 8)')
    .option('--delays <list>', 'max queue delays in µs (default 1000,5000)')
    .option('--big <n>', 'images of the large request for the memory figure (default 1024)')
    .action((_o, c: Command) => benchTeacherCommand(toArgs(c, [])));
  sub('doctor', 'backend, kernels, threads, versions, dataset location')
    .addOption(STORE())
    .addOption(BACKEND())
    .action((_o, c: Command) => doctorCommand(toArgs(c, [])));

  sub('up', 'start the four gRPC services locally')
    .addOption(STORE())
    .option('--host <host>', 'listen address (default 127.0.0.1)')
    .option('--teachers <n>', 'teacher-inference replicas (default 2)')
    .option('--port-base <port>', 'first port')
    .action((_o, c: Command) => upCommand(toArgs(c, [])));

  sub('call', 'any RPC from JSON (like grpcurl)')
    .argument('<address>', 'host:port')
    .argument('<method>', 'Service/Method')
    .argument('[json]', 'request as JSON (default {})')
    .option('--token <token>', 'bearer token (env ABD_TOKEN)')
    .option('--deadline <seconds>', 'deadline of the call')
    .action((address: string, method: string, json: string | undefined, _o, c: Command) =>
      callCommand(toArgs(c, [address, method, json as string])),
    );

  sub('ui', 'read-only web view of the store: runs, curves, results, boundaries')
    .addOption(STORE())
    .addOption(BACKEND())
    .option('--port <port>', 'port (default 8080)')
    .option('--host <host>', 'listen address (default 127.0.0.1)')
    .action((_o, c: Command) => uiCommand(toArgs(c, [])));

  return program;
}
