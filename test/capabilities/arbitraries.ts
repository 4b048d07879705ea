import fc from 'fast-check';
import type { Grant, Request } from '../../capabilities/index.js';

// A small alphabet so random grants and requests collide often.
const segment = fc.constantFrom('a', 'b', 'ab', 'x');
const key = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
export const pattern = fc.oneof(
  key,
  fc.constant('*'),
  fc.array(segment, { minLength: 1, maxLength: 2 }).map((parts) => `${parts.join('/')}/*`),
);
export const action = fc.constantFrom('call' as const, 'publish' as const, 'subscribe' as const, 'delegate' as const);

export const grant: fc.Arbitrary<Grant> = fc.record({
  effect: fc.constantFrom('allow' as const, 'allow' as const, 'deny' as const),
  action,
  to: pattern,
  ops: fc.array(pattern, { minLength: 1, maxLength: 2 }),
  resources: fc.array(pattern, { minLength: 1, maxLength: 2 }),
});
export const grants = fc.array(grant, { maxLength: 6 });

export const request: fc.Arbitrary<Request> = fc.record({
  action,
  to: key,
  op: key,
  resource: fc.oneof(key, fc.constant('')),
});
