import { EXPORT_INPUT, ExportGraph, GraphBuilder } from './export-graph';
import { ResNet } from './resnet';
import { resnetName } from './resnet-config';

/** The CIFAR ResNet of `ResNet.forward` as an export graph (its variables' names). */
export function resnetGraph(model: ResNet): ExportGraph {
  const b = new GraphBuilder(model.params, model.stats);
  const taps: string[] = [];
  let h = b.relu('relu1', b.bn('bn1', b.conv('conv1', EXPORT_INPUT, 1, 1)));
  for (const stage of model.blocks) {
    for (const blk of stage) {
      const p = blk.prefix;
      const a = b.relu(`${p}.relu1`, b.bn(`${p}.bn1`, b.conv(`${p}.conv1`, h, blk.stride, 1)));
      const y = b.bn(`${p}.bn2`, b.conv(`${p}.conv2`, a, 1, 1));
      const skip = blk.down ? b.bn(`${p}.downbn`, b.conv(`${p}.down`, h, blk.stride, 0)) : h;
      const pre = b.add(`${p}.add`, y, skip);
      if (blk === stage[stage.length - 1]) taps.push(pre);
      h = b.relu(`${p}.relu`, pre);
    }
  }
  const out = b.dense('fc', b.gap('pool', h));
  return {
    name: resnetName(model.config),
    inChannels: model.config.inChannels,
    numClasses: model.config.numClasses,
    input: EXPORT_INPUT,
    nodes: b.nodes,
    output: out,
    taps,
  };
}
