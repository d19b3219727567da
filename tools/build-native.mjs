// Builds the optional native kernels (libs/tensor/native) when their build inputs are present.
// Never fails the install: without the addon the wasm backend's own kernels are used.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'libs', 'tensor', 'native');
if (!existsSync(join(dir, 'binding.gyp'))) process.exit(0);
if (process.env.ABD_SKIP_NATIVE === '1') {
  console.log('abd: ABD_SKIP_NATIVE=1, native kernels not built');
  process.exit(0);
}
const gyp = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
if (!existsSync(gyp)) {
  console.log('abd: node-gyp not installed, native kernels not built');
  process.exit(0);
}
// Offline builds: point node-gyp at the installed Node headers when npm has not already.
const prefix = dirname(dirname(process.execPath));
const nodedir =
  process.env.npm_config_nodedir ||
  (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
const r = spawnSync(
  process.execPath,
  [gyp, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])],
  {
    cwd: dir,
    stdio: 'inherit',
  },
);
if (r.status !== 0) {
  console.log(
    'abd: native kernels failed to build; the wasm kernels will be used (see `abd doctor`)',
  );
}
process.exit(0);
