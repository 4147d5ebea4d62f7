import request from 'supertest';
import { UserModel } from '../../users/user.model';
import { useTestApp } from '../../../../tests/support/context';
import { uniqueEmail } from '../../../../tests/support/factories';

const REGISTER = '/api/v1/auth/register';

describe('POST /api/v1/auth/register', () => {
  const ctx = useTestApp({ BODY_LIMIT: '2kb' });

  it('when the input is valid, then the user is created with a hash, never the password', async () => {
    const email = uniqueEmail();
    const response = await request(ctx.app)
      .post(REGISTER)
      .send({ email: `  ${email.toUpperCase()} `, password: 'a sufficiently long one', name: 'Ada' });

    expect(response.status).toBe(201);
    expect(response.body.data.user).toEqual({
      id: expect.stringMatching(/^[a-f0-9]{24}$/),
      email,
      name: 'Ada',
      role: 'user',
      status: 'active',
      emailVerified: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      lastLoginAt: null,
      mfaEnabled: false,
    });
    const stored = await UserModel.findOne({ email }).select('+passwordHash').lean();
    expect(stored?.passwordHash).toMatch(/^\$2[aby]\$04\$/);
    expect(JSON.stringify(stored)).not.toContain('a sufficiently long one');
  });

  it('when the email is taken (in any case), then 409 EMAIL_TAKEN and nothing new is stored', async () => {
    const email = uniqueEmail();
    await request(ctx.app).post(REGISTER).send({ email, password: 'a sufficiently long one' }).expect(201);

    const response = await request(ctx.app).post(REGISTER).send({ email: email.toUpperCase(), password: 'another long password' });

    expect(response.status).toBe(409);
    expect(response.body.code).toBe('EMAIL_TAKEN');
    expect(await UserModel.countDocuments({ email })).toBe(1);
  });

  it('when the password is shorter than the minimum, then 400 with the field named', async () => {
    const response = await request(ctx.app).post(REGISTER).send({ email: uniqueEmail(), password: 'short' });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', title: 'Bad Request' });
    expect(response.body.errors).toEqual([{ path: 'password', message: expect.stringContaining('12') }]);
  });

  it('when multi-byte characters are used, then each counts as one character', async () => {
    const response = await request(ctx.app)
      .post(REGISTER)
      .send({ email: uniqueEmail(), password: '🔑'.repeat(12) });
    expect(response.status).toBe(201);
  });

  it('when the password exceeds 128 characters, then 400', async () => {
    const response = await request(ctx.app)
      .post(REGISTER)
      .send({ email: uniqueEmail(), password: 'x'.repeat(129) });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].path).toBe('password');
  });

  it('when unknown fields are sent, then 400 and nothing is stored', async () => {
    const email = uniqueEmail();
    const response = await request(ctx.app).post(REGISTER).send({ email, password: 'a sufficiently long one', role: 'admin' });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(await UserModel.countDocuments({ email })).toBe(0);
  });

  it('when an operator object is sent where a string is expected, then 400', async () => {
    const response = await request(ctx.app)
      .post(REGISTER)
      .send({ email: { $gt: '' }, password: 'a sufficiently long one' });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'email' })]);
  });

  it('when every field is wrong, then every problem is reported at once', async () => {
    const response = await request(ctx.app).post(REGISTER).send({ email: 'not-an-email', password: 1 });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(['email', 'password']);
  });

  it('when the JSON is malformed, then 400 MALFORMED_JSON with a request id', async () => {
    const response = await request(ctx.app).post(REGISTER).set('Content-Type', 'application/json').send('{"email": ');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'MALFORMED_JSON', requestId: response.headers['x-request-id'] });
  });

  it('when the body is not JSON, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await request(ctx.app).post(REGISTER).set('Content-Type', 'text/plain').send('email=a');
    expect(response.status).toBe(415);
    expect(response.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('when the body is over the limit, then 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await request(ctx.app)
      .post(REGISTER)
      .send({ email: uniqueEmail(), password: 'x'.repeat(4096) });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
