import type { FieldError } from '../errors.js';
import { readableField } from './validation.js';

/** How many offending fields are named; the rest add nothing for the client. */
const MAX_REPORTED = 20;

const NUL = '\u0000';

function nulError(field: string): FieldError {
  return { field, message: 'must not contain the NUL character (U+0000)', code: 'nul_character' };
}

/**
 * Where a JSON value holds U+0000, in a string or in a key: PostgreSQL cannot
 * store it in text (22021) and answered 500. Walks the value once, iteratively
 * (a deeply nested body cannot overflow the stack), and stops at
 * {@link MAX_REPORTED} fields.
 */
export function nulCharactersInJson(prefix: string, value: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const stack: { value: unknown; pointer: string }[] = [{ value, pointer: '' }];
  while (stack.length > 0 && errors.length < MAX_REPORTED) {
    const current = stack.pop();
    if (current === undefined) break;
    const node = current.value;
    if (typeof node === 'string') {
      if (node.includes(NUL)) errors.push(nulError(readableField(prefix, current.pointer)));
    } else if (Array.isArray(node)) {
      for (let index = node.length - 1; index >= 0; index -= 1) stack.push({ value: node[index], pointer: `${current.pointer}/${index}` });
    } else if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node);
      for (let index = entries.length - 1; index >= 0; index -= 1) {
        const [key, child] = entries[index] ?? ['', undefined];
        const pointer = `${current.pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        // The key is quoted as JSON (`body.nested["k\u0000"]`): the NUL itself is never sent back.
        if (key.includes(NUL)) errors.push(nulError(readableField(prefix, current.pointer, key)));
        else stack.push({ value: child, pointer });
      }
    }
  }
  return errors;
}

/** Query parameters (already percent-decoded) holding U+0000, named `query.<name>`. */
export function nulCharactersInQuery(query: ReadonlyMap<string, readonly string[]>): FieldError[] {
  const errors: FieldError[] = [];
  for (const [name, values] of query) {
    if (errors.length >= MAX_REPORTED) break;
    if (name.includes(NUL)) errors.push(nulError('query'));
    else if (values.some((value) => value.includes(NUL))) errors.push(nulError(readableField('query', '', name)));
  }
  return errors;
}
