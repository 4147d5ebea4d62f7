import fs from 'node:fs';

interface CollectionItem {
  name: string;
  item?: CollectionItem[];
  request?: { method: string; url: { path: string[] } };
  event?: { listen: string; script: { exec: string[] } }[];
}

interface OpenApiDocument {
  servers?: { url: string }[];
  paths?: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
}

interface CollectionRequest {
  name: string;
  method: string;
  segments: string[];
  statuses: string[];
}

const VARIABLE = /^\{\{.+\}\}$/;
const TEMPLATE = /^\{.+\}$/;

function requestsOf(items: CollectionItem[], folder = ''): CollectionRequest[] {
  return items.flatMap((item) => {
    const name = folder ? `${folder} / ${item.name}` : item.name;
    if (item.item) return requestsOf(item.item, name);
    if (!item.request) return [];
    const test = (item.event ?? []).filter((e) => e.listen === 'test').flatMap((e) => e.script.exec);
    const statuses = [...test.join('\n').matchAll(/to\.have\.status\((\d{3})\)/g)].map((match) => match[1]!);
    return [{ name, method: item.request.method.toLowerCase(), segments: item.request.url.path, statuses }];
  });
}

/** A literal template segment must equal the request's segment; a `{param}` takes anything (`{{userId}}`, `not-an-id`). */
function matches(template: string[], segments: string[]): boolean {
  return (
    template.length === segments.length &&
    template.every((part, i) => (TEMPLATE.test(part) ? true : !VARIABLE.test(segments[i]!) && part === segments[i]))
  );
}

function documentedStatus(responses: Record<string, unknown>, status: string): boolean {
  return status in responses || `${status[0]}XX` in responses || 'default' in responses;
}

/**
 * Checks the collection against the OpenAPI document the server serves, so the two cannot drift:
 * every request's method and path is a documented operation that lists the status the test expects.
 * Returns the problems found (empty when they agree).
 */
export function findDrift(collectionPath: string, document: OpenApiDocument): string[] {
  const collection = JSON.parse(fs.readFileSync(collectionPath, 'utf8')) as { item: CollectionItem[] };
  const server = document.servers?.[0]?.url ?? '';
  const prefix = server.startsWith('/') ? server.replace(/\/$/, '') : '';
  const templates = Object.entries(document.paths ?? {}).map(([route, operations]) => ({
    route,
    operations,
    segments: `${prefix}${route}`.split('/').filter(Boolean),
  }));
  const problems: string[] = [];
  for (const request of requestsOf(collection.item)) {
    const label = `"${request.name}" (${request.method.toUpperCase()} /${request.segments.join('/')})`;
    // The most literal route wins (/users/me over /users/{id}).
    const found = templates
      .filter((template) => matches(template.segments, request.segments) && template.operations[request.method])
      .sort((a, b) => a.segments.filter((s) => TEMPLATE.test(s)).length - b.segments.filter((s) => TEMPLATE.test(s)).length)[0];
    const operation = found?.operations[request.method];
    if (!found || !operation) {
      problems.push(`${label}: no such operation in the OpenAPI document`);
      continue;
    }
    for (const status of request.statuses) {
      if (!documentedStatus(operation.responses ?? {}, status)) problems.push(`${label}: ${found.route} does not document ${status}`);
    }
  }
  return problems;
}
