import { locateFashionMnist } from '@abd/data';
import { backendReport } from '@abd/tensor';
import { checkFlags, ParsedArgs } from '../args';
import { backendOf, storeOf } from '../context';

/** `abd doctor`: backend, kernels, threads, versions, dataset location, store. */
export async function doctorCommand(args: ParsedArgs): Promise<void> {
  checkFlags(args, ['store', 'backend'], 'doctor');
  const info = await backendOf(args);
  console.log(backendReport(info));
  console.log(`node: ${process.version} (${process.platform}/${process.arch})`);
  try {
    const loc = await locateFashionMnist({ download: false });
    console.log(`fashion-mnist: ${loc.dir} (${loc.source})`);
  } catch (e) {
    console.log(`fashion-mnist: not found — ${(e as Error).message}`);
  }
  console.log(`store: ${storeOf(args).url}`);
}
