/** Small helpers shared by the contract tests. */

export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Visits every object node of a JSON value with its JSON pointer. */
export function walkObjects(node: unknown, visit: (value: JsonObject, pointer: string) => void, pointer = ''): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => walkObjects(item, visit, `${pointer}/${index}`));
    return;
  }
  if (!isObject(node)) return;
  visit(node, pointer);
  for (const [key, value] of Object.entries(node)) {
    walkObjects(value, visit, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  }
}

/** Resolves a local JSON pointer (`#/a/b`) in `document`; undefined when it leads nowhere. */
export function resolvePointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  const path = ref.slice(1);
  if (path === '') return document;
  let current: unknown = document;
  for (const raw of path.slice(1).split('/')) {
    const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isObject(current)) current = current[segment];
    else return undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

/** Whether a schema node's `type` includes `name`. */
export function hasType(schema: JsonObject, name: string): boolean {
  const type = schema['type'];
  return type === name || (Array.isArray(type) && type.includes(name));
}
