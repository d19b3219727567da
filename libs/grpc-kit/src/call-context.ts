import { status, type Deadline, type Metadata } from '@grpc/grpc-js';
import { DomainError } from './errors';

/** The reason an AbortSignal of a call fires: the client cancelled or the deadline passed. */
export class CallAbortedError extends DomainError {
  override readonly name = 'CallAbortedError';
  constructor(readonly grpcCode: status.CANCELLED | status.DEADLINE_EXCEEDED) {
    super(grpcCode === status.CANCELLED ? 'call cancelled by the client' : 'deadline exceeded');
  }
}

/** What a handler gets besides its request(s). */
export interface CallContext {
  /** Fires when the client cancels or the deadline passes; its reason is a CallAbortedError. */
  signal: AbortSignal;
  metadata: Metadata;
  /** Full method path, e.g. "/abd.v1.TeacherInference/Infer". */
  method: string;
  peer: string;
  /** Absolute deadline, or undefined when the client set none. */
  deadline: Date | undefined;
}

// A cancel this close to the deadline is the deadline.
const DEADLINE_SLACK_MS = 100;

// Node timers overflow past 2^31-1 ms; beyond that the deadline is as good as none.
const MAX_TIMER_MS = 2 ** 31 - 1;

// The surface every server call shares (grpc-js does not export its name).
interface SurfaceCall {
  cancelled: boolean;
  metadata: Metadata;
  getDeadline(): Deadline;
  getPath(): string;
  getPeer(): string;
  on(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

/** Builds the context of a call; `done()` releases its timer and listener. */
export function callContext(call: SurfaceCall): { ctx: CallContext; done: () => void } {
  const ac = new AbortController();
  const onCancelled = (): void => {
    // grpc-js reports an expired deadline as 'cancelled' too, and the client's own deadline
    // timer (which resets the stream) fires a little before ours: the server's deadline is
    // receipt time + grpc-timeout. Tell them apart by the clock, with that slack.
    const expired = deadline !== undefined && Date.now() >= deadline.getTime() - DEADLINE_SLACK_MS;
    ac.abort(new CallAbortedError(expired ? status.DEADLINE_EXCEEDED : status.CANCELLED));
  };
  const raw = call.getDeadline();
  const ms = raw instanceof Date ? raw.getTime() : Number(raw);
  const deadline = Number.isFinite(ms) ? new Date(ms) : undefined;
  let timer: NodeJS.Timeout | undefined;
  if (deadline !== undefined) {
    const left = deadline.getTime() - Date.now();
    if (left <= 0) ac.abort(new CallAbortedError(status.DEADLINE_EXCEEDED));
    else if (left < MAX_TIMER_MS) {
      timer = setTimeout(() => ac.abort(new CallAbortedError(status.DEADLINE_EXCEEDED)), left);
      timer.unref();
    }
  }
  call.on('cancelled', onCancelled);
  if (call.cancelled) onCancelled();
  const ctx: CallContext = {
    signal: ac.signal,
    metadata: call.metadata,
    method: call.getPath(),
    peer: call.getPeer(),
    deadline,
  };
  const done = (): void => {
    if (timer) clearTimeout(timer);
    call.removeListener('cancelled', onCancelled);
  };
  return { ctx, done };
}
