// Test support: a server process with signal handlers installed; prints its port, then waits.
import { jsonLogger } from '../logger';
import { startServer } from '../server';
import { echoService } from './echo-service';

void startServer({
  port: 0,
  host: '127.0.0.1',
  services: [echoService(jsonLogger())],
  auth: null,
  tls: null,
  reflection: false,
  installSignalHandlers: true,
  shutdownGraceMs: 300,
}).then((s) => process.stdout.write(`PORT ${s.port}\n`));
