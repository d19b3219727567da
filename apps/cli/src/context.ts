import { resolve } from 'node:path';
import { ArtifactStore, openStore, storeFromEnv } from '@abd/artifacts';
import { BackendInfo, BackendName, initBackend } from '@abd/tensor';
import { ParsedArgs, str } from './args';

/** Repository root (apps/cli/src → ../../..). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export const DEFAULT_STORE = resolve(process.cwd(), '.abd', 'store');

export function storeOf(args: ParsedArgs): ArtifactStore {
  const url = str(args, 'store');
  return url ? openStore(url) : storeFromEnv(DEFAULT_STORE);
}

export async function backendOf(args: ParsedArgs): Promise<BackendInfo> {
  return initBackend({ backend: (str(args, 'backend') as BackendName | undefined) ?? undefined });
}
