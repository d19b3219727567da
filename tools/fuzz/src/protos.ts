// The services' descriptors, read from protos/ with protobufjs reflection (field names as in the .proto).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';

const PROTO_DIR = join(__dirname, '..', '..', '..', 'protos');

export interface FuzzMethod {
  /** `package.Service/Method`, the gRPC path without its leading slash. */
  path: string;
  service: string;
  request: protobuf.Type;
  response: protobuf.Type;
  requestStream: boolean;
  responseStream: boolean;
}

export function loadMethods(): FuzzMethod[] {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    target.startsWith(PROTO_DIR) ? target : join(PROTO_DIR, target);
  const files = readdirSync(join(PROTO_DIR, 'abd', 'v1')).map((f) => `abd/v1/${f}`);
  root.loadSync([...files, 'grpc/health/v1/health.proto'], { keepCase: true });
  root.resolveAll();
  const methods: FuzzMethod[] = [];
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const o of ns.nestedArray) {
      if (o instanceof protobuf.Service) {
        const service = o.fullName.slice(1);
        for (const m of o.methodsArray) {
          m.resolve();
          methods.push({
            path: `${service}/${m.name}`,
            service,
            request: m.resolvedRequestType!,
            response: m.resolvedResponseType!,
            requestStream: !!m.requestStream,
            responseStream: !!m.responseStream,
          });
        }
      } else if (o instanceof protobuf.Namespace) walk(o);
    }
  };
  walk(root);
  return methods;
}
