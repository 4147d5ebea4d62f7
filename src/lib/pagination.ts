export interface PageRequest {
  page: number;
  limit: number;
}

export interface Page<T> {
  items: T[];
  meta: { page: number; limit: number; total: number; totalPages: number };
}

export function paginate<T>(items: T[], total: number, request: PageRequest): Page<T> {
  return {
    items,
    meta: { page: request.page, limit: request.limit, total, totalPages: Math.ceil(total / request.limit) },
  };
}

interface Countable {
  countDocuments(filter: Record<string, unknown>): PromiseLike<number>;
  estimatedDocumentCount(): PromiseLike<number>;
}

/** Counts matches; an unfiltered list uses the collection's metadata instead of scanning it. */
export function countMatching(model: Countable, filter: Record<string, unknown>): PromiseLike<number> {
  return Object.keys(filter).length === 0 ? model.estimatedDocumentCount() : model.countDocuments(filter);
}
