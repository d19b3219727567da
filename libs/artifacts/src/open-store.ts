import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArtifactStore } from './artifact-store';
import { StoreError } from './errors';
import { LocalStore } from './local-store';
import type { S3StoreOptions } from './s3-options';
import { S3Store } from './s3-store';

export interface OpenStoreOptions {
  /** Overrides of the ABD_S3_* / AWS_* environment for s3:// URLs (tests use this). */
  s3?: S3StoreOptions;
}

/**
 * Opens a store from its location: 'file:///abs/dir', a plain path (relative ones resolve
 * against the working directory) or 's3://bucket/prefix'. Nothing is touched until first use.
 */
export function openStore(url: string, options: OpenStoreOptions = {}): ArtifactStore {
  if (typeof url !== 'string' || url.trim() === '')
    throw new StoreError('empty artifact store location');
  if (url.startsWith('s3://')) return new S3Store(url, options.s3);
  if (url.startsWith('file:')) {
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch (err) {
      throw new StoreError(`invalid file URL ${JSON.stringify(url)}`, undefined, { cause: err });
    }
    return new LocalStore(path);
  }
  // Anything else with a scheme (http:, gs:, C: excepted on Windows) is not supported.
  if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(url) && !isAbsolute(url)) {
    throw new StoreError(
      `unsupported artifact store URL ${JSON.stringify(url)} (use file://, s3:// or a path)`,
    );
  }
  return new LocalStore(resolve(url));
}

/** The store named by env ABD_STORE when set, else `defaultUrl`. */
export function storeFromEnv(defaultUrl: string, options: OpenStoreOptions = {}): ArtifactStore {
  const fromEnv = process.env.ABD_STORE;
  return openStore(fromEnv && fromEnv.trim() !== '' ? fromEnv : defaultUrl, options);
}
