// Checks META.json against the PGXN Meta Spec v1 (its required keys, value
// types and formats: a term for names, SemVer versions, the license
// strings, the prereqs phases and relations) and against the repository:
// the same version as convert.control and the Makefile, files that exist,
// and a CHANGELOG entry for the version.  Node only, no dependencies.
// Prints "meta: N passed, N failed".
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const top = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed++;
  else { failed++; console.log(`FAIL ${name} ${detail}`); }
}

// SemVer 2.0.0 without build metadata, as the spec requires.
const semver = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
// A term: at least two characters, no whitespace, slash, backslash or colon.
const term = /^[^\s/\\:]{2,}$/;
const licenses = new Set(['agpl_3', 'apache_1_1', 'apache_2_0', 'artistic_1', 'artistic_2', 'bsd',
  'freebsd', 'gfdl_1_2', 'gfdl_1_3', 'gpl_1', 'gpl_2', 'gpl_3', 'lgpl_2_1', 'lgpl_3_0', 'mit',
  'mozilla_1_0', 'mozilla_1_1', 'openssl', 'perl_5', 'postgresql', 'qpl_1_0', 'ssleay', 'sun',
  'zlib', 'open_source', 'restricted', 'unrestricted', 'unknown']);
const isString = (v) => typeof v === 'string' && v.length > 0;
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

let meta;
try {
  meta = JSON.parse(readFileSync(join(top, 'META.json'), 'utf8'));
  check('META.json is JSON', true);
} catch (e) {
  check('META.json is JSON', false, e.message);
  process.exit(1);
}

for (const key of ['name', 'abstract', 'version', 'maintainer', 'license', 'provides', 'meta-spec'])
  check(`required key ${key}`, key in meta);
check('name is a term', term.test(meta.name ?? ''), meta.name);
check('abstract is a string', isString(meta.abstract));
check('version is SemVer', semver.test(meta.version ?? ''), meta.version);
check('maintainer is a string or strings',
  isString(meta.maintainer) || (Array.isArray(meta.maintainer) && meta.maintainer.length > 0 &&
                                meta.maintainer.every(isString)));
check('license is known', licenses.has(meta.license) ||
  (isObject(meta.license) && Object.values(meta.license).every(isString)), JSON.stringify(meta.license));
check('meta-spec version 1.0.0', meta['meta-spec']?.version === '1.0.0');
check('provides is an object', isObject(meta.provides) && Object.keys(meta.provides).length > 0);
for (const [name, ext] of Object.entries(meta.provides ?? {})) {
  check(`provides ${name}: a term`, term.test(name));
  check(`provides ${name}: file`, isString(ext.file) && existsSync(join(top, ext.file)), ext.file);
  check(`provides ${name}: SemVer`, semver.test(ext.version ?? ''), ext.version);
  if ('docfile' in ext) check(`provides ${name}: docfile`, existsSync(join(top, ext.docfile)));
}
if ('release_status' in meta)
  check('release_status', ['stable', 'testing', 'unstable'].includes(meta.release_status));
if ('tags' in meta) check('tags are strings', Array.isArray(meta.tags) && meta.tags.every(isString));
if ('prereqs' in meta) {
  const phases = new Set(['configure', 'build', 'runtime', 'test', 'develop']);
  const relations = new Set(['requires', 'recommends', 'suggests', 'conflicts']);
  for (const [phase, rels] of Object.entries(meta.prereqs)) {
    check(`prereqs phase ${phase}`, phases.has(phase));
    for (const [rel, deps] of Object.entries(rels)) {
      check(`prereqs ${phase}.${rel}`, relations.has(rel) && isObject(deps));
      for (const [dep, v] of Object.entries(deps))
        check(`prereqs ${phase}.${rel}.${dep} version`, v === '0' || semver.test(v), v);
    }
  }
}

// The repository agrees with it.
const control = readFileSync(join(top, 'convert.control'), 'utf8');
const controlVersion = /default_version = '([^']+)'/.exec(control)?.[1];
check('same version as convert.control', controlVersion === meta.version, `${controlVersion} vs ${meta.version}`);
check('same version as the extension', meta.provides?.convert?.version === meta.version);
const makefileVersion = /^EXTVERSION = (\S+)/m.exec(readFileSync(join(top, 'Makefile'), 'utf8'))?.[1];
check('same version as the Makefile', makefileVersion === meta.version, makefileVersion);
check('CHANGELOG has the version',
  readFileSync(join(top, 'CHANGELOG.md'), 'utf8').includes(`## ${meta.version}`));
check('LICENSE is the PostgreSQL License',
  readFileSync(join(top, 'LICENSE'), 'utf8').startsWith('PostgreSQL License') && meta.license === 'postgresql');

console.log(`meta: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
