export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  per_page: number;
}

export interface PageRequest {
  page: number;
  per_page: number;
}

export const DEFAULT_PER_PAGE = 50;
export const MAX_PER_PAGE = 500;

export function offsetOf(request: PageRequest): number {
  return (request.page - 1) * request.per_page;
}
