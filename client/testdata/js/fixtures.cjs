// Writes the JS-made fixtures the Go tests read (../keychain.json,
// ../ecies.json, ../profile.json, ../auth.json) with the pinned packages of
// package.json. Run from this folder after `npm ci`: node fixtures.cjs
// The ECIES, profile and auth fixtures hold random ephemeral keys, IVs and
// JWT ids, so each run writes different (equally valid) files.
'use strict';
const fs = require('fs');
const path = require('path');
const { generateWallet, generateNewAccount, getAppPrivateKey } = require('@stacks/wallet-sdk');
const enc = require('@stacks/encryption');
const { signProfileToken, wrapProfileToken } = require('@stacks/profile');
const { makeAuthRequestToken, makeAuthResponse } = require('@stacks/auth');
const { entropyToMnemonic } = require('@scure/bip39');
const { wordlist } = require('@scure/bip39/wordlists/english');

const out = name => path.join(__dirname, '..', name);
const write = (name, obj) => fs.writeFileSync(out(name), JSON.stringify(obj, null, 2) + '\n');
const utf8 = s => new TextEncoder().encode(s);
const hex = b => Buffer.from(b).toString('hex');

// Keys shared with the Go tests.
const recipientSK = 'a5c61c6ca7b3e7e55edee68566aeab22e4da26baa285c7bd10e8d2218aa3b229';
const recipientPK = '027d28f9951ce46538951e3697c62588a87f1f1f295de4a14fdd4c780fc52cfe69';
const signerSK = 'c3a1b1f8d6c0b47d9f1c1ad8e2dbd3b7d0f6e4c88b53f8b8d2a6e3a0f4c5b6d7';
const identitySK = '9f6b8e1c0d2a4b3c5e7f6a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d';
const transitSK = '4bdf2e6b1a9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e';
const appSK = '1c2b3a4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b';

async function keychain() {
  const mnemonics = [
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
    entropyToMnemonic(Uint8Array.from({ length: 32 }, (_, i) => i + 1), wordlist),
  ];
  const domains = ['https://app.example.com', 'http://localhost:3000', 'https://notes.example', 'https://ünïcode.example'];
  const wallets = [];
  for (const secretKey of mnemonics) {
    let wallet = await generateWallet({ secretKey, password: 'fixture' });
    wallet = generateNewAccount(wallet);
    wallets.push({
      mnemonic: secretKey,
      salt: wallet.salt,
      accounts: wallet.accounts.map(a => ({
        index: a.index,
        dataPrivateKey: a.dataPrivateKey,
        appKeys: Object.fromEntries(domains.map(d => [d, getAppPrivateKey({ account: a, appDomain: d })])),
      })),
    });
  }
  const strings = ['', 'a', 'hello', 'https://app.example.com', '日本語', '😀x', 'f'.repeat(64), 'zzzzzzzzzzzzzzzzzzzzzzzzzzzz'];
  write('keychain.json', {
    source: '@stacks/wallet-sdk 7.4.0 generateWallet, generateNewAccount, getAppPrivateKey; @stacks/encryption 7.6.0 hashCode',
    wallets,
    hashCode: strings.map(s => ({ s, hash: enc.hashCode(s) })),
  });
}

