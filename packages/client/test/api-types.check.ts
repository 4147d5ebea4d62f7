// Type-level checks of the generated API surface: `npm run build` (tsc -p tsconfig.json) fails when one breaks.
import { createKeyholdClient, type OperationInput, type OperationResult, type User } from '@keyhold/client';

const client = createKeyholdClient({ baseUrl: 'https://auth.example.test', coordination: 'local' });

export async function typeChecks(): Promise<void> {
  // Inputs: path parameters are required where the path has them; bodies where the document requires one.
  void client.api.getUser({ path: { id: 'a' } });
  // @ts-expect-error the path parameter is missing
  void client.api.getUser();
  // @ts-expect-error a field the schema does not have
  void client.api.updateMe({ body: { name: 'a', role: 'admin' } });
  // @ts-expect-error a query value outside its enum
  void client.api.listUsers({ query: { role: 'root' } });
  void client.api.listUsers();

  // Results: the success body as the document describes it.
  const me: OperationResult<'getMe'> = await client.api.getMe();
  const user: User = me.data.user;
  const listed = await client.api.listUsers({ query: { page: 2 } });
  const total: number = listed.meta.total;
  const nothing: undefined = await client.api.revokeMySession({ path: { sessionId: 's' } });
  const login: OperationInput<'login'> = { body: { email: 'a@example.test', password: 'p' } };
  void [user, total, nothing, login];
}
