import { StoreError } from './errors';

/** How to reach an S3 server; every field defaults from the environment (see s3OptionsFromEnv). */
export interface S3StoreOptions {
  /** 'http://host:port' or 'https://host'; default ABD_S3_ENDPOINT, AWS_ENDPOINT_URL, else AWS. */
  endpoint?: string;
  accessKey?: string;
  secretKey?: string;
  /** Default ABD_S3_REGION, AWS_REGION, else 'us-east-1'. */
  region?: string;
  /** Bytes per multipart part (≥ 5 MiB); streams longer than one part use multipart upload. */
  partSize?: number;
}

/** The minio client's connection settings, resolved from options then env. */
export interface ResolvedS3Options {
  endPoint: string;
  port: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  region: string;
  partSize: number;
}

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;

/** Fills unset options from ABD_S3_* env, falling back to the AWS_* names. */
export function resolveS3Options(
  options: S3StoreOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedS3Options {
  const endpoint =
    options.endpoint ?? env.ABD_S3_ENDPOINT ?? env.AWS_ENDPOINT_URL ?? 'https://s3.amazonaws.com';
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (err) {
    throw new StoreError(`S3 endpoint is not a URL: ${JSON.stringify(endpoint)}`, undefined, {
      cause: err,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StoreError(
      `S3 endpoint must be http:// or https://, got ${JSON.stringify(endpoint)}`,
    );
  }
  const useSSL = url.protocol === 'https:';
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  if (!Number.isInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw new StoreError(`S3 part size must be an integer ≥ ${MIN_PART_SIZE}, got ${partSize}`);
  }
  return {
    endPoint: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: options.accessKey ?? env.ABD_S3_ACCESS_KEY ?? env.AWS_ACCESS_KEY_ID ?? '',
    secretKey: options.secretKey ?? env.ABD_S3_SECRET_KEY ?? env.AWS_SECRET_ACCESS_KEY ?? '',
    region: options.region ?? env.ABD_S3_REGION ?? env.AWS_REGION ?? 'us-east-1',
    partSize,
  };
}
