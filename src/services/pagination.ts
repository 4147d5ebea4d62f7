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
