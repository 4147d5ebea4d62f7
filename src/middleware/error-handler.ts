import type { NextFunction, Request, Response } from 'express';
import mongoose from 'mongoose';
import { ZodError } from 'zod';
import { databaseRetryAfterSeconds } from '../db/availability';
import { isDatabaseUnavailableError, isDuplicateKeyError } from '../db/errors';
import { AppError, ServiceUnavailableError, type FieldProblem } from '../errors/app-error';
import { buildProblem, PROBLEM_CONTENT_TYPE } from '../errors/problem';

function zodProblems(error: ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/** The router's error for a path parameter that is not valid percent-encoding (`%ZZ`, broken UTF-8). */
function isUndecodableParameter(error: unknown): boolean {
  return error instanceof URIError && (error as URIError & { status?: number }).status === 400;
}

/** Maps any thrown value to an AppError; unknown errors become a 500 that reveals nothing. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isUndecodableParameter(error)) {
    return new AppError(400, 'VALIDATION_FAILED', 'The request is not valid.', {
      errors: [{ path: 'params', message: 'A path parameter is not valid percent-encoding.' }],
    });
  }
  if (error instanceof ZodError) {
    return new AppError(400, 'VALIDATION_FAILED', 'The request is not valid.', { errors: zodProblems(error) });
  }
  if (error instanceof mongoose.Error.CastError) {
    return new AppError(400, 'VALIDATION_FAILED', 'The request is not valid.', {
      errors: [{ path: error.path, message: `Invalid value for ${error.path}.` }],
    });
  }
  if (error instanceof mongoose.Error.ValidationError) {
    const errors = Object.values(error.errors).map((item) => ({ path: item.path, message: item.message }));
    return new AppError(400, 'VALIDATION_FAILED', 'The request is not valid.', { errors });
  }
  if (isDuplicateKeyError(error)) return new AppError(409, 'CONFLICT', 'The resource already exists.');
  if (isDatabaseUnavailableError(error)) return new ServiceUnavailableError(databaseRetryAfterSeconds());
  return new AppError(500, 'INTERNAL', 'Something went wrong on our side.');
}

/** The one place errors become responses: RFC 9457 problem+json with the request id. */
export function renderError(error: unknown, req: Request, res: Response, next: NextFunction): void {
  const mapped = toAppError(error);
  // The request's one log line (request-logger) reports the code, and a server fault with its error.
  res.locals.problemCode = mapped.code;
  // A database outage is not a fault of this service: its line names the code, not a stack.
  if (mapped.status >= 500 && mapped.code !== 'SERVICE_UNAVAILABLE') res.locals.serverFault = error;
  if (res.headersSent) return next(error);
  const { retryAfterSeconds, headers, errors, extensions } = mapped.options;
  if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds));
  for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
  const problem = buildProblem({
    status: mapped.status,
    code: mapped.code,
    detail: mapped.message,
    requestId: String(res.locals.requestId ?? ''),
    errors,
    extensions,
  });
  res.status(mapped.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}
