import { createHash } from 'node:crypto';
import { Client } from 'minio';
import type { ObjectInfo } from './artifact-store';
import { BaseStore, toBytes } from './base-store';
import { NotFoundError, StoreError } from './errors';
import { type ResolvedS3Options, type S3StoreOptions, resolveS3Options } from './s3-options';
import { chunksOf, destroyStream, readAll } from './streams';
import { validateKey, validatePrefix } from './validate-key';

const MAX_PARTS = 10000;
const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);

function s3Code(err: unknown): string | undefined {
  return (err as { code?: string } | undefined)?.code;
}

/** Splits 's3://bucket/some/prefix' into bucket and prefix ('' when none). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new StoreError(`not an s3:// URL: ${JSON.stringify(url)}`);
  const bucket = m[1] as string;
  const prefix = (m[2] as string).replace(/\/+$/, '');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new StoreError(`invalid S3 bucket name ${JSON.stringify(bucket)} in ${url}`);
  }
  if (prefix !== '') validateKey(prefix);
  return { bucket, prefix };
}

/**
 * A store in an S3 bucket under a key prefix, through the `minio` client with path-style
 * addressing. A single PUT is atomic in S3; streams longer than one part go through a
 * multipart upload that we drive ourselves, so a failure aborts it and the key never shows a
 * partial object (minio's own putObject would leave the upload open for a later resume).
 */
export class S3Store extends BaseStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: Client;
  private readonly opts: ResolvedS3Options;
  private bucketReady: Promise<void> | undefined;

  constructor(url: string, options: S3StoreOptions = {}) {
    super();
    const { bucket, prefix } = parseS3Url(url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.url = `s3://${bucket}${prefix ? '/' + prefix : ''}`;
    this.opts = resolveS3Options(options);
    const { endPoint, port, useSSL, accessKey, secretKey, region } = this.opts;
    this.client = new Client({
      endPoint,
      port,
      useSSL,
      accessKey,
      secretKey,
      region,
      pathStyle: true,
    });
  }

  private objectName(key: string): string {
    validateKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  /** Creates the bucket on first use; retried on a later call if it failed. */
  private ensureBucket(): Promise<void> {
    if (!this.bucketReady) {
      this.bucketReady = (async () => {
        if (await this.client.bucketExists(this.bucket)) return;
        try {
          await this.client.makeBucket(this.bucket, this.opts.region);
        } catch (err) {
          const code = s3Code(err);
          if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
        }
      })().catch((err: unknown) => {
        this.bucketReady = undefined;
        throw this.wrap(err, undefined, `cannot open bucket '${this.bucket}'`);
      });
    }
    return this.bucketReady;
  }

  private wrap(err: unknown, key: string | undefined, what: string): StoreError {
    if (err instanceof StoreError) return err;
    const detail = err instanceof Error ? err.message : String(err);
    return new StoreError(`${what} in ${this.url}: ${detail}`, key, { cause: err });
  }

  async put(key: string, data: Uint8Array | string): Promise<void> {
    const name = this.objectName(key);
    await this.ensureBucket();
    try {
      await this.client.putObject(this.bucket, name, toBytes(data));
    } catch (err) {
      throw this.wrap(err, key, `cannot write artifact '${key}'`);
    }
  }

  async putStream(key: string, body: NodeJS.ReadableStream, size?: number): Promise<void> {
    const name = this.objectName(key);
    let uploadId: string | undefined;
    try {
      await this.ensureBucket();
      const partSize = Math.max(this.opts.partSize, Math.ceil((size ?? 0) / MAX_PARTS));
      const parts = chunksOf(body, partSize);
      const etags: { part: number; etag: string }[] = [];
      let total = 0;
      let cur = await parts.next();
      for (let part = 1; !cur.done; part++) {
        const buf = cur.value;
        total += buf.length;
        if (size !== undefined && total > size) break;
        const next = await parts.next();
        if (part === 1 && next.done) {
          checkSize(key, total, size);
          await this.client.putObject(this.bucket, name, buf);
          return;
        }
        if (part > MAX_PARTS)
          throw new StoreError(`stream for '${key}' exceeds ${MAX_PARTS} parts`, key);
        uploadId ??= await this.client.initiateNewMultipartUpload(this.bucket, name, {});
        const md5 = createHash('md5').update(buf).digest('base64');
        const res = await this.client.uploadPart(
          {
            bucketName: this.bucket,
            objectName: name,
            uploadID: uploadId,
            partNumber: part,
            headers: { 'Content-MD5': md5 },
          },
          buf,
        );
        etags.push({ part, etag: res.etag });
        cur = next;
      }
      checkSize(key, total, size);
      if (uploadId === undefined) throw new StoreError(`internal: no upload for '${key}'`, key);
      await this.client.completeMultipartUpload(this.bucket, name, uploadId, etags);
      uploadId = undefined;
    } catch (err) {
      destroyStream(body);
      if (uploadId !== undefined) {
        // Best effort: an open upload is invisible to readers; bucket lifecycle rules reap leftovers.
        await this.client.abortMultipartUpload(this.bucket, name, uploadId).catch(() => undefined);
      }
      throw this.wrap(err, key, `cannot write artifact '${key}'`);
    }
  }

  async get(key: string): Promise<Uint8Array> {
    return readAll(await this.getStream(key)).catch((err: unknown) => {
      throw this.wrap(err, key, `cannot read artifact '${key}'`);
    });
  }

  async getStream(key: string): Promise<NodeJS.ReadableStream> {
    const name = this.objectName(key);
    await this.ensureBucket();
    try {
      return await this.client.getObject(this.bucket, name);
    } catch (err) {
      if (NOT_FOUND_CODES.has(s3Code(err) ?? '')) throw new NotFoundError(key, this.url);
      throw this.wrap(err, key, `cannot read artifact '${key}'`);
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    const name = this.objectName(key);
    await this.ensureBucket();
    try {
      const st = await this.client.statObject(this.bucket, name);
      return { key, size: st.size, modified: st.lastModified };
    } catch (err) {
      if (NOT_FOUND_CODES.has(s3Code(err) ?? '')) return null;
      throw this.wrap(err, key, `cannot stat artifact '${key}'`);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    validatePrefix(prefix);
    await this.ensureBucket();
    const base = this.prefix ? this.prefix + '/' : '';
    const out: ObjectInfo[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const items = this.client.listObjectsV2(this.bucket, base + prefix, true);
        items.on('data', (item: { name?: string; size?: number; lastModified?: Date }) => {
          if (!item.name || !item.name.startsWith(base) || item.name.endsWith('/')) return;
          out.push({
            key: item.name.slice(base.length),
            size: item.size ?? 0,
            modified: item.lastModified ?? new Date(0),
          });
        });
        items.on('error', reject);
        items.on('end', () => resolve());
      });
    } catch (err) {
      throw this.wrap(err, prefix, `cannot list '${prefix}'`);
    }
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  async delete(key: string): Promise<void> {
    const name = this.objectName(key);
    await this.ensureBucket();
    try {
      await this.client.removeObject(this.bucket, name);
    } catch (err) {
      if (NOT_FOUND_CODES.has(s3Code(err) ?? '')) return;
      throw this.wrap(err, key, `cannot delete artifact '${key}'`);
    }
  }
}

function checkSize(key: string, got: number, want: number | undefined): void {
  if (want !== undefined && got !== want) {
    throw new StoreError(
      `stream for '${key}' gave ${got}${got > want ? '+' : ''} bytes, expected ${want}`,
      key,
    );
  }
}
