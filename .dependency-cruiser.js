// Layering rules of DESIGN §1, checked by dependency-cruiser: which folder of src/ may import which, no
// import circles, SQL drivers only in storage/, no src/ import from test/, no node I/O in the pure layers.
//
// Why dependency-cruiser: it resolves TypeScript imports the way tsc does (type-only imports included, so an
// interface counts in the layer it lives in), states folder rules as data and finds circles.
// 17.4.3 is the newest line that still runs on Node 20 (18.x needs Node 22).
//
// Allowed imports inside src/ (a unit may always import itself; npm packages and node: modules are free
// except where a rule below says otherwise):
//
//   unit                 may import (src/ units)
//   -------------------  ---------------------------------------------------------------------------------
//   protocol/            (nothing)
//   crypto/              protocol
//   auth/                protocol crypto
//   state/               protocol crypto auth
//   storage/             protocol crypto auth state
//   rooms/               protocol crypto auth state storage
//   http/                protocol                                   (the Koa shell both APIs share)
//   metrics/             protocol storage http
//   config.ts            protocol http (defaults of the HTTP shell's limits)
//   federation/ (*)      protocol crypto auth state storage rooms http metrics config
//   federation/server/   the above + federation/
//   federation/index.ts  the above + federation/server/            (the folder's barrel)
//   light/               protocol crypto auth state storage http federation/{client,discovery,server}
//   client-api/          protocol crypto auth state storage rooms http metrics config federation/ (*)
//   admin/               protocol crypto auth state storage rooms http metrics config
//   conformance/         protocol crypto auth state http config federation/{client,discovery}
//   homeserver.ts        everything above
//   index.ts             everything above + testing/                 (the package's public surface)
//   testing/             everything above except index.ts, + testbed/ (what users import into tests)
//   testbed/             everything above except index.ts, + testing/
//   cli/                 everything
//   A src/ module in none of these units fails `unit-in-table`: a new folder needs its row first.
//   (*) federation/ = federation/ without federation/server/: client, discovery, sender, sync, and the
//       root files (pdu-intake, remote-join, remote-invite, x-matrix). Only federation/server/, light/, the
//       barrel, homeserver.ts, index.ts, testing/, testbed/ and cli/ may reach into federation/server/.
//
// `npm run lint` runs it (strict, no baseline; scripts/lint.sh), and .ci/run calls that.
'use strict';

