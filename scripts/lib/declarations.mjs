// Type declarations (.d.mts) for the plain-JavaScript helpers of hub.mjs, made
// from their JSDoc by the TypeScript compiler, so that TypeScript code (the
// tests in tests/infra) can import them under the workspace's strict settings.
// The helpers stay JavaScript because hub.mjs must run before anything is
// installed. tests/infra checks that the committed files are current.
//
//   node scripts/lib/declarations.mjs --write    regenerate after editing a helper
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const libDir = fileURLToPath(new URL('.', import.meta.url));

/** @param {string} source file name of the helper, e.g. "db.mjs" */
function header(source) {
  return `// Generated from ${source} by scripts/lib/declarations.mjs; do not edit.\n`;
}

/**
 * Compiles every helper's declarations in memory.
 * @returns {Promise<Map<string, string>>} declaration file name (e.g. "db.d.mts") → content
 */
export async function emitDeclarations() {
  const ts = (await import('typescript')).default;
  const sources = readdirSync(libDir)
    .filter((name) => name.endsWith('.mjs'))
    .sort();
  /** @type {import('typescript').CompilerOptions} */
  const options = {
    allowJs: true,
    checkJs: true,
    declaration: true,
    emitDeclarationOnly: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    outDir: join(libDir, '.declarations'),
    newLine: ts.NewLineKind.LineFeed,
  };
  const host = ts.createCompilerHost(options);
  // Hide the committed declarations: the helpers' types must come from their
  // JSDoc, never from a stale .d.mts next to them.
  const committed = (/** @type {string} */ file) => file.startsWith(libDir) && file.endsWith('.d.mts');
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => !committed(file) && fileExists(file);

  const program = ts.createProgram(
    sources.map((name) => join(libDir, name)),
    options,
    host,
  );
  const problems = ts.getPreEmitDiagnostics(program);
  if (problems.length > 0) {
    throw new Error(ts.formatDiagnostics(problems, host));
  }
  /** @type {Map<string, string>} */
  const out = new Map();
  program.emit(undefined, (fileName, text) => {
    const name = basename(fileName);
    out.set(name, header(name.replace(/\.d\.mts$/, '.mjs')) + text);
  });
  return out;
}

/**
 * The committed declaration files, for comparison.
 * @returns {Map<string, string>}
 */
export function readCommittedDeclarations() {
  /** @type {Map<string, string>} */
  const out = new Map();
  for (const name of readdirSync(libDir).filter((file) => file.endsWith('.d.mts')).sort()) {
    out.set(name, readFileSync(join(libDir, name), 'utf8'));
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const write = process.argv.includes('--write');
  const fresh = await emitDeclarations();
  const current = readCommittedDeclarations();
  let stale = 0;
  for (const [name, text] of fresh) {
    if (current.get(name) === text) continue;
    stale += 1;
    if (write) writeFileSync(join(libDir, name), text);
    console.log(`${write ? 'wrote' : 'stale'}: scripts/lib/${name}`);
  }
  if (!write && stale > 0) {
    console.log('run: node scripts/lib/declarations.mjs --write');
    process.exitCode = 1;
  }
}
