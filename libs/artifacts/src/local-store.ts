import { randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ObjectInfo } from './artifact-store';
import { BaseStore, toBytes } from './base-store';
import { NotFoundError, StoreError } from './errors';
import { destroyStream } from './streams';
import { TEMP_PREFIX, validateKey, validatePrefix } from './validate-key';

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Missing file, or a path through/at something that is not a regular file. */
function isMissing(err: unknown): boolean {
  const code = errno(err);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

/**
 * A store in a local directory: key 'a/b/c' is the file <root>/a/b/c. Writes go to
 * '<dir>/.tmp-<random>', are fsynced, then renamed over the key (atomic on POSIX); temp files
 * are removed on failure and never listed. Keys are validated, and the real path of every
 * file touched must lie inside the root's real path, so symlinks cannot lead out of it.
 */
export class LocalStore extends BaseStore {
  readonly url: string;
  readonly root: string;
  private realRoot: Promise<string> | undefined;

  constructor(root: string) {
    super();
    this.root = resolve(root);
    this.url = pathToFileURL(this.root).href;
  }

  private async rootReal(): Promise<string> {
    if (!this.realRoot) {
      this.realRoot = fsp
        .mkdir(this.root, { recursive: true })
        .then(() => fsp.realpath(this.root))
        .catch((err: unknown) => {
          this.realRoot = undefined;
          throw new StoreError(`cannot open store root ${this.root}: ${String(err)}`, undefined, {
            cause: err,
          });
        });
    }
    return this.realRoot;
  }

  /** Throws unless `real` (a realpath) lies inside the root. */
  private async assertInside(key: string, real: string): Promise<void> {
    const root = await this.rootReal();
    if (real !== root && !real.startsWith(root + sep)) {
      throw new StoreError(`artifact '${key}' resolves outside the store root`, key);
    }
  }

  /** The file path of a key, after checking the key and the real path of its existing part. */
  private async pathOf(key: string): Promise<string> {
    validateKey(key);
    const root = await this.rootReal();
    const path = join(root, ...key.split('/'));
    // Realpath the deepest existing ancestor: a symlinked directory must not lead outside.
    let probe = path;
    for (let i = 0; i <= key.length; i++) {
      try {
        await this.assertInside(key, await fsp.realpath(probe));
        return path;
      } catch (err) {
        if (err instanceof StoreError) throw err;
        if (!isMissing(err) || probe === root) break;
        probe = dirname(probe);
      }
    }
    return path;
  }

  async put(key: string, data: Uint8Array | string): Promise<void> {
    const bytes = toBytes(data);
    await this.writeAtomic(key, async (fh) => {
      await fh.writeFile(bytes);
    });
  }

  async putStream(key: string, body: NodeJS.ReadableStream, size?: number): Promise<void> {
    try {
      await this.writeAtomic(key, async (fh) => {
        let written = 0;
        for await (const chunk of body as AsyncIterable<Buffer | string>) {
          const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          await fh.write(buf, 0, buf.length, written);
          written += buf.length;
          if (size !== undefined && written > size) break;
        }
        if (size !== undefined && written !== size) {
          throw new StoreError(`stream for '${key}' gave ${written} bytes, expected ${size}`, key);
        }
      });
    } catch (err) {
      destroyStream(body);
      throw err;
    }
  }

  private async writeAtomic(key: string, write: (fh: FileHandle) => Promise<void>): Promise<void> {
    const path = await this.pathOf(key);
    const dir = dirname(path);
    const tmp = join(dir, TEMP_PREFIX + randomBytes(8).toString('hex'));
    let fh: FileHandle | undefined;
    try {
      await fsp.mkdir(dir, { recursive: true });
      await this.assertInside(key, await fsp.realpath(dir));
      fh = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      await write(fh);
      await fh.sync();
      await fh.close();
      fh = undefined;
      await fsp.rename(tmp, path);
    } catch (err) {
      await fh?.close().catch(() => undefined);
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      if (err instanceof StoreError) throw err;
      throw new StoreError(`cannot write artifact '${key}' in ${this.url}: ${String(err)}`, key, {
        cause: err,
      });
    }
    await syncDir(dir);
  }

  async get(key: string): Promise<Uint8Array> {
    const fh = await this.openForRead(key);
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  async getStream(key: string): Promise<NodeJS.ReadableStream> {
    const fh = await this.openForRead(key);
    return fh.createReadStream();
  }

  private async openForRead(key: string): Promise<FileHandle> {
    const path = await this.pathOf(key);
    let fh: FileHandle;
    try {
      fh = await fsp.open(path, 'r');
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(key, this.url);
      throw new StoreError(`cannot read artifact '${key}' in ${this.url}: ${String(err)}`, key, {
        cause: err,
      });
    }
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      throw new NotFoundError(key, this.url);
    }
    return fh;
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    const path = await this.pathOf(key);
    try {
      const st = await fsp.stat(path);
      return st.isFile() ? { key, size: st.size, modified: st.mtime } : null;
    } catch (err) {
      if (isMissing(err)) return null;
      throw new StoreError(`cannot stat artifact '${key}' in ${this.url}: ${String(err)}`, key, {
        cause: err,
      });
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    validatePrefix(prefix);
    const root = await this.rootReal();
    // Walk only the deepest directory the prefix names in full, then filter by the prefix.
    const cut = prefix.lastIndexOf('/');
    const base = cut < 0 ? '' : prefix.slice(0, cut);
    const out: ObjectInfo[] = [];
    await this.walk(root, base === '' ? root : join(root, ...base.split('/')), prefix, out);
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  private async walk(root: string, dir: string, prefix: string, out: ObjectInfo[]): Promise<void> {
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw new StoreError(`cannot list ${dir}: ${String(err)}`, prefix, { cause: err });
    }
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_PREFIX)) continue;
      const path = join(dir, entry.name);
      const key = relative(root, path).split(sep).join('/');
      // Symlinks are not followed: a listing never reports anything outside the root.
      if (entry.isDirectory()) {
        if (key.startsWith(prefix) || prefix.startsWith(key + '/'))
          await this.walk(root, path, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        try {
          const st = await fsp.stat(path);
          out.push({ key, size: st.size, modified: st.mtime });
        } catch (err) {
          if (!isMissing(err)) throw err; // deleted while listing: skip it
        }
      }
    }
  }

  async delete(key: string): Promise<void> {
    const path = await this.pathOf(key);
    try {
      await fsp.unlink(path);
    } catch (err) {
      // A missing key, or a "directory" (a prefix of other keys, not an object): nothing to do.
      if (isMissing(err) || errno(err) === 'EPERM') return;
      throw new StoreError(`cannot delete artifact '${key}' in ${this.url}: ${String(err)}`, key, {
        cause: err,
      });
    }
  }
}

/** Makes a rename durable; some filesystems refuse to fsync a directory, which is harmless. */
async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    // best effort
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