/** One entry per unit: the path regex that names it and the units it may import. */
const FED_NOT_SERVER = '^src/federation/(?!server/|index\\.ts$)';
const FED_OUTWARD = '^src/federation/(client|discovery)/';
const UNITS = {
  protocol: { path: '^src/protocol/', may: [] },
  crypto: { path: '^src/crypto/', may: ['protocol'] },
  auth: { path: '^src/auth/', may: ['protocol', 'crypto'] },
  state: { path: '^src/state/', may: ['protocol', 'crypto', 'auth'] },
  storage: { path: '^src/storage/', may: ['protocol', 'crypto', 'auth', 'state'] },
  rooms: { path: '^src/rooms/', may: ['protocol', 'crypto', 'auth', 'state', 'storage'] },
  http: { path: '^src/http/', may: ['protocol'] },
  metrics: { path: '^src/metrics/', may: ['protocol', 'storage', 'http'] },
  config: { path: '^src/config\\.ts$', may: ['protocol', 'http'] },
  federation: {
    path: FED_NOT_SERVER,
    may: ['protocol', 'crypto', 'auth', 'state', 'storage', 'rooms', 'http', 'metrics', 'config'],
  },
  'federation-server': {
    path: '^src/federation/server/',
    may: ['protocol', 'crypto', 'auth', 'state', 'storage', 'rooms', 'http', 'metrics', 'config', 'federation'],
  },
  // The folder's barrel re-exports server/ too, so only units that may reach server/ may import it.
  'federation-index': {
    path: '^src/federation/index\\.ts$',
    may: ['protocol', 'crypto', 'auth', 'state', 'storage', 'rooms', 'http', 'metrics', 'config', 'federation', 'federation-server'],
  },
  light: {
    path: '^src/light/',
    // federation/server: the light server serves its key, /version, /event and /send with the same Koa shell.
    may: ['protocol', 'crypto', 'auth', 'state', 'storage', 'http', FED_OUTWARD, 'federation-server'],
  },
  'client-api': {
    path: '^src/client-api/',
    may: ['protocol', 'crypto', 'auth', 'state', 'storage', 'rooms', 'http', 'metrics', 'config', 'federation'],
  },
  admin: {
    path: '^src/admin/',
    may: ['protocol', 'crypto', 'auth', 'state', 'storage', 'rooms', 'http', 'metrics', 'config'],
  },
  conformance: {
    path: '^src/conformance/',
    may: ['protocol', 'crypto', 'auth', 'state', 'http', 'config', FED_OUTWARD],
  },
};
const BELOW_HOMESERVER = Object.keys(UNITS);
Object.assign(UNITS, {
  homeserver: { path: '^src/homeserver\\.ts$', may: BELOW_HOMESERVER },
  testing: { path: '^src/testing/', may: [...BELOW_HOMESERVER, 'homeserver', 'testbed'] },
  testbed: { path: '^src/testbed/', may: [...BELOW_HOMESERVER, 'homeserver', 'testing'] },
  index: { path: '^src/index\\.ts$', may: [...BELOW_HOMESERVER, 'homeserver', 'testing'] },
  cli: { path: '^src/cli/', may: [...BELOW_HOMESERVER, 'homeserver', 'testing', 'testbed', 'index'] },
});

/** A `may` entry is a unit name or, for a part of a unit, a path regex of its own. */
const pathOf = (entry) => (UNITS[entry] ? UNITS[entry].path : entry);

const layerRules = Object.entries(UNITS).map(([name, unit]) => ({
  name: `layer-${name}`,
  comment: `src/${name} may import only: ${unit.may.join(', ') || 'nothing in src/'} (DESIGN §1; table in .dependency-cruiser.js)`,
  severity: 'error',
  from: { path: unit.path },
  to: { path: '^src/', pathNot: [unit.path, ...unit.may.map(pathOf)] },
}));

// Node modules that do I/O; protocol/, auth/ and state/ are pure (DESIGN §1), node:crypto hashing is fine.
const NODE_IO = '^(node:)?(fs|fs/promises|net|http|https|http2|dgram|dns|dns/promises|tls|child_process|cluster|worker_threads|readline)$';

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'unit-in-table',
      comment: 'Every src/ module belongs to a unit of the layer table: add a row for a new folder.',
      severity: 'error',
      from: { path: '^src/', pathNot: Object.values(UNITS).map((unit) => unit.path) },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'Dependencies point downwards only (DESIGN §1): an import circle means two layers are one.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'sql-only-in-storage',
      comment: 'kysely and better-sqlite3 (and the SQL table shapes) live only under src/storage/ (DESIGN §1).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/storage/' },
      to: { path: ['(^|/)node_modules/(@types/)?(kysely|better-sqlite3)/', '^src/storage/database-schema\\.ts$'] },
    },
    {
      name: 'no-src-from-test',
      comment: 'The package ships src/ without test/: production code must not import the suite.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'pure-layers-no-io',
      comment: 'protocol/, auth/ and state/ are pure (DESIGN §1): no filesystem or network modules.',
      severity: 'error',
      from: { path: '^src/(protocol|auth|state)/' },
      to: { dependencyTypes: ['core'], path: NODE_IO },
    },
    {
      name: 'src-no-dev-dependencies',
      comment: 'Production code runs after `npm ci --omit=dev`: a devDependency at run time would break it.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage)/' },
    // Type-only imports count: an interface belongs to the layer it is declared in.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['require', 'node', 'default'],
      extensions: ['.ts', '.js', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
