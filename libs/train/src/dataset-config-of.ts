import {
  completeDataset,
  DATASET_SCHEMA,
  datasetIssues,
  type DatasetConfig,
} from './dataset-config';
import { ConfigError, issuesOf } from './schema';

/**
 * A run config's `dataset` object on its own (e.g. what a service is sent), checked by the same
 * schema and cross-field rules as in a whole config; a ConfigError names each bad `dataset.*` key.
 */
export function datasetConfigOf(raw: unknown): DatasetConfig {
  const r = DATASET_SCHEMA.safeParse(raw);
  if (!r.success)
    throw new ConfigError(
      issuesOf(r.error, DATASET_SCHEMA).map((i) => ({
        path: i.path ? `dataset.${i.path}` : 'dataset',
        message: i.message,
      })),
    );
  const issues = datasetIssues(r.data);
  if (issues.length > 0) throw new ConfigError(issues);
  return completeDataset(r.data);
}
