import { z, type ZodType } from 'zod';

type JsonSchema = Record<string, unknown>;

const COMPONENT_PREFIX = '#/components/schemas/';

/*
 * zod gives every integer the safe-integer range (±2^53) as bounds when it has no real ones; those say
 * nothing to a client and hide the missing bound, so they are dropped.
 */
function dropSafeIntegerBounds(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(dropSafeIntegerBounds);
  if (!node || typeof node !== 'object') return;
  const record = node as JsonSchema;
  if (record.maximum === Number.MAX_SAFE_INTEGER) delete record.maximum;
  if (record.minimum === Number.MIN_SAFE_INTEGER) delete record.minimum;
  Object.values(record).forEach(dropSafeIntegerBounds);
}

/** Rewrites `#/$defs/X` references to OpenAPI component references, in place. */
function pointRefsAtComponents(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(pointRefsAtComponents);
  if (!node || typeof node !== 'object') return;
  const record = node as JsonSchema;
  if (typeof record.$ref === 'string') record.$ref = record.$ref.replace('#/$defs/', COMPONENT_PREFIX);
  Object.values(record).forEach(pointRefsAtComponents);
}

/**
 * Converts zod schemas to OpenAPI 3.1 (JSON Schema 2020-12) and hoists every schema that carries
 * an `id` (`.meta({ id })`) into shared components, so the document names User, Session, Problem...
 */
export function createSchemaConverter() {
  const components: Record<string, JsonSchema> = {};

  function convert(schema: ZodType, io: 'input' | 'output'): JsonSchema {
    const {
      $schema: _ignored,
      $defs,
      ...json
    } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema & {
      $defs?: Record<string, JsonSchema>;
    };
    for (const [name, definition] of Object.entries($defs ?? {})) {
      pointRefsAtComponents(definition);
      dropSafeIntegerBounds(definition);
      components[name] = definition;
    }
    pointRefsAtComponents(json);
    dropSafeIntegerBounds(json);
    return json;
  }

  return { convert, components };
}
