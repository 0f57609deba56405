import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// One place for every access rule (ADR 20): a service asks its `domain/access.ts` policy (the
// console, what it offers, its `src/access.ts`), and no other file of its sources looks at the
// caller's roles itself.
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SERVICES = ['directory', 'consent', 'referrals', 'notifications'];
const POLICY_FILES = [join('src', 'domain', 'access.ts'), join('console', 'src', 'access.ts')];

/** Ways of looking at roles directly: the platform's role test, a role list searched or indexed, a principal's roles kept aside. */
const ROLE_CHECKS: readonly RegExp[] = [
  /\bhasRole\s*\(/,
  /\.roles\s*\??\.\s*(includes|some|every|find|findIndex|indexOf|filter|at)\s*\(/,
  /\.roles\s*\[/,
  /=\s*[\w.]+\.roles\s*;/,
];

/**
 * Roles that are not a check of the caller's: notifications' audiences name which roles of a
 * referral's organisations are told of an event (ADR 12), which is whom to tell, not who may act;
 * the console's sign-in reads the token's `roles` claim into the session.
 */
const NOT_THE_CALLER: readonly RegExp[] = [/\baudience\.roles\b/, /\bclaims\.roles\b/];

function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourcesOf(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `file:line: text` for each line of a service's (or the console's) sources, its policy aside, that looks at roles itself. */
function roleChecksOutsidePolicy(root: string): string[] {
  return sourcesOf(join(root, 'src'))
    .filter((file) => !POLICY_FILES.some((policy) => file.endsWith(policy)))
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) =>
          ROLE_CHECKS.some((check) => check.test(line.replace(/^\s*(\/\/|\*).*$/, ''))) && !NOT_THE_CALLER.some((other) => other.test(line))
            ? [`${relative(ROOT, file)}:${index + 1}: ${line.trim()}`]
            : [],
        ),
    );
}

describe('role checks live in each service’s access policy only', () => {
  it.each(SERVICES)('%s looks at roles only in src/domain/access.ts', (service) => {
    expect(roleChecksOutsidePolicy(join(ROOT, 'services', service))).toEqual([]);
  });

  it('the console looks at roles only in src/access.ts', () => {
    expect(roleChecksOutsidePolicy(join(ROOT, 'apps', 'console'))).toEqual([]);
  });

  it('the scan does find a role check where one is written', () => {
    const fixture = fileURLToPath(new URL('./fixtures/inline-role-check/', import.meta.url));
    expect(roleChecksOutsidePolicy(fixture).map((hit) => hit.replace(/^.*inline-role-check\//, ''))).toEqual([
      "src/domain/inline.ts:5: if (!hasRole(principal, 'caseworker')) throw new Error('no');",
      "src/domain/inline.ts:6: const coordinator = principal.roles.includes('network_coordinator');",
      "src/domain/inline.ts:7: const first = principal.roles[0];",
      'src/domain/inline.ts:8: const roles = principal.roles;',
    ]);
  });
});
