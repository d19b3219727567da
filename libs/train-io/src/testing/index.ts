// `@abd/train-io/testing`: the services as real processes, for the e2e tests of the apps.
export { startServiceStack, startServiceProcess } from './service-stack';
export type { ServiceStack, ServiceStackOptions, ServiceProcess } from './service-stack';
export { quantile, startHealthProber, type ProbeResult } from './health-prober';
