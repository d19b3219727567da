import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkFlags, num, ParsedArgs, str, UsageError } from '../args';
import { backendOf, REPO_ROOT, storeOf } from '../context';
import { startUi } from '../ui/server';

/** `abd ui [--store URL] [--port N] [--host H]`: the read-only web view of a store. */
export async function uiCommand(args: ParsedArgs): Promise<void> {
  checkFlags(args, ['store', 'backend', 'port', 'host'], 'ui');
  const port = num(args, 'port') ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be an integer in 0…65535, got ${port}`);
  // The boundary view runs teacher and student in-process.
  await backendOf(args);
  const store = storeOf(args);
  // A local store makes its directory on first use; a viewer must not, so a typo fails here.
  if (store.url.startsWith('file:') && !existsSync(fileURLToPath(store.url)))
    throw new UsageError(
      `no store at ${fileURLToPath(store.url)} (--store DIR, or run something first)`,
    );
  const ui = await startUi({
    store,
    repoRoot: REPO_ROOT,
    host: str(args, 'host') ?? '127.0.0.1',
    port,
    log: (l) => console.error(l),
  });
  console.log(`abd ui: ${ui.url}  (store ${store.url}; read-only; Ctrl-C stops)`);
  await new Promise<void>((resolve) => {
    const stop = () => void ui.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
