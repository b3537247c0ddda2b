// gen.js writes fixtures/: zone files made by the npm zone-file package
// (both pinned versions) with the templates Blockstack's tools use, and for
// each case an .expect.json listing the records in the order the template
// prints them. The Go test TestNPMFixtures parses every .txt and compares.
// Run: npm ci && node gen.js  (output is deterministic: no clock is used).
'use strict';
const fs = require('fs');
const path = require('path');

const libs = { v1: require('zone-file'), v2: require('zone-file-v2') };

// The templates, as the apps that write Blockstack zone files pass them.
const templates = {
  // blockstack.js and @stacks/profile makeProfileZoneFile.
  profile: '{$origin}\n{$ttl}\n{uri}\n',
  // subdomain-registrar makeUpdateZonefile.
  registrar: '{$origin}\n{$ttl}\n{txt}{uri}',
};

// subdomainOp is the registrar's TXT record for one subdomain operation:
// the subdomain's zone file in base64, cut into 250-character pieces.
function subdomainOp(name, owner, seqn, zonefile, sig) {
  const b64 = Buffer.from(zonefile).toString('base64');
  const pieces = [];
  for (let i = 0; i < b64.length; i += 250) pieces.push(b64.slice(i, i + 250));
  const txt = [`owner=${owner}`, `seqn=${seqn}`, `parts=${pieces.length}`];
  pieces.forEach((p, i) => txt.push(`zf${i}=${p}`));
  if (sig) txt.push(`sig=${sig}`);
  return { name, txt };
}

const profileOf = (origin, url) =>
  libs.v1.makeZoneFile(
    { $origin: origin, $ttl: 3600, uri: [{ name: '_http._tcp', priority: 10, weight: 1, target: url }] },
    templates.profile
  );

const cases = {
  profile: {
    template: templates.profile,
    zf: {
      $origin: 'alice.id',
      $ttl: 3600,
      uri: [{ name: '_http._tcp', priority: 10, weight: 1, target: 'https://gaia.blockstack.org/hub/1HmPgR3qgaAe9k6ZjyvU3Vgp5DSRDQ6eQx/profile.json' }],
    },
  },
  registrar: {
    template: templates.registrar,
    zf: {
      $origin: 'registrar.id',
      $ttl: 3600,
      txt: [
        subdomainOp('bob', '1KDVpHZ3hYqCAgPEv3DkqW8REEXfmDFkDz', 0,
          profileOf('bob.registrar.id', 'https://gaia.blockstack.org/hub/1KDVpHZ3hYqCAgPEv3DkqW8REEXfmDFkDz/profile.json')),
        // A long subdomain zone file: several zf pieces, and a signature.
        subdomainOp('carol', '1CjnHwmDsXxdSu9BUpMP6U5x2iPRHzXDzT', 3,
          profileOf('carol.registrar.id', 'https://hub.example.org/' + 'x'.repeat(400) + '/profile.json'),
          'RzBFAiEA2iu+eAtd8hM3d2xbO4MQQGkMjYz3Vv4Lp5hEvtNcRP0CIBPPNv6W5LBvq+4dWXqnPVvbuW0Ap5ulMNbp6bnZ3qKYAQ=='),
      ],
      uri: [
        { name: '_resolver', priority: 10, weight: 1, target: 'https://registrar.example.org' },
        { name: '_http._tcp', priority: 10, weight: 1, target: 'https://gaia.blockstack.org/hub/1CjnHwmDsXxdSu9BUpMP6U5x2iPRHzXDzT/profile.json' },
      ],
    },
  },
  // The default template, with every record type the npm package can also
  // read back (its SPF reader drops the data it writes, so SPF is left out).
  full: {
    template: undefined,
    zf: {
      $origin: 'example.com.',
      $ttl: 86400,
      soa: { mname: 'ns1.example.com.', rname: 'hostmaster.example.com.', serial: 2017010101, refresh: 3600, retry: 600, expire: 604800, minimum: 86400 },
      ns: [{ host: 'ns1.example.com.' }, { host: 'ns2.example.com.' }],
      mx: [{ preference: 0, host: 'mail1' }, { name: 'sub', ttl: 300, preference: 10, host: 'mail2.example.com.' }],
      a: [{ name: '@', ip: '192.0.2.1' }, { name: 'www', ttl: 60, ip: '192.0.2.2' }],
      aaaa: [{ ip: '2001:db8::1' }, { name: 'www', ip: '2001:db8::2' }],
      cname: [{ name: 'ftp', alias: 'www' }],
      ptr: [{ name: '1', host: 'host1.example.com.' }],
      txt: [
        { name: 'pubkey', txt: 'pubkey:data:0279fd6b26e5aa4b2b1cc1c4d41e50ad5ba01e44cbc3e7e4e0e53ec3c72b3d2b4a' },
        { name: 'multi', ttl: 120, txt: ['first string', 'second=2', 'third'] },
      ],
      srv: [{ name: '_xmpp._tcp', priority: 10, weight: 5, port: 5222, target: 'xmpp.example.com.' }],
      uri: [{ name: '_http._tcp', priority: 1, weight: 10, target: 'https://example.com/profile.json' }],
    },
  },
};

// The order makeZoneFile prints record groups in: that of the template.
const defaultTemplate = require('zone-file/lib/zoneFileTemplate').getZoneFileTemplate();
const groups = ['soa', 'ns', 'mx', 'a', 'aaaa', 'cname', 'ptr', 'txt', 'srv', 'uri'];

// expected lists the records as the Go test sees them: owner, TTL (null if
// none), type, and the data fields in presentation order.
function expected(zf, template) {
  const order = groups.filter((g) => template.includes('{' + g + '}') || (g === 'soa' && template.includes('{mname}')));
  order.sort((x, y) => template.indexOf(x === 'soa' ? '{mname}' : '{' + x + '}') - template.indexOf(y === 'soa' ? '{mname}' : '{' + y + '}'));
  const records = [];
  for (const g of order) {
    const recs = g === 'soa' ? (zf.soa ? [zf.soa] : []) : zf[g] || [];
    for (const r of recs) {
      const data = {
        soa: () => [r.mname, r.rname, r.serial, r.refresh, r.retry, r.expire, r.minimum],
        ns: () => [r.host], mx: () => [r.preference, r.host], a: () => [r.ip], aaaa: () => [r.ip],
        cname: () => [r.alias], ptr: () => [r.host], txt: () => [].concat(r.txt),
        srv: () => [r.priority, r.weight, r.port, r.target], uri: () => [r.priority, r.weight, r.target],
      }[g]().map(String);
      records.push({ name: r.name || '@', ttl: r.ttl || null, type: g.toUpperCase(), data });
    }
  }
  return { origin: zf.$origin, ttl: zf.$ttl, records };
}

const out = path.join(__dirname, 'fixtures');
fs.mkdirSync(out, { recursive: true });
for (const [name, c] of Object.entries(cases)) {
  const template = c.template || defaultTemplate;
  fs.writeFileSync(path.join(out, name + '.expect.json'), JSON.stringify(expected(c.zf, template), null, 2) + '\n');
  for (const [v, lib] of Object.entries(libs)) {
    // makeZoneFile fills the SOA placeholders in place, so each call gets a copy.
    const text = lib.makeZoneFile(JSON.parse(JSON.stringify(c.zf)), template);
    fs.writeFileSync(path.join(out, `${name}.${v}.txt`), text);
  }
}
