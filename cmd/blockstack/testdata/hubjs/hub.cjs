// Drives the published Stacks storage client, @stacks/storage (pinned in
// package.json), against the Gaia hub at process.argv[2], as an app does:
// the client makes its own tokens (connectToGaiaHub) and does its own
// encryption and signing (@stacks/encryption). It writes, overwrites,
// lists, reads and deletes, and prints what it saw as JSON (the last line) for
// TestHubStacksStorageClient to check; the test checks the hub side.
const { AppConfig, UserSession } = require('@stacks/auth');
const { Storage } = require('@stacks/storage');
const { getPublicKeyFromPrivate, publicKeyToBtcAddress } = require('@stacks/encryption');

async function main() {
  const [hubUrl, appPrivateKey] = process.argv.slice(2);
  const session = new UserSession({ appConfig: new AppConfig(['store_write'], 'http://127.0.0.1:1') });
  const data = session.store.getSessionData();
  data.userData = { appPrivateKey, hubUrl, identityAddress: '', profile: {} };
  session.store.setSessionData(data);
  const storage = new Storage({ userSession: session });
  const out = { address: publicKeyToBtcAddress(getPublicKeyFromPrivate(appPrivateKey)) };

  out.secretURL = await storage.putFile('notes/secret.json', 'the secret of the JS client'); // encrypted by default
  out.publicURL = await storage.putFile('public/hello.txt', 'hello', { encrypt: false, contentType: 'text/plain' });
  await storage.putFile('public/hello.txt', 'hello, again', { encrypt: false, contentType: 'text/plain' }); // If-Match
  await storage.putFile('public/signed.json', '{"n":1}', { encrypt: false, sign: true });
  out.secret = await storage.getFile('notes/secret.json');
  out.hello = await storage.getFile('public/hello.txt', { decrypt: false });
  out.signed = await storage.getFile('public/signed.json', { decrypt: false, verify: true });
  out.listed = [];
  out.count = await storage.listFiles(name => { out.listed.push(name); return true; });
  await storage.deleteFile('public/hello.txt');
  await storage.deleteFile('public/signed.json', { wasSigned: true });
  out.afterDelete = [];
  await storage.listFiles(name => { out.afterDelete.push(name); return true; });
  try {
    await storage.getFile('public/hello.txt', { decrypt: false });
    out.deletedRead = 'found';
  } catch (e) {
    out.deletedRead = e.code || e.name || String(e);
  }
  // The last line: the library logs its requests on stdout before it.
  process.stdout.write('\n' + JSON.stringify(out) + '\n');
}

main().catch(e => { console.error(e); process.exit(1); });
