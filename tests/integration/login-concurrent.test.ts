import { SessionModel } from '../../src/modules/sessions/session.model';
import { useTestApp } from '../support/context';
import { buildUser } from '../support/factories';
import { listen } from '../support/listening';
import { countedFailures, NO_FAILURES } from '../support/login-attempts';

const RIGHT_LOGINS = 20;

// A liveness bound only: the racing logins hash on a shared machine.
jest.setTimeout(60_000);

describe('POST /api/v1/auth/login', () => {
  const ctx = useTestApp({ LOGIN_MAX_FAILURES: '50' });

  it('when 20 right logins of one account arrive at once, then every one signs in (a completed login clearing the counter never turns another into 429)', async () => {
    const user = await buildUser(ctx.container);
    const server = await listen(ctx.app);
    try {
      const responses = await Promise.all(
        Array.from({ length: RIGHT_LOGINS }, () =>
          fetch(`${server.url}/api/v1/auth/login`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ email: user.email, password: user.password }),
          }),
        ),
      );

      expect(responses.map((response) => response.status)).toEqual(Array(RIGHT_LOGINS).fill(200));
      expect(await SessionModel.countDocuments({ userId: user.id })).toBe(RIGHT_LOGINS);
      expect(await countedFailures(user.email)).toEqual(NO_FAILURES);
    } finally {
      await server.close();
    }
  });
});
