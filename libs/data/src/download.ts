import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from './data-error';
import type { FileChecksum } from './idx-files';
import { isGzip } from './idx';

/** Generous: the largest file is 26 MB. */
const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Downloads `url` to `dest`: the bytes go to a temporary file beside it, are checked against
 * `sum` (MD5 of the bytes, or SHA-256 of their gunzipped content), and only then renamed into
 * place, so `dest` is never half-written nor unverified.
 */
export async function downloadVerified(
  url: string,
  dest: string,
  sum: FileChecksum,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<void> {
  if (!sum.md5 && !sum.contentSha256) {
    throw new DataError(
      `refusing to download ${url}: no checksum to verify ${sum.file} against`,
      dest,
    );
  }
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const md5 = createHash('md5');
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const cause = (e as Error & { cause?: Error }).cause;
      throw new DataError(
        `download of ${url} failed: ${(e as Error).message}${cause ? ` (${cause.message})` : ''}`,
        dest,
      );
    }
    if (!res.ok || !res.body) {
      throw new DataError(`download of ${url} failed: HTTP ${res.status} ${res.statusText}`, dest);
    }
    const fh = await open(tmp, 'w');
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        md5.update(chunk);
        await fh.write(chunk);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    const gotMd5 = md5.digest('hex');
    if (!(sum.md5 && gotMd5 === sum.md5)) {
      const gotSha = await contentSha256(tmp);
      if (!(sum.contentSha256 && gotSha === sum.contentSha256)) {
        throw new DataError(
          `checksum mismatch for ${url}: got MD5 ${gotMd5}, content SHA-256 ${gotSha}; expected ` +
            [
              sum.md5 && `MD5 ${sum.md5}`,
              sum.contentSha256 && `content SHA-256 ${sum.contentSha256}`,
            ]
              .filter(Boolean)
              .join(' or ') +
            `. Nothing was written to ${dest}.`,
          dest,
        );
      }
    }
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** SHA-256 of a file's content, gunzipped first if it is gzip. */
export async function contentSha256(path: string): Promise<string> {
  let bytes: Uint8Array = await readFile(path);
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      return 'not-a-valid-gzip-stream';
    }
  }
  return createHash('sha256').update(bytes).digest('hex');
}

/** Downloads every file of `files` missing from `dir` from `baseUrl`, each verified. */
export async function downloadFiles(
  baseUrl: string,
  dir: string,
  files: FileChecksum[],
): Promise<void> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  for (const f of files) {
    const dest = join(dir, f.file);
    const present = await stat(dest).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!present) await downloadVerified(new URL(f.file, base).toString(), dest, f);
  }
}
