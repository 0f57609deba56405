export { ANY_RELATIONSHIP, accessCells, accessPolicy, evaluateAccess, factsOfCell } from './policy.js';
export type { AccessCell, AccessDecision, AccessPolicy, AccessRules, Actor, AnyRelationship, Grants } from './policy.js';
