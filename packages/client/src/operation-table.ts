/** What the client needs to know to call one operation; the generated table holds one per operationId. */
export interface OperationSpec {
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** The path with `{name}` placeholders, from the service's origin (`/api/v1/users/{id}`). */
  path: string;
  /** `cookie`: the refresh cookie (refresh, logout); `cookieOrBearer`: either (logout). */
  auth: 'none' | 'bearer' | 'cookie' | 'cookieOrBearer';
  body: 'none' | 'optional' | 'required';
}

export type OperationTable = Record<string, OperationSpec>;
