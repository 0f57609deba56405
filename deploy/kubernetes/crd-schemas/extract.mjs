#!/usr/bin/env node
// Turns an operator's CustomResourceDefinition YAML into the JSON schema the
// infra tests validate our resources against (tests/infra/kubernetes.test.ts):
// the served version's openAPIV3Schema, without its descriptions (most of the
// file's weight, no rule in them).
//
//   node deploy/kubernetes/crd-schemas/extract.mjs <crd.yaml> <source> <tag> <commit> > <group>_<plural>.<version>.json
//
// The sources, tags and commits of the vendored files are listed in README.md.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const [file, source, tag, commit] = process.argv.slice(2);
if (file === undefined || source === undefined || tag === undefined || commit === undefined) {
  console.error('usage: extract.mjs <crd.yaml> <source repository> <tag> <commit>');
  process.exit(2);
}
const crd = parse(readFileSync(file, 'utf8'));
const version = crd.spec.versions.find((candidate) => candidate.served && candidate.storage);

/** Drops `description` annotations from a schema and its sub-schemas (never a property named description). */
function strip(schema) {
  if (Array.isArray(schema)) return schema.map(strip);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' && typeof value === 'string') continue;
    if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, strip(sub)]));
    } else {
      out[key] = strip(value);
    }
  }
  return out;
}

process.stdout.write(
  `${JSON.stringify({
    source,
    tag,
    commit,
    apiVersion: `${crd.spec.group}/${version.name}`,
    kind: crd.spec.names.kind,
    schema: strip(version.schema.openAPIV3Schema),
  })}\n`,
);
