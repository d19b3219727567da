import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { openStore } from '@abd/artifacts';
import { channelStats, DatasetName, loadDataset } from '@abd/data';
import { checkpointRef, getCheckpoint, evaluate } from '@abd/train';
import { checkFlags, ParsedArgs, str, UsageError } from '../args';
import { backendOf, storeOf } from '../context';

/** `abd eval <checkpoint>`: test error %, loss and confusion matrix of a saved model. */
export async function evalCommand(args: ParsedArgs): Promise<void> {
  checkFlags(args, ['store', 'backend', 'dataset', 'json'], 'eval');
  const ref = args.positionals[0];
  if (!ref)
    throw new UsageError(
      'usage: abd eval <checkpoint dir or store key> [--dataset fashion-mnist] [--json]',
    );
  const where = checkpointRef(ref.replace(/\/model\.json$/, ''));
  const onDisk = where.kind === 'disk' && existsSync(join(where.dir, 'model.json'));
  // An absolute path, a builtin: teacher or a directory that exists is a checkpoint on disk, never a store key.
  if (
    !onDisk &&
    where.kind === 'disk' &&
    (isAbsolute(ref) || ref.startsWith('builtin:') || existsSync(where.dir))
  ) {
    throw new UsageError(`abd eval: file not found: ${join(where.dir, 'model.json')}`);
  }
  await backendOf(args);
  const loaded =
    onDisk && where.kind === 'disk'
      ? await getCheckpoint(openStore(dirname(where.dir)), basename(where.dir))
      : await getCheckpoint(storeOf(args), where.kind === 'store' ? where.key : ref);
  const meta = loaded.json.metadata as { dataset?: string };
  const name = (str(args, 'dataset') ?? meta.dataset ?? 'fashion-mnist') as DatasetName;
  const [train, test] = await Promise.all([loadDataset(name, 'train'), loadDataset(name, 'test')]);
  const ev = evaluate(loaded.model, test, channelStats(train));
  loaded.model.dispose();
  if (args.flags.has('json')) {
    console.log(JSON.stringify({ checkpoint: ref, dataset: name, ...ev }, null, 2));
    return;
  }
  console.log(
    `${ref} on ${name} test: error ${ev.errorPct.toFixed(2)} % (${ev.correct}/${ev.total} correct), loss ${ev.loss.toFixed(4)}`,
  );
  console.log('confusion (rows: true class, columns: predicted):');
  for (const row of ev.confusion) console.log(row.map((v) => String(v).padStart(5)).join(''));
}
