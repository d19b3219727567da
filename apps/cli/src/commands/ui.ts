import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { authTokenFromEnv, DEFAULT_UI_PORT, ENV } from '@abd/grpc-kit';
import { startUiServer } from '@abd/ui';
import { checkFlags, num, ParsedArgs, str, UsageError } from '../args';
import { backendOf, REPO_ROOT, storeOf } from '../context';

/**
 * `abd ui [--store URL] [--port N] [--host H]`: the read-only web view of a store. With
 * $ABD_AUTH_TOKEN(_FILE) set (as for the services), every request needs that token.
 */
export async function uiCommand(args: ParsedArgs): Promise<void> {
  checkFlags(args, ['store', 'backend', 'port', 'host'], 'ui');
  const port = num(args, 'port') ?? DEFAULT_UI_PORT;
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
  const token = authTokenFromEnv();
  const ui = await startUiServer({
    store,
    repoRoot: REPO_ROOT,
    token,
    host: str(args, 'host') ?? '127.0.0.1',
    port,
    log: (l) => console.error(l),
  });
  console.log(`abd ui: ${ui.url}  (store ${store.url}; read-only; Ctrl-C stops)`);
  // The token itself is never printed.
  if (token) console.log(`token required (${ENV.AUTH_TOKEN}): open ${ui.url}/?token=<token> once`);
  await new Promise<void>((resolve) => {
    const stop = () => void ui.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
