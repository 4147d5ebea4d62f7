import { Types } from 'mongoose';
import { addMs, systemClock, type Clock } from '../../lib/clock';
import { logger } from '../../lib/logger';
import { countMatching, paginate, type Page, type PageRequest } from '../../lib/pagination';
import { createTurnSharedReads } from '../../lib/turn-shared-reads';
import type { Location } from '../geoip';
import { AuditEventModel, type AuditEventRecord, type AuditEventType } from './audit-event.model';
import type { AuditEventView } from './audit.response';

export interface AuditInput {
  type: AuditEventType;
  actorId?: string | null;
  targetId?: string | null;
  sessionId?: string | null;
  ip?: string | null;
  location?: Location | null;
  details?: Record<string, unknown>;
}

export interface AuditFilter {
  type?: string;
  actorId?: string;
  targetId?: string;
}

function toObjectId(id: string | null | undefined): Types.ObjectId | null {
  return id && Types.ObjectId.isValid(id) ? new Types.ObjectId(id) : null;
}

function toAuditEventView(event: AuditEventRecord): AuditEventView {
  return {
    id: event._id.toString(),
    type: event.type as AuditEventType,
    actorId: event.actorId?.toString() ?? null,
    targetId: event.targetId?.toString() ?? null,
    sessionId: event.sessionId?.toString() ?? null,
    ip: event.ip ?? null,
    location: (event.location as Location | null) ?? null,
    details: (event.details as Record<string, unknown>) ?? {},
    createdAt: event.createdAt.toISOString(),
  };
}

export type AuditService = ReturnType<typeof createAuditService>;

/** Records security events off the request path and lists them for moderators and admins. */
export function createAuditService(deps: { now: Clock } = { now: systemClock }) {
  const pendingWrites = new Set<Promise<unknown>>();
  const sharedEventPages = createTurnSharedReads<Page<AuditEventView>>();

  /** Queues an event; a failed write is logged and never fails the request that caused it. */
  function record(event: AuditInput): void {
    const write = AuditEventModel.create({
      type: event.type as AuditEventType,
      actorId: toObjectId(event.actorId),
      targetId: toObjectId(event.targetId),
      sessionId: toObjectId(event.sessionId),
      ip: event.ip ?? null,
      location: event.location ?? null,
      details: event.details ?? {},
    })
      .catch((error: unknown) => logger.error('audit event not recorded', { type: event.type, error }))
      .finally(() => pendingWrites.delete(write));
    pendingWrites.add(write);
  }

  /** Waits for queued writes: used at shutdown and by tests. */
  async function flush(): Promise<void> {
    await Promise.all([...pendingWrites]);
  }

  /**
   * Newest first, filtered by type, actor and target. `_id` order is creation order, so the list
   * walks an index ending in `_id` with nothing to sort; identical lists requested together share one query.
   */
  async function listEvents(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEventView>> {
    const query: Record<string, unknown> = {};
    if (filter.type) query.type = filter.type;
    if (filter.actorId) query.actorId = new Types.ObjectId(filter.actorId);
    if (filter.targetId) query.targetId = new Types.ObjectId(filter.targetId);
    return sharedEventPages(JSON.stringify([query, page.page, page.limit]), async () => {
      const [events, total] = await Promise.all([
        AuditEventModel.find(query)
          .sort({ _id: -1 })
          .skip((page.page - 1) * page.limit)
          .limit(page.limit)
          .lean<AuditEventRecord[]>(),
        countMatching(AuditEventModel, query),
      ]);
      return paginate(events.map(toAuditEventView), total, page);
    });
  }

  /** Deletes events older than the retention (AUDIT_RETENTION); returns how many. */
  async function pruneOlderThan(retentionMs: number): Promise<number> {
    const result = await AuditEventModel.deleteMany({ createdAt: { $lt: addMs(deps.now(), -retentionMs) } });
    return result.deletedCount;
  }

  return { record, flush, listEvents, pruneOlderThan };
}
