// Reads files of a user's app bucket as an app that knows only the user's
// name does, through the published @stacks/storage: getFile(path,
// {username, app, decrypt: false, verify}), which resolves the name through
// the node's /v1/names (zone file → profile → apps[app]) and reads the file
// from the bucket URL the profile lists. Arguments: the node's API URL, the
// name, the app origin, then paths (a path ending in "!" is read with
// verify: true and the "!" dropped). Prints {urls, contents} as JSON on its
// last line, for TestGaiaMigrateDevnet.
//
// @stacks/profile 7 checks a profile's signer against the address the node
// gives in its Stacks (c32) form; a BNS v1 owner is a Bitcoin address. The
// fetch wrapper below gives the library the same hash160 in the form it
// compares (b58ToC32 with the mainnet single-signature version, as
// getAddressFromPublicKey derives it), and nothing else changes.
const { AppConfig, UserSession } = require('@stacks/auth');
const { Storage } = require('@stacks/storage');
const { b58ToC32 } = require('c32check');

async function main() {
  const [apiUrl, username, app, ...paths] = process.argv.slice(2);
  const lookupPrefix = `${apiUrl.replace(/\/$/, '')}/v1/names`;
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input.url;
    const res = await realFetch(input, init);
    if (!url.startsWith(lookupPrefix + '/') || !res.ok) {
      return res;
    }
    const rec = await res.json();
    rec.address = b58ToC32(rec.address, 22);
    return new Response(JSON.stringify(rec), { status: 200, headers: { 'Content-Type': 'application/json' } });
  };
  const session = new UserSession({ appConfig: new AppConfig(['store_write'], app) });
  const storage = new Storage({ userSession: session });
  const out = { urls: {}, contents: {} };
  for (let path of paths) {
    const verify = path.endsWith('!');
    path = verify ? path.slice(0, -1) : path;
    const opts = { username, app, decrypt: false, verify, zoneFileLookupURL: lookupPrefix };
    out.urls[path] = await storage.getFileUrl(path, opts);
    const content = await storage.getFile(path, opts);
    out.contents[path] = typeof content === 'string' ? content : Buffer.from(content).toString();
  }
  process.stdout.write('\n' + JSON.stringify(out) + '\n');
}

main().catch(e => { console.error(e); process.exit(1); });
