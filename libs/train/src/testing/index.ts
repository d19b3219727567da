// `@abd/train/testing`: fixtures for the tests of other projects (a tiny dataset on disk, a
// tiny run config, a store holding a random teacher).
export {
  bandDatasetForTests,
  bandSource,
  bandSourceOptions,
  tempDir,
  writeBandDataset,
  tinyConfig,
} from './fixture';
export { serviceFixture, bidiAll } from './service-fixture';
export type { ServiceFixture } from './service-fixture';
