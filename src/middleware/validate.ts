import type { NextFunction, Request, Response } from 'express';
import type { z, ZodType } from 'zod';
import { AppError, ValidationError, type FieldProblem } from '../errors/app-error';

export interface RequestSchemas {
  params?: ZodType;
  query?: ZodType;
  body?: ZodType;
}

/** What `validate(schemas)` leaves in res.locals.input for the handler. */
export type ValidatedInput<S extends RequestSchemas> = {
  [K in keyof S]: S[K] extends ZodType ? z.output<S[K]> : never;
};

const JSON_TYPES = ['application/json', 'application/*+json'];

/** Field problems of a zod issue; an unknown field is reported at its own path, so a client sees which one. */
function problemsOf(issue: z.core.$ZodIssue, part: string): FieldProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...issue.path, key].join('.'), message: 'is not a known field' }));
  }
  return [{ path: issue.path.join('.') || part, message: issue.message }];
}
const PARTS = ['params', 'query', 'body'] as const;

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * Parses params, query and body with strict zod schemas, reports every problem at once and puts the
 * typed result in res.locals.input (req.query is a getter in Express 5 and is never reassigned).
 */
export function validate<S extends RequestSchemas>(schemas: S) {
  return function validateRequest(req: Request, res: Response, next: NextFunction): void {
    if (hasBody(req) && !req.is(JSON_TYPES)) {
      throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.');
    }
    const problems: FieldProblem[] = [];
    const input: Record<string, unknown> = {};
    for (const part of PARTS) {
      const schema = schemas[part];
      if (!schema) continue;
      const result = schema.safeParse(req[part]);
      if (result.success) input[part] = result.data;
      else problems.push(...result.error.issues.flatMap((issue) => problemsOf(issue, part)));
    }
    if (problems.length > 0) throw new ValidationError(problems);
    res.locals.input = input;
    next();
  };
}

/** The validated input of this request, typed by the schemas its route declared. */
export function inputOf<S extends RequestSchemas>(res: Response, _schemas: S): ValidatedInput<S> {
  return res.locals.input as ValidatedInput<S>;
}
