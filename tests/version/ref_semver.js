// ref_semver.js MODE - reference for the semver and Go differential tests:
// npm's semver package (semver.compare, loose:false), installed by
// install-refs.sh under ~/.cache/moat/tools/npm. Reads "a<TAB>b" lines,
// prints "a<TAB>b<TAB>R<TAB>semver-X" with R = -1, 0, 1 or E (invalid).
// MODE "go": golang.org/x/mod/semver's syntax on top: a leading 'v' is
// required and "vN" / "vN.M" stand for vN.0.0 / vN.M.0 (Go's documented
// shorthands); everything else, including ordering, is semver 2.0.0.
'use strict'
const path = require('path')
const os = require('os')
const base = process.env.MOAT_NPM_TOOLS || path.join(os.homedir(), '.cache', 'moat', 'tools', 'npm')
const semver = require(path.join(base, 'node_modules', 'semver'))
const version = require(path.join(base, 'node_modules', 'semver', 'package.json')).version
const go = process.argv[2] === 'go'

function prep (v) {
  if (!go) return v
  if (!/^v/.test(v)) return null
  if (/^v(0|[1-9][0-9]*)$/.test(v)) return v + '.0.0'
  if (/^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/.test(v)) return v + '.0'
  if (/\s/.test(v)) return null
  return v
}

const lines = require('fs').readFileSync(0, 'latin1').split('\n')
const out = []
for (const line of lines) {
  if (line === '') continue
  const [a, b] = line.split('\t')
  let r
  try {
    const x = prep(a)
    const y = prep(b)
    r = (x === null || y === null) ? 'E' : semver.compare(x, y, false)
  } catch (e) {
    r = 'E'
  }
  out.push(`${a}\t${b}\t${r}\tsemver-${version}`)
}
process.stdout.write(out.join('\n') + '\n')
