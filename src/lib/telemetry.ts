import diagnosticsChannel from 'node:diagnostics_channel';

/*
 * Instrumentation points, published on Node's diagnostics channels: code that has something to report
 * calls one `publish…` line and depends on nothing else; the metrics service subscribes. Publishing
 * without a subscriber costs one property check, so nothing changes when metrics are off.
 */

export interface HashQueueEvent {
  /** `refused`: it waited too long and was answered 503 BUSY without being hashed. */
  phase: 'queued' | 'started' | 'refused';
  /** Time the job waited for a worker, on `started`. */
  waitSeconds?: number;
}

export const hashQueueChannel = diagnosticsChannel.channel('keyhold:hash-queue');

/** Called when a hashing job joins the queue, and when a worker takes it or it is refused. */
export function publishHashQueue(event: HashQueueEvent): void {
  if (hashQueueChannel.hasSubscribers) hashQueueChannel.publish(event);
}
