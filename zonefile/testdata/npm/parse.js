// parse.js reads the zone files named on the command line with both pinned
// versions of the npm zone-file package and prints, as one JSON object per
// file and version, what they found: the origin, the TTL and the records
// grouped by type (the package groups them; order within a type is file
// order). TestNPMParsesOurs runs it on zone files that Format wrote.
'use strict';
const fs = require('fs');

const libs = { v1: require('zone-file'), v2: require('zone-file-v2') };

const fields = {
  soa: (r) => [r.mname, r.rname, r.serial, r.refresh, r.retry, r.expire, r.minimum],
  ns: (r) => [r.host], mx: (r) => [r.preference, r.host], a: (r) => [r.ip], aaaa: (r) => [r.ip],
  cname: (r) => [r.alias], ptr: (r) => [r.host], txt: (r) => [].concat(r.txt),
  srv: (r) => [r.priority, r.weight, r.port, r.target], uri: (r) => [r.priority, r.weight, r.target],
};

const out = {};
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, 'utf8');
  out[file] = {};
  for (const [v, lib] of Object.entries(libs)) {
    const zf = lib.parseZoneFile(text);
    const records = {};
    for (const [g, get] of Object.entries(fields)) {
      const recs = g === 'soa' ? (zf.soa ? [zf.soa] : []) : zf[g] || [];
      if (recs.length) {
        records[g.toUpperCase()] = recs.map((r) => ({ name: r.name, ttl: r.ttl === undefined ? null : r.ttl, data: get(r).map(String) }));
      }
    }
    out[file][v] = { origin: zf.$origin === undefined ? null : zf.$origin, ttl: zf.$ttl === undefined ? null : zf.$ttl, records };
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
