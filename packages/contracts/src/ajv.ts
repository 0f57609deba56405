import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';

/**
 * A JSON Schema draft 2020-12 validator configured the way every schema of this package is
 * checked: strict (unknown keywords and loose types are errors, so a typo in a schema cannot
 * silently accept anything), all errors reported, formats (uuid, date-time, uri-reference…) enforced.
 *
 * Internal: callers compile once and keep the validate functions.
 */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    // Nullable values are written `type: ['string', 'null']`, which strict mode refuses unless allowed.
    allowUnionTypes: true,
    allErrors: true,
    // Error messages never quote the rejected data, so they are safe to log.
    verbose: false,
  });
  // ajv-formats is CommonJS: under NodeNext its default import is `module.exports`, whose `default` is the plugin.
  formatsModule.default(ajv);
  return ajv;
}
