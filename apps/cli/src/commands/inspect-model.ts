import { resolve } from 'node:path';
import { tapCandidates } from '@abd/models';
import { checkFlags, ParsedArgs, str, UsageError } from '../args';

const USAGE = `usage: abd inspect-model <model.json | model dir | model.onnx> [--input N,H,W,C] [--layout nchw|nhwc] [--json]`;

/**
 * `abd inspect-model`: the layers (tfjs LayersModel), graph nodes (tfjs GraphModel) or values (ONNX)
 * of a user's teacher with their shapes for one probe batch, so the taps can be picked from them.
 */
export async function inspectModelCommand(args: ParsedArgs): Promise<void> {
  checkFlags(args, ['input', 'layout', 'json'], 'inspect-model');
  const path = args.positionals[0];
  if (!path || args.positionals.length > 1) throw new UsageError(USAGE);
  const inputFlag = str(args, 'input');
  const input = inputFlag?.split(',').map((d) => Number(d));
  if (input && (input.length === 0 || input.some((d) => !Number.isInteger(d) || d <= 0)))
    throw new UsageError(`--input must be positive integers N,H,W,C; got '${inputFlag}'`);
  const layout = str(args, 'layout') ?? 'nchw';
  if (layout !== 'nchw' && layout !== 'nhwc')
    throw new UsageError(
      `--layout must be nchw or nhwc (an ONNX model's own layout); got '${layout}'`,
    );
  const r = await tapCandidates(resolve(path), input, layout);
  if (args.flags.has('json')) {
    console.log(JSON.stringify(r, null, 2));
    return;
  }
  const what =
    r.format === 'tfjs-layers'
      ? 'layers'
      : r.format === 'tfjs-graph'
        ? 'graph nodes'
        : 'graph values';
  console.log(
    `${path}: ${r.format}, probed with input [${r.input.join(', ')}] (NHWC); ${r.candidates.length} ${what} (4-D shapes NHWC, as the teacher's taps are read):`,
  );
  const w = Math.max(4, ...r.candidates.map((c) => c.name.length));
  const o = Math.max(2, ...r.candidates.map((c) => c.op.length));
  console.log(`  ${'name'.padEnd(w)}  ${'op'.padEnd(o)}  shape`);
  for (const c of r.candidates)
    console.log(`  ${c.name.padEnd(w)}  ${c.op.padEnd(o)}  [${c.shape.join(', ')}]`);
  console.log(
    'AB taps are pre-activation values: the outputs of the layers/nodes that feed a ReLU.',
  );
}
