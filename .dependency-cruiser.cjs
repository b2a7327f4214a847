// The layers of src/ and the imports they may make (issue #12). An arrow means "may be imported by":
//
//   domain ← diagnostics ← storage ← ingest / security ← http / app (src/app.ts) / cli
//
// so each layer imports only layers to its left; ingest and security do not import each other; and nothing
// below the top layer imports http, app or cli. Type-only imports count: they are dependencies too.
// Run: npm run lint:deps (part of .ci/run).

const DOMAIN = '^src/domain/';
const DIAGNOSTICS = '^src/diagnostics/';
const STORAGE = '^src/storage/';
const INGEST = '^src/ingest/';
const SECURITY = '^src/security/';
/** The top layer: HTTP, the composition root, the command line. */
const TOP = ['^src/http/', '^src/app[.]ts$', '^src/cli/'];

const rule = (name, comment, from, to, exempt = []) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from, ...(exempt.length ? { pathNot: exempt } : {}) },
  to: { path: to },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle ties its modules into one: none may be understood, tested or changed alone.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    rule(
      'domain-is-innermost',
      'The domain (readings, wells, alarms, identity, events) depends on no other layer.',
      DOMAIN,
      [DIAGNOSTICS, STORAGE, INGEST, SECURITY, ...TOP],
    ),
    rule(
      'diagnostics-on-domain-only',
      'The engine works on domain types: no storage, transports, HTTP or app.',
      DIAGNOSTICS,
      [STORAGE, INGEST, SECURITY, ...TOP],
    ),
    rule(
      'storage-below-services',
      'Storage knows the domain (and the engine types it stores), not who calls it.',
      STORAGE,
      [INGEST, SECURITY, ...TOP],
    ),
    rule(
      'ingest-not-security',
      'Ingest and security are side by side: the credential check reaches ingest as an interface.',
      INGEST,
      [SECURITY],
    ),
    rule(
      'security-not-ingest',
      'Ingest and security are side by side: neither imports the other.',
      SECURITY,
      [INGEST],
    ),
    rule(
      'services-not-top',
      'Ingest and security are used by HTTP, the app and the CLI, never the other way round.',
      [INGEST, SECURITY],
      TOP,
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    // Type-only imports are dependencies of the design even though they vanish at run time.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
