export { RemoteBatchSource, remoteSourceFactory } from './remote-batch-source';
export type { RemoteSourceOptions } from './remote-batch-source';
export { configJobSpec, firstHole, jobSpecsOf } from './run-job-spec';
export { JobEventDecoder } from './job-events';
export { subsetFromWire, subsetToWire } from './subset-wire';
export { floatTensor, floatsOf } from './float-tensor';
