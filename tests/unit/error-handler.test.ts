import express, { type Request, type Response } from 'express';
import mongoose from 'mongoose';
import request from 'supertest';
import { z } from 'zod';
import { AppError, RateLimitedError } from '../../src/errors/app-error';
import { renderError } from '../../src/middleware/error-handler';
import { assignRequestId } from '../../src/middleware/request-id';

function appThrowing(error: unknown) {
  const app = express();
  app.use(assignRequestId);
  app.get('/boom', (_req: Request, _res: Response) => {
    throw error;
  });
  app.use(renderError);
  return app;
}

describe('renderError', () => {
  it('when an AppError is thrown, then its status and code are rendered as problem+json with the request id', async () => {
    const response = await request(appThrowing(new AppError(409, 'EMAIL_TAKEN', 'taken'))).get('/boom');
    expect(response.status).toBe(409);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.body).toEqual({
      type: 'https://keyhold.dev/problems/email-taken',
      title: 'Conflict',
      status: 409,
      detail: 'taken',
      code: 'EMAIL_TAKEN',
      requestId: response.headers['x-request-id'],
    });
  });

  it('when a rate-limit error is thrown, then Retry-After is set', async () => {
    const response = await request(appThrowing(new RateLimitedError(42))).get('/boom');
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('42');
  });

  it('when the router cannot decode a path parameter, then 400 VALIDATION_FAILED, not 500', async () => {
    const app = express();
    app.use(assignRequestId);
    app.get('/items/:id', (_req: Request, res: Response) => void res.send('unreachable'));
    app.use(renderError);

    const response = await request(app).get('/items/%ZZ');

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'params' }] });
  });

  it('when a URIError of our own escapes, then it stays a 500 that reveals nothing', async () => {
    const response = await request(appThrowing(new URIError('URI malformed'))).get('/boom');
    expect(response.status).toBe(500);
    expect(response.body.code).toBe('INTERNAL');
  });

  it('when a ZodError escapes, then 400 VALIDATION_FAILED lists field paths', async () => {
    const error = z.object({ email: z.string() }).safeParse({ email: 1 }).error;
    const response = await request(appThrowing(error)).get('/boom');
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: 'email', message: expect.any(String) }]);
  });

  it('when a Mongoose CastError escapes, then 400 without driver details', async () => {
    const error = new mongoose.Error.CastError('ObjectId', 'zzz', '_id');
    const response = await request(appThrowing(error)).get('/boom');
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(response.body)).not.toContain('Cast to ObjectId');
  });

  it('when a duplicate-key error escapes, then 409 CONFLICT', async () => {
    const error = new mongoose.mongo.MongoServerError({ message: 'E11000 duplicate key error collection: x index: email_1', code: 11000 });
    const response = await request(appThrowing(error)).get('/boom');
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('CONFLICT');
    expect(JSON.stringify(response.body)).not.toContain('E11000');
  });

  it('when the database driver lets a raw socket error through (the server closed the connection), then 503 with Retry-After, not 500', async () => {
    const error = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
    const response = await request(appThrowing(error)).get('/boom');
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('SERVICE_UNAVAILABLE');
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('when anything else is thrown, then 500 INTERNAL reveals nothing', async () => {
    const response = await request(appThrowing(new Error('connection string mongodb://user:secret@db'))).get('/boom');
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ code: 'INTERNAL', detail: 'Something went wrong on our side.' });
    expect(JSON.stringify(response.body)).not.toMatch(/secret|stack|mongodb/);
  });
});
