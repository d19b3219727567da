import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkpointRef } from '@abd/train';
import { ParsedArgs, checkFlags } from '../args';
import { REPO_ROOT } from '../context';
import { readConfig, RUN_FLAGS, runConfig } from './run';

export const DEMO_CONFIG = 'configs/fashion-mnist/wrn-10-1-from-wrn-16-2-ab-demo.yaml';

/** `abd demo`: the embedded default — Fashion-MNIST, committed teacher, none vs KD vs AB+KD. */
export async function demoCommand(args: ParsedArgs): Promise<void> {
  checkFlags(args, [...RUN_FLAGS, 'config'], 'demo');
  const path = join(REPO_ROOT, (args.flags.get('config') as string | undefined) ?? DEMO_CONFIG);
  const { cfg, baseDir } = readConfig(path);
  const ref = cfg.teacher.checkpoint ? checkpointRef(cfg.teacher.checkpoint, baseDir) : undefined;
  if (ref?.kind === 'disk' && !existsSync(join(ref.dir, 'model.json'))) {
    console.log(
      `abd demo: the teacher checkpoint ${cfg.teacher.checkpoint} is missing; rebuild it with:\n  abd train configs/fashion-mnist/wrn-16-2-teacher.yaml --out ${ref.dir}`,
    );
    process.exitCode = 1;
    return;
  }
  await runConfig(cfg, args, baseDir, 'demo', process.argv.slice(2));
}
