/** What `stat` and `list` report about one stored object. */
export interface ObjectInfo {
  key: string;
  size: number;
  modified: Date;
}

/**
 * A flat namespace of immutable-on-write objects addressed by '/'-separated keys
 * (see validateKey). Every write is atomic: a reader sees the old object or the new one,
 * never a partial one, and a failed write leaves the old state.
 */
export interface ArtifactStore {
  /** Where the store lives: 'file:///abs/dir' or 's3://bucket/prefix'. */
  readonly url: string;
  put(key: string, data: Uint8Array | string): Promise<void>;
  /** Writes a stream; if `size` is given the stream must deliver exactly that many bytes. */
  putStream(key: string, body: NodeJS.ReadableStream, size?: number): Promise<void>;
  /** Throws NotFoundError when the key is missing. */
  get(key: string): Promise<Uint8Array>;
  getText(key: string): Promise<string>;
  getJson<T>(key: string): Promise<T>;
  putJson(key: string, value: unknown): Promise<void>;
  /** Throws NotFoundError (before returning a stream) when the key is missing. */
  getStream(key: string): Promise<NodeJS.ReadableStream>;
  stat(key: string): Promise<ObjectInfo | null>;
  exists(key: string): Promise<boolean>;
  /** Every object whose key starts with `prefix` ('' = all), recursively, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Removes the object; a missing key is not an error. */
  delete(key: string): Promise<void>;
}
