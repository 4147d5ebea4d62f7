import assert from 'node:assert/strict';

export const CHALLENGE = {
  bare: 'Bearer',
  invalid: 'Bearer error="invalid_token", error_description="The access token is not valid"',
  expired: 'Bearer error="invalid_token", error_description="The access token expired"',
} as const;

/** Asserts an RFC 9457 answer: status, code, content type, `WWW-Authenticate` (null: absent) and body shape. */
export async function assertProblem(response: Response, status: number, code: string, challenge: string | null): Promise<void> {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  assert.equal(response.headers.get('www-authenticate'), challenge);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const body = (await response.json()) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['code', 'detail', 'status', 'title', 'type']);
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(body.type, `https://keyhold.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`);
  assert.equal(typeof body.detail, 'string');
}