async function ecies() {
  const plain = [
    { name: 'empty string', text: '' },
    { name: 'string', text: 'hello world' },
    { name: 'unicode string', text: 'héllo wörld 😀' },
    { name: 'bytes 0..255', bytes: hex(Uint8Array.from({ length: 256 }, (_, i) => i)) },
    { name: '1000 bytes', bytes: hex(new Uint8Array(1000).fill(0x78)) },
  ];
  const objects = [];
  for (const p of plain) {
    for (const encoding of ['hex', 'base64']) {
      const content = p.text !== undefined ? utf8(p.text) : Buffer.from(p.bytes, 'hex');
      const wasString = p.text !== undefined;
      const obj = await enc.encryptECIES(recipientPK, content, wasString, encoding);
      objects.push({ name: `${p.name} (${encoding})`, json: JSON.stringify(obj), plaintext: hex(content), wasString });
      const signed = await enc.encryptContent(p.text !== undefined ? p.text : content, {
        publicKey: recipientPK, sign: signerSK, cipherTextEncoding: encoding,
      });
      objects.push({ name: `${p.name} (${encoding}, signed)`, json: signed, plaintext: hex(content), wasString, signed: true });
    }
  }
  const sigContent = 'all work and no play makes jack a dull boy';
  write('ecies.json', {
    source: '@stacks/encryption 7.6.0 encryptECIES, encryptContent, signECDSA',
    recipientSK, recipientPK, signerSK,
    signerAddress: enc.publicKeyToBtcAddress(enc.getPublicKeyFromPrivate(signerSK)),
    objects,
    signature: { content: sigContent, sig: JSON.stringify(enc.signECDSA(signerSK, sigContent)) },
  });
}

// highS says whether a JWT's r||s signature has s above n/2; jsontokens
// signs with canonical: false, so about half of its tokens do.
function highS(token) {
  const sig = Buffer.from(token.split('.')[2], 'base64url');
  const s = BigInt('0x' + sig.subarray(32).toString('hex'));
  const n = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
  return s > n / 2n;
}

function profile() {
  const person = {
    '@type': 'Person',
    '@context': 'http://schema.org',
    name: 'Alice Example',
    description: 'fixture',
    apps: { 'https://app.example.com': 'https://gaia.example/hub/1AppBucketAddr/' },
    appsMeta: { 'https://app.example.com': { storage: 'https://gaia.example/hub/1AppBucketAddr/', publicKey: recipientPK } },
  };
  const tokens = [];
  for (const wantHigh of [false, true]) {
    let t;
    do {
      person.description = 'fixture ' + Math.random();
      t = signProfileToken(person, identitySK, undefined, undefined, 'ES256K',
        new Date('2024-01-02T03:04:05.678Z'), new Date('2124-01-02T03:04:05.678Z'));
    } while (highS(t) !== wantHigh);
    tokens.push(t);
  }
  const identityPK = enc.getPublicKeyFromPrivate(identitySK);
  write('profile.json', {
    source: '@stacks/profile 7.6.0 signProfileToken, wrapProfileToken (jsontokens 4.0.1)',
    identitySK, identityPK, identityAddress: enc.publicKeyToBtcAddress(identityPK),
    tokens: tokens.map(t => ({ token: t, highS: highS(t) })),
    profileFile: JSON.stringify([wrapProfileToken(tokens[0])], null, 2),
  });
}

async function auth() {
  const exp = new Date('2100-01-01T00:00:00Z').getTime();
  const request = makeAuthRequestToken(transitSK, 'https://app.example.com/', 'https://app.example.com/manifest.json',
    ['store_write', 'publish_data'], 'https://app.example.com', exp, { extra: 'kept' });
  const transitPK = enc.getPublicKeyFromPrivate(transitSK);
  const response = await makeAuthResponse(identitySK, { '@type': 'Person', '@context': 'http://schema.org', name: 'Alice' },
    { email: 'alice@example.com', profileUrl: 'https://gaia.example/hub/1Id/profile.json' }, null, appSK, exp, transitPK,
    'https://hub.example', 'https://core.example', null, null);
  const identityPK = enc.getPublicKeyFromPrivate(identitySK);
  write('auth.json', {
    source: '@stacks/auth 7.6.0 makeAuthRequestToken, makeAuthResponse',
    transitSK, transitPK, identitySK, identityAddress: enc.publicKeyToBtcAddress(identityPK), appSK,
    request, response,
  });
}

(async () => {
  await keychain();
  await ecies();
  profile();
  await auth();
})().catch(e => { console.error(e); process.exit(1); });
