import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type ServerInterceptor,
  type ServiceDefinition,
} from '@grpc/grpc-js';

/** What a request deserializer yields instead of throwing (grpc-js would answer INTERNAL). */
class Undecodable {
  constructor(readonly reason: string) {}
}

/**
 * The definition with each request decoder made total: a message the generated code cannot
 * decode becomes an Undecodable, which undecodableInterceptor answers with INVALID_ARGUMENT.
 * The protos' uint64 fields are decoded as JS numbers (ts-proto forceLong=number), which throw
 * above 2^53 − 1; the protos document that such values are refused as INVALID_ARGUMENT.
 */
export function totalDecoders(definition: ServiceDefinition): ServiceDefinition {
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(definition)) {
    out[name] = {
      ...m,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return m.requestDeserialize(bytes);
        } catch (e) {
          return new Undecodable((e as Error).message);
        }
      },
    };
  }
  return out as ServiceDefinition;
}

/** Ends a call whose message did not decode with INVALID_ARGUMENT (short details, no echo of the bytes). */
export const undecodableInterceptor: ServerInterceptor = (_method, call) => {
  const listener = new ServerListenerBuilder()
    .withOnReceiveMessage((message, next) => {
      if (message instanceof Undecodable) {
        const why = /MAX_SAFE_INTEGER/.test(message.reason)
          ? 'an integer field is above 2^53 − 1 (9007199254740991), which this API refuses'
          : message.reason.slice(0, 200);
        call.sendStatus({
          code: status.INVALID_ARGUMENT,
          details: `cannot decode the request: ${why}`,
        });
        return;
      }
      next(message);
    })
    .build();
  return new ServerInterceptingCall(
    call,
    new ResponderBuilder().withStart((next) => next(listener)).build(),
  );
};
