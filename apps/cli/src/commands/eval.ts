import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { openStore } from '@abd/artifacts';
import { channelStats, DatasetName, loadDataset } from '@abd/data';
import { getCheckpoint, evaluate } from '@abd/train';
import { checkFlags, ParsedArgs, str, UsageError } from '../args';
import { backendOf, storeOf } from '../context';

/** `abd eval <checkpoint>`: test error %, loss and confusion matrix of a saved model. */
export async function evalCommand(args: ParsedArgs): Promise<void> {
  checkFlags(args, ['store', 'backend', 'dataset', 'json'], 'eval');
  const ref = args.positionals[0];
  if (!ref) throw new UsageError('usage: abd eval <checkpoint dir or store key> [--dataset fashion-mnist] [--json]');
  await backendOf(args);
  const onDisk = resolve(ref);
  const loaded = existsSync(join(onDisk, 'model.json'))
    ? await getCheckpoint(openStore(dirname(onDisk)), basename(onDisk))
    : await getCheckpoint(storeOf(args), ref);
  const meta = loaded.json.metadata as { dataset?: string };
  const name = (str(args, 'dataset') ?? meta.dataset ?? 'fashion-mnist') as DatasetName;
  const [train, test] = await Promise.all([loadDataset(name, 'train'), loadDataset(name, 'test')]);
  const ev = evaluate(loaded.model, test, channelStats(train));
  loaded.model.dispose();
  if (args.flags.has('json')) {
    console.log(JSON.stringify({ checkpoint: ref, dataset: name, ...ev }, null, 2));
    return;
  }
  console.log(`${ref} on ${name} test: error ${ev.errorPct.toFixed(2)} % (${ev.correct}/${ev.total} correct), loss ${ev.loss.toFixed(4)}`);
  console.log('confusion (rows: true class, columns: predicted):');
  for (const row of ev.confusion) console.log(row.map((v) => String(v).padStart(5)).join(''));
}
