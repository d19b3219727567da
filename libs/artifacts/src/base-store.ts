import type { ArtifactStore, ObjectInfo } from './artifact-store';
import { StoreError } from './errors';
import { validateKey } from './validate-key';

/** Encodes what `put` accepts as bytes (strings as UTF-8) without copying a Buffer's memory. */
export function toBytes(data: Uint8Array | string): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** The derived operations every store shares; subclasses implement the primitive ones. */
export abstract class BaseStore implements ArtifactStore {
  abstract readonly url: string;
  abstract put(key: string, data: Uint8Array | string): Promise<void>;
  abstract putStream(key: string, body: NodeJS.ReadableStream, size?: number): Promise<void>;
  abstract get(key: string): Promise<Uint8Array>;
  abstract getStream(key: string): Promise<NodeJS.ReadableStream>;
  abstract stat(key: string): Promise<ObjectInfo | null>;
  abstract list(prefix: string): Promise<ObjectInfo[]>;
  abstract delete(key: string): Promise<void>;

  async getText(key: string): Promise<string> {
    const bytes = await this.get(key);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }

  async getJson<T>(key: string): Promise<T> {
    const text = await this.getText(key);
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new StoreError(`artifact '${key}' in ${this.url} is not valid JSON`, key, {
        cause: err,
      });
    }
  }

  async putJson(key: string, value: unknown): Promise<void> {
    validateKey(key);
    const text = JSON.stringify(value, null, 2);
    if (text === undefined) {
      throw new StoreError(`cannot store ${typeof value} as JSON at '${key}'`, key);
    }
    await this.put(key, text + '\n');
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }
}
