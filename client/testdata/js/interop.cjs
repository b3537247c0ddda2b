// The JavaScript half of client/interop_test.go. It reads from stdin what
// the Go side made (cipher objects, signed envelopes, .sig files, profile
// tokens and files, auth tokens), checks each with the pinned @stacks
// packages, and writes to stdout the verdicts plus fresh JS-made artifacts
// for the Go side to check. Any exception is a failure of the test.
'use strict';
const enc = require('@stacks/encryption');
const { verifyProfileToken, wrapProfileToken, signProfileToken } = require('@stacks/profile');
const auth = require('@stacks/auth');
const { decodeToken } = require('jsontokens');

const hex = b => Buffer.from(b).toString('hex');
const fromHex = h => Uint8Array.from(Buffer.from(h, 'hex'));

async function check(g) {
  const v = []; // verdicts: {name, ok, detail}
  const add = (name, ok, detail) => v.push({ name, ok: !!ok, detail: detail === undefined ? '' : String(detail) });
  for (const o of g.cipherObjects) {
    try {
      const obj = JSON.parse(o.json);
      add(`${o.name}: JSON.stringify round trip`, JSON.stringify(obj) === o.json);
      const pt = await enc.decryptECIES(g.recipientSK, obj);
      const ptHex = typeof pt === 'string' ? hex(new TextEncoder().encode(pt)) : hex(pt);
      add(`${o.name}: decryptECIES`, ptHex === o.plaintext && (typeof pt === 'string') === o.wasString, ptHex.slice(0, 40));
    } catch (e) { add(`${o.name}: decryptECIES`, false, e.message); }
  }
  for (const o of g.envelopes) {
    try {
      const env = JSON.parse(o.json);
      add(`${o.name}: envelope JSON.stringify round trip`, JSON.stringify(env) === o.json);
      add(`${o.name}: signer address`, enc.publicKeyToBtcAddress(env.publicKey) === g.signerAddress, enc.publicKeyToBtcAddress(env.publicKey));
      add(`${o.name}: verifyECDSA`, enc.verifyECDSA(env.cipherText, env.publicKey, env.signature));
      const pt = await enc.decryptContent(env.cipherText, { privateKey: g.recipientSK });
      const ptHex = typeof pt === 'string' ? hex(new TextEncoder().encode(pt)) : hex(pt);
      add(`${o.name}: decryptContent`, ptHex === o.plaintext, ptHex.slice(0, 40));
    } catch (e) { add(`${o.name}: envelope`, false, e.message); }
  }
  for (const z of g.sizes) {
    const want = enc.eciesGetJsonStringLength({ contentLength: z.n, wasString: z.wasString, sign: z.sign, cipherTextEncoding: z.encoding });
    add(`EncryptedSize(${z.n}, ${z.wasString}, ${z.sign}, ${z.encoding})`, want === z.size, `${z.size} vs eciesGetJsonStringLength ${want}`);
  }
  try {
    const sig = JSON.parse(g.sigFile.sig);
    add('sig file: verifyECDSA', enc.verifyECDSA(fromHex(g.sigFile.content), sig.publicKey, sig.signature));
    add('sig file: signECDSA gives the same bytes', JSON.stringify(enc.signECDSA(g.signerSK, fromHex(g.sigFile.content))) === g.sigFile.sig);
  } catch (e) { add('sig file', false, e.message); }
  try {
    const t = verifyProfileToken(g.profile.token, g.profile.publicKey);
    add('profile token: verifyProfileToken', t.payload.claim.name === g.profile.name, JSON.stringify(t.payload.claim));
    add('profile file: wrapProfileToken + JSON.stringify', JSON.stringify([wrapProfileToken(g.profile.token)], null, 2) === g.profile.file);
  } catch (e) { add('profile token', false, e.message); }
  try {
    add('auth request: verifyAuthRequest', await auth.verifyAuthRequest(g.auth.request));
    add('auth response: verifyAuthResponse', await auth.verifyAuthResponse(g.auth.response));
    const p = decodeToken(g.auth.response).payload;
    const key = await auth.decryptPrivateKey(g.auth.transitSK, p.private_key);
    add('auth response: decryptPrivateKey', key === g.auth.appSK, key);
  } catch (e) { add('auth', false, e.message); }
  return v;
}

async function make(g) {
  const bytes = fromHex(g.plaintext);
  const cipherObjects = [];
  for (const encoding of ['hex', 'base64']) {
    cipherObjects.push({ name: `JS ${encoding}`, json: JSON.stringify(await enc.encryptECIES(g.recipientPK, bytes, false, encoding)) });
  }
  const envelopes = [];
  for (const encoding of ['hex', 'base64']) {
    envelopes.push({ name: `JS signed ${encoding}`, json: await enc.encryptContent(bytes, { publicKey: g.recipientPK, sign: g.signerSK, cipherTextEncoding: encoding }) });
  }
  const profileToken = signProfileToken({ '@type': 'Person', '@context': 'http://schema.org', name: 'From JS' }, g.identitySK);
  const transitSK = enc.makeECPrivateKey();
  const request = auth.makeAuthRequestToken(transitSK, g.origin + '/', g.origin + '/manifest.json', ['store_write'], g.origin, Date.now() + 3600e3);
  const response = await auth.makeAuthResponse(g.identitySK, { name: 'From JS' }, null, null, g.appSK, Date.now() + 3600e3,
    enc.getPublicKeyFromPrivate(transitSK), 'https://hub.example', null, null, null);
  return { cipherObjects, envelopes, sig: JSON.stringify(enc.signECDSA(g.signerSK, bytes)), profileToken, auth: { transitSK, request, response } };
}

(async () => {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const g = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  process.stdout.write(JSON.stringify({ verdicts: await check(g), made: await make(g) }));
})().catch(e => { console.error(e); process.exit(1); });
