// cvss-ref.js - score CVSS vectors with an independent implementation
// (npm ae-cvss-calculator, installed by cvss-install-refs.sh) for
// test_cvss's differential test. One vector per stdin line; one answer per
// line on stdout: "OK <score>" or "INVALID".
//   v2, v3.x: the Base Score (what moat_cvss_score returns for them);
//   v4.0: the overall score (CVSS-B, -BT, -BE or -BTE as the vector has).
// The package is lenient (it fills missing metrics with X and lets a later
// duplicate win, skips unreadable components), so a vector counts as valid
// here only when the package returns a score that needs every base metric and
// kept every component of the vector.
'use strict';
const path = require('path');
const os = require('os');
const dir = process.env.MOAT_CVSS_REF_DIR ||
    path.join(process.env.MOAT_TOOLS_DIR || path.join(os.homedir(), '.cache/moat/tools'), 'npm');
const ae = require(path.join(dir, 'node_modules', 'ae-cvss-calculator'));

function score(v) {
    let c;
    try {
        c = ae.fromVector(v);
    } catch (e) {
        return 'INVALID';
    }
    if (!c)
        return 'INVALID';
    let s;
    try {
        s = c.calculateScores();
    } catch (e) {
        return 'INVALID';
    }
    const x = v.startsWith('CVSS:4.0/') ? s.overall : s.base;
    if (typeof x !== 'number' || !Number.isFinite(x))
        return 'INVALID';
    // The package skips components it cannot read (and accepts a garbled
    // prefix): count the vector valid only if every component of it is one
    // the package holds with that value afterwards.
    const known = new Set();
    for (const [k, val] of c.getComponents())
        known.add(k.shortName + ':' + val.shortName);
    const norm = String(s.vector);
    known.add(norm.startsWith('CVSS:') ? norm.split('/')[0] : 'CVSS:2.0');
    if (!v.split('/').every((c) => known.has(c)))
        return 'INVALID';
    return 'OK ' + x.toFixed(1);
}

const chunks = [];
process.stdin.on('data', (d) => chunks.push(d));
process.stdin.on('end', () => {
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    if (lines.length && lines[lines.length - 1] === '')
        lines.pop();
    process.stdout.write(lines.map(score).join('\n') + (lines.length ? '\n' : ''));
});
