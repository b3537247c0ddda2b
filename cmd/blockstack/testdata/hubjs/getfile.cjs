// Reads files of a user's app bucket as an app that knows only the user's
// name does, through the published @stacks/storage: getFile(path,
// {username, app, decrypt: false, verify}), which resolves the name through
// the node's /v1/names (zone file → profile → apps[app]) and reads the file
// from the bucket URL the profile lists. Arguments: the node's API URL, the
// name, the app origin, then paths (a path ending in "!" is read with
// verify: true and the "!" dropped). Prints {urls, contents} as JSON on its
// last line, for TestGaiaMigrateDevnet.
//
// @stacks/profile 7 checks a profile's signer against the name's owner in
// its Stacks (c32) form; a BNS v1 owner is a Bitcoin address. The node
// serves its records with the owner in that form under /stacks
// (/stacks/v1/names/{name}), which is what an app on @stacks/* 7 is given
// as its coreNode: this script looks names up there, as such an app does.
const { AppConfig, UserSession } = require('@stacks/auth');
const { Storage } = require('@stacks/storage');

async function main() {
  const [apiUrl, username, app, ...paths] = process.argv.slice(2);
  const coreNode = `${apiUrl.replace(/\/$/, '')}/stacks`;
  const session = new UserSession({ appConfig: new AppConfig(['store_write'], app, '/', '/manifest.json', coreNode) });
  const storage = new Storage({ userSession: session });
  const out = { urls: {}, contents: {} };
  for (let path of paths) {
    const verify = path.endsWith('!');
    path = verify ? path.slice(0, -1) : path;
    const opts = { username, app, decrypt: false, verify };
    out.urls[path] = await storage.getFileUrl(path, opts);
    const content = await storage.getFile(path, opts);
    out.contents[path] = typeof content === 'string' ? content : Buffer.from(content).toString();
  }
  process.stdout.write('\n' + JSON.stringify(out) + '\n');
}

main().catch(e => { console.error(e); process.exit(1); });
