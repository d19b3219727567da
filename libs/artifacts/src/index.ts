export type { ArtifactStore, ObjectInfo } from './artifact-store';
export { StoreError, NotFoundError, InvalidKeyError } from './errors';
export { validateKey, validatePrefix, MAX_KEY_LENGTH } from './validate-key';
export type { S3StoreOptions } from './s3-options';
export { LocalStore } from './local-store';
export { S3Store, parseS3Url } from './s3-store';
export { openStore, storeFromEnv, type OpenStoreOptions } from './open-store';
