import { readFileSync } from 'node:fs';

/**
 * The `version` of the package.json one folder above the calling module
 * (`src/start.ts` and `dist/start.js` alike), for logs and `/openapi.json`.
 */
export function readPackageVersion(moduleUrl: string): string {
  const parsed: unknown = JSON.parse(readFileSync(new URL('../package.json', moduleUrl), 'utf8'));
  if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string') {
    return parsed.version;
  }
  return '0.0.0';
}
