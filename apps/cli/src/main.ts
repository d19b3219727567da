import { Command, CommanderError } from 'commander';
import { buildProgram, normalizeBooleans } from './program';

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  // Errors are printed below, once, naming the command that was called.
  program.exitOverride();
  program.configureOutput({ outputError: () => undefined });
  const quiet = (c: Command): void => {
    c.exitOverride().configureOutput({ outputError: () => undefined });
    c.commands.forEach(quiet);
  };
  program.commands.forEach(quiet);
  if (argv.length === 0) {
    program.outputHelp();
    return;
  }
  await program.parseAsync(normalizeBooleans(argv), { from: 'user' });
}

// A reader that stops early (`abd run --help | head`) closes the pipe: that ends the output, not
// the command with a stack trace.
for (const out of [process.stdout, process.stderr]) {
  out.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const argv = process.argv.slice(2);
main(argv).then(
  () => process.exit(process.exitCode ?? 0),
  (e: Error) => {
    if (e instanceof CommanderError) {
      // help and --version end through here with exit code 0.
      if (e.exitCode === 0) process.exit(0);
      const cmd = buildProgram().commands.find((c) => c.name() === argv[0]);
      console.error(
        `abd${cmd ? ` ${cmd.name()}` : ''}: ${e.message.replace(/^error: /, '')}\n(see \`abd help${cmd ? ` ${cmd.name()}` : ''}\`)`,
      );
      process.exit(2);
    }
    // Typed errors carry a message meant for the user; anything else gets its stack.
    const known = [
      'UsageError',
      'ConfigError',
      'DataError',
      'CheckpointError',
      'ModelConfigError',
      'StoreError',
      'NotFoundError',
      'InvalidKeyError',
      'BackendUnavailableError',
      'TrainerGoneError',
      'ServiceStatusError',
      'TeacherFormatError',
    ];
    // Messages that already name the command (`abd run: …`) are not prefixed twice.
    if (known.includes(e.name))
      console.error(/^abd[ :]/.test(e.message) ? e.message : `abd: ${e.message}`);
    else console.error(e.stack ?? String(e));
    process.exit(e.name === 'UsageError' ? 2 : 1);
  },
);
