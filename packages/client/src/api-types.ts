import type { components, operations } from './generated/openapi.js';
import type { OperationId } from './generated/operations.js';

export type { OperationId };
export type User = components['schemas']['User'];
export type Session = components['schemas']['Session'];

type Operation<K extends OperationId> = operations[K];
type Present<T> = Exclude<T, undefined>;

type PathParams<K extends OperationId> = Present<Operation<K>['parameters']['path']>;
type QueryParams<K extends OperationId> = Present<Operation<K>['parameters']['query']>;
type RequestBody<K extends OperationId> =
  Present<Operation<K>['requestBody']> extends { content: { 'application/json': infer B } } ? B : never;

type PathPart<K extends OperationId> = [PathParams<K>] extends [never] ? unknown : { path: PathParams<K> };
type QueryPart<K extends OperationId> = [QueryParams<K>] extends [never]
  ? unknown
  : object extends QueryParams<K>
    ? { query?: QueryParams<K> }
    : { query: QueryParams<K> };
type BodyPart<K extends OperationId> = [RequestBody<K>] extends [never]
  ? unknown
  : undefined extends Operation<K>['requestBody']
    ? { body?: RequestBody<K> }
    : { body: RequestBody<K> };

/** `{ path?, query?, body? }` as the operation takes them: path parameters, query string, JSON body. */
export type OperationInput<K extends OperationId> = PathPart<K> & QueryPart<K> & BodyPart<K>;

/** The input may be left out when nothing in it is required. */
export type OperationArgs<K extends OperationId> =
  object extends OperationInput<K> ? [input?: OperationInput<K>] : [input: OperationInput<K>];

type SuccessResponse<K extends OperationId> = Operation<K>['responses'][Extract<keyof Operation<K>['responses'], 200 | 201 | 202 | 204>];

/** The parsed body of the success response (`{ data }`, `{ data, meta }`), or undefined when it has none. */
export type OperationResult<K extends OperationId> =
  SuccessResponse<K> extends { content: { 'application/json': infer B } }
    ? B
    : SuccessResponse<K> extends { content: { 'text/plain': infer T } }
      ? T
      : undefined;

/** `client.api.<operationId>(input)`: one typed method per operation of the OpenAPI document. */
export type KeyholdApi = { [K in OperationId]: (...args: OperationArgs<K>) => Promise<OperationResult<K>> };
