export { initBackend } from './backend';
export type { BackendInfo, BackendName } from './backend';
