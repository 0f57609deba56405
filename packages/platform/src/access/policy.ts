import { forbidden } from '../errors.js';
import type { Text } from '../messages/index.js';
import { ROLES } from '../auth/principal.js';
import type { Principal, Role } from '../auth/principal.js';

/**
 * The relationship that always holds, whatever the caller's organisation is to the thing acted
 * on: a role granted an action under `any` needs no fact about the resource (reading the
 * directory, a network coordinator's network-wide rights, a role-only action).
 */
export const ANY_RELATIONSHIP = 'any';
export type AnyRelationship = typeof ANY_RELATIONSHIP;

/** For one action: under which relationship, which roles may take it. A relationship not listed grants nothing. */
export type Grants<R extends string> = Readonly<Partial<Record<R | AnyRelationship, readonly Role[]>>>;

/** A service's whole access policy as data: action → relationship → roles. Anything not listed is refused. */
export type AccessRules<A extends string, R extends string> = Readonly<Record<A, Grants<R>>>;

/**
 * The answer to "may this caller do this action?".
 * - allowed: by which role, under which relationship (the first that grants it, in the table's order);
 * - refused for `role`: none of the caller's roles is granted the action under any relationship,
 *   so no fact about the resource could change the answer (a 403 before even reading it);
 * - refused for `relationship`: one of its roles is granted the action, but only under
 *   relationships the caller does not hold to this resource (often answered as the 404 of an
 *   unknown id, so that a stranger learns nothing).
 */
export type AccessDecision<R extends string> =
  | { readonly allowed: true; readonly role: Role; readonly relationship: R | AnyRelationship }
  | { readonly allowed: false; readonly reason: 'role' | 'relationship' };

/** The part of a principal a policy reads. */
export type Actor = Pick<Principal, 'roles'>;

/**
 * The one evaluation of an access policy: whether one of the caller's roles is granted `action`
 * under `any` or under one of the relationships it holds to the resource (`facts`). Deny by
 * default: an action, relationship or role not in the table grants nothing.
 */
export function evaluateAccess<A extends string, R extends string>(
  rules: AccessRules<A, R>,
  actor: Actor,
  action: A,
  facts: readonly R[] = [],
): AccessDecision<R> {
  const grants: Grants<R> | undefined = Object.hasOwn(rules, action) ? rules[action] : undefined;
  if (grants === undefined) return { allowed: false, reason: 'role' };
  let roleListed = false;
  for (const [relationship, roles] of Object.entries(grants) as [R | AnyRelationship, readonly Role[] | undefined][]) {
    const role = actor.roles.find((held) => roles?.includes(held) ?? false);
    if (role === undefined) continue;
    if (relationship === ANY_RELATIONSHIP || facts.includes(relationship)) return { allowed: true, role, relationship };
    roleListed = true;
  }
  return { allowed: false, reason: roleListed ? 'relationship' : 'role' };
}

/** A service's access policy, bound once in its `domain/access.ts`. */
export type AccessPolicy<A extends string, R extends string> = {
  /** The table itself (action → relationship → roles). */
  readonly rules: AccessRules<A, R>;
  /** Every action of the table, in its order. */
  readonly actions: readonly A[];
  /** The relationships a caller can hold to a resource of this service (`any` aside). */
  readonly relationships: readonly R[];
  /** {@link evaluateAccess} on this table. */
  can(actor: Actor, action: A, facts?: readonly R[]): AccessDecision<R>;
  /**
   * Whether some standing to the resource would let the caller act (its roles are granted the
   * action under `any` or under one of the policy's relationships): the check made before
   * reading the resource, whose refusal is a 403 rather than the 404 of an unknown id.
   */
  couldAct(actor: Actor, action: A): boolean;
  /**
   * Throws the 403 problem (`forbidden`) unless {@link AccessPolicy.can} allows, with `detail`
   * (a catalogue text), else the action's own refusal, else the policy's.
   * @throws AppError 403
   */
  requireAccess(actor: Actor, action: A, facts?: readonly R[], detail?: Text): void;
};

/**
 * Binds a service's table: `relationships` lists the facts its use cases may establish about a
 * resource (`['own']`, `['owner', 'recipient', 'party']`, or none for a role-only policy),
 * `refusal` the 403's detail when a call site gives none, `refusals` an action's own.
 */
export function accessPolicy<A extends string, R extends string = never>(options: {
  relationships?: readonly R[];
  rules: AccessRules<A, NoInfer<R>>;
  refusal: Text;
  refusals?: Partial<Record<NoInfer<A>, Text>>;
}): AccessPolicy<A, R> {
  const { rules, refusal } = options;
  const refusals: Partial<Record<A, Text>> = options.refusals ?? {};
  const relationships = options.relationships ?? [];
  const can = (actor: Actor, action: A, facts: readonly R[] = []): AccessDecision<R> => evaluateAccess(rules, actor, action, facts);
  return {
    rules,
    actions: Object.keys(rules) as A[],
    relationships,
    can,
    couldAct: (actor, action) => can(actor, action, relationships).allowed,
    requireAccess(actor, action, facts = [], detail) {
      if (!can(actor, action, facts).allowed) throw forbidden(detail ?? refusals[action] ?? refusal);
    },
  };
}

/** One cell of a policy's table, as a table test walks it: a caller holding only `role`, standing to the resource only in `relationship`. */
export type AccessCell<A extends string, R extends string> = { action: A; role: Role; relationship: R | AnyRelationship };

/**
 * Every cell of a policy: each action × each known role × `any` and each relationship, so that a
 * table test asserts all of them and a changed cell fails it.
 */
export function accessCells<A extends string, R extends string>(policy: AccessPolicy<A, R>): AccessCell<A, R>[] {
  const standings: (R | AnyRelationship)[] = [ANY_RELATIONSHIP, ...policy.relationships];
  return policy.actions.flatMap((action) => standings.flatMap((relationship) => ROLES.map((role) => ({ action, role, relationship }))));
}

/** The facts a cell's caller holds: none for `any`, the one relationship otherwise. */
export function factsOfCell<R extends string>(cell: { relationship: R | AnyRelationship }): Exclude<R, AnyRelationship>[] {
  const { relationship } = cell;
  return isFact(relationship) ? [relationship] : [];
}

function isFact<R extends string>(relationship: R | AnyRelationship): relationship is Exclude<R, AnyRelationship> {
  return relationship !== ANY_RELATIONSHIP;
}
