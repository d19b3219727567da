// The read-only web view of an artifact store (`abd ui`, and the evaluator's `http-ui` port).
export { referenceFor, type Reference } from './references';
export { startUiServer, type UiServer, type UiServerOptions } from './server';
