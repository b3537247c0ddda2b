// The browser half of TestWebappBrowser (webapp_e2e_test.go): Debian's
// chromium, driven by playwright-core, goes through the sign-in page and
// the notes app on a devnet. Alice restores the identity that owns her
// name (desktop width), writes a note, sees it after a reload, publishes
// it, deletes another, and signs in again with her stored identity; a
// request whose redirect was changed and a replayed response are refused;
// Bob creates a new identity (phone width) and reads Alice's public note
// by her name, proved against a second node's consensus hash, and is
// refused once that node disagrees; then he finds the name in the
// explorer: by a part of it, from the search box's suggestions, and by
// the whole of it.
// Every page is photographed at both widths and must not scroll sideways.
// Any console error or uncaught exception fails the run.
//
// Input: one JSON argument (see webapp_e2e_test.go). Output: one JSON line
// on stdout with where Alice's files are, for the Go side to check on the
// hub. Progress goes to stderr.
import { chromium } from 'playwright-core';
import { join } from 'node:path';

const cfg = JSON.parse(process.argv[2]);
const viewports = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
const consoleErrors = [];
const log = msg => process.stderr.write(`browser: ${msg}\n`);

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}

// waitFor waits until selector is visible, failing at once with the
// page's own message if it shows an error instead.
async function waitFor(page, selector) {
  const visible = [...selector.split(','), '#error'].map(s => `${s.trim()}:visible`).join(', ');
  await page.locator(visible).first().waitFor();
  if (await page.locator('#error').isVisible()) {
    throw new Error(`waiting for ${selector}, the page says: ${await page.textContent('#error')}`);
  }
}

function watch(page, who) {
  page.on('console', m => {
    if (m.type() === 'error') consoleErrors.push(`${who} console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', e => consoleErrors.push(`${who} page error: ${e.message}`));
}

// shot photographs the page at both widths, checks that it does not
// scroll sideways at either, and returns to the page's own width.
async function shot(page, name, own) {
  for (const [vp, size] of Object.entries(viewports)) {
    await page.setViewportSize(size);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `${name} at ${vp} width scrolls sideways by ${overflow}px`);
    const file = join(cfg.artifacts, `${name}-${vp}.png`);
    await page.screenshot({ path: file, fullPage: true });
  }
  await page.setViewportSize(viewports[own]);
  log(`screenshot ${name}`);
}

async function newUser(browser, who, vp) {
  const context = await browser.newContext({ viewport: viewports[vp] });
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  watch(page, who);
  return { context, page };
}

// toSignIn goes from the app to the sign-in page and returns the app's
// auth request.
async function toSignIn(page) {
  await page.click('#sign-in');
  await page.waitForURL(u => u.href.startsWith(cfg.signInUrl) && u.searchParams.has('authRequest'));
  await waitFor(page, '#setup, #unlock');
  return new URL(page.url()).searchParams.get('authRequest');
}

// approve checks what the sign-in page shows of the request, approves it
// and returns the URL that brought the response back to the app.
async function approve(page, name, vp) {
  await waitFor(page, '#request');
  check(await page.textContent('#app-name') === 'Blockstack Notes', 'the manifest\'s name is shown');
  check(await page.textContent('#app-origin') === new URL(cfg.appUrl).origin, 'the app\'s origin is shown');
  check((await page.locator('#app-scopes li').count()) === 2, 'both scopes are listed');
  await shot(page, name, vp);
  const back = page.waitForRequest(r => r.isNavigationRequest() && new URL(r.url()).searchParams.has('authResponse'));
  await page.click('#approve');
  const responseURL = (await back).url();
  await page.waitForURL(u => u.origin === new URL(cfg.appUrl).origin);
  await waitFor(page, '#account');
  check(!page.url().includes('authResponse'), 'the app drops the response from its URL');
  return responseURL;
}

// forged returns token with its payload changed and its signature kept.
function forged(token, change) {
  const [header, payload, signature] = token.split('.');
  const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...change };
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

async function main() {
  const browser = await chromium.launch({
    executablePath: cfg.chromium,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const result = await run(browser);
    check(consoleErrors.length === 0, `no console errors:\n${consoleErrors.join('\n')}`);
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await browser.close();
  }
}

async function run(browser) {
  // Alice, at desktop width, restores the identity that owns her name.
  const alice = await newUser(browser, 'alice', 'desktop');
  let page = alice.page;
  await page.goto(cfg.appUrl);
  await waitFor(page, '#signed-out');
  await shot(page, '01-notes-signed-out', 'desktop');
  const authRequest = await toSignIn(page);
  await shot(page, '02-signin-setup', 'desktop');
  await page.fill('#restore-mnemonic', cfg.mnemonic);
  await page.fill('#restore-password', cfg.password);
  await page.click('#restore');
  await waitFor(page, '#identity');
  check(await page.textContent('#owner-address') === cfg.ownerAddress, 'the restored identity owns the name');
  check(await page.locator(`input[name=username][value="${cfg.name}"]`).isChecked(), `${cfg.name} is offered and chosen`);
  check((await page.textContent('#names-proof')).includes('proved against block'), 'the name offered was proved against the trusted node');
  const firstResponse = await approve(page, '03-signin-review', 'desktop');
  const aliceIs = await page.textContent('#username');
  check(aliceIs === cfg.name, `signed in as ${cfg.name}, not ${aliceIs}`);
  const bucket = await page.textContent('#bucket');
  log(`alice signed in, bucket ${bucket}`);

  const text = cfg.noteText;
  await page.fill('#note-text', text);
  await page.click('#save');
  await page.locator('#note-list .note-text', { hasText: text }).waitFor();
  await shot(page, '04-notes-written', 'desktop');
  await page.reload();
  const item = page.locator('#note-list li', { hasText: text });
  await item.waitFor();
  const notePath = await item.getAttribute('data-path');
  log(`note ${notePath} read back after reload`);

  await item.getByRole('button', { name: 'Publish' }).click();
  await item.locator('.badge', { hasText: 'public' }).waitFor();
  await shot(page, '05-notes-published', 'desktop');
  const publicPath = notePath.replace(/^notes\//, 'public/');

  // A second note, deleted again: gone from the list, also after a reload.
  const scratch = `scratch ${Date.now()}`;
  await page.fill('#note-text', scratch);
  await page.click('#save');
  const scratchItem = page.locator('#note-list li', { hasText: scratch });
  await scratchItem.getByRole('button', { name: 'Delete' }).click();
  await scratchItem.waitFor({ state: 'detached' });
  await page.reload();
  await item.waitFor();
  check(await scratchItem.count() === 0, 'a deleted note stays deleted');

  // Signing in again unlocks the identity this browser keeps encrypted.
  await page.click('#sign-out');
  await waitFor(page, '#signed-out');
  await toSignIn(page);
  await waitFor(page, '#unlock');
  check(await page.textContent('#unlock-address') === cfg.ownerAddress, 'the stored identity is offered');
  await shot(page, '06-signin-unlock', 'desktop');
  await page.fill('#unlock-password', 'not the password');
  await page.click('#unlock-submit');
  await page.locator('#error', { hasText: 'Wrong password' }).waitFor();
  await page.fill('#unlock-password', cfg.password);
  await page.click('#unlock-submit');
  await approve(page, '07-signin-review-again', 'desktop');
  await page.locator('#note-list .note-text', { hasText: text }).waitFor();
  check(!(await page.locator('#error').isVisible()), 'no error after the second sign-in');

  // A request whose redirect was changed in transit is refused, and a
  // response the app already accepted is not accepted again.
  await page.goto(`${cfg.signInUrl}?authRequest=${forged(authRequest, { redirect_uri: 'https://evil.example/' })}`);
  await page.locator('#error', { hasText: 'request is invalid' }).waitFor();
  check(await page.locator('#approve').isHidden(), 'nothing to approve in a forged request');
  await page.goto(cfg.appUrl);
  await page.click('#sign-out');
  await waitFor(page, '#signed-out');
  await page.goto(firstResponse);
  await page.locator('#error', { hasText: 'already used' }).waitFor();
  check(await page.locator('#account').isHidden(), 'a replayed response signs nobody in');

  // Bob, at phone width, creates a new identity: it owns no name.
  const bob = await newUser(browser, 'bob', 'phone');
  page = bob.page;
  await page.goto(cfg.appUrl);
  await toSignIn(page);
  await page.fill('#create-password', 'bob password 1');
  await page.fill('#create-password2', 'bob password 1');
  await page.click('#create');
  await waitFor(page, '#backup');
  check((await page.locator('#backup-words li').count()) === 24, 'a 24-word recovery phrase is shown');
  await shot(page, '08-signin-backup', 'phone');
  await page.click('#backup-done');
  await waitFor(page, '#identity');
  check((await page.locator('input[name=username]').count()) === 1, 'a new identity has no names');
  await approve(page, '09-signin-review-no-name', 'phone');
  const bobIs = await page.textContent('#username');
  check(/^1\w+$/.test(bobIs), `bob is signed in by his identity address (${bobIs})`);
  await waitFor(page, '#notes-empty');

  await page.fill('#reader-name', cfg.name);
  await page.click('#read');
  await page.locator('#public-list li', { hasText: text }).locator('.badge', { hasText: 'verified' }).waitFor();
  const proof = await page.textContent('#reader-proof');
  check(proof.includes(`${cfg.name}'s record: proved against block`), `the record is proved: ${proof}`);
  await shot(page, '10-notes-read-public', 'phone');

  // The trusted node now gives another consensus hash: the node's honest
  // answers no longer verify against it, and the page refuses the name.
  await fetch(cfg.lieUrl, { method: 'POST' });
  await page.reload();
  await waitFor(page, '#notes-empty');
  await page.fill('#reader-name', cfg.name);
  await page.click('#read');
  await page.locator('#error', { hasText: 'does not verify' }).waitFor();
  check(await page.locator('#public-list li').count() === 0, 'nothing is read from a name that did not verify');
  log(`refused: ${await page.textContent('#error')}`);
  await shot(page, '10b-notes-refused', 'phone');

  // The explorer's search box suggests names as Bob types a part of one;
  // the keyboard alone picks one and opens its page.
  await page.goto(cfg.explorerUrl);
  const box = page.locator('form.search input[name=q]');
  await box.pressSequentially(cfg.name.slice(1, 5).toUpperCase(), { delay: 50 });
  const option = page.locator('#search-suggestions [role=option]', { hasText: cfg.name });
  await option.waitFor();
  check(await box.getAttribute('aria-expanded') === 'true', 'the search box says its list of names is open');
  await shot(page, '11-explorer-suggestions', 'phone');
  await box.press('ArrowDown');
  check(await box.getAttribute('aria-activedescendant') === await option.getAttribute('id'), 'Down chooses the name found');
  check(await option.getAttribute('aria-selected') === 'true', 'the chosen name is marked selected');
  await box.press('Enter');
  await page.waitForURL(u => u.pathname === `/name/${cfg.name}`);
  // And by the pointer: a click on a suggestion opens it.
  await page.goto(cfg.explorerUrl);
  await box.pressSequentially(cfg.name.slice(0, 3), { delay: 50 });
  await option.click();
  await page.waitForURL(u => u.pathname === `/name/${cfg.name}`);

  // The explorer: Bob searches for the name and sees its owner and the
  // profile the explorer verified against the owner.
  await page.goto(cfg.explorerUrl);
  await page.fill('form.search input[name=q]', cfg.name.toUpperCase());
  await page.press('form.search input[name=q]', 'Enter');
  await page.waitForURL(u => u.pathname === `/name/${cfg.name}`);
  const body = await page.textContent('main');
  check(body.includes(cfg.ownerAddress), 'the explorer shows the name\'s owner');
  check(body.includes('Alice Liddell'), 'the explorer shows the verified profile');
  await shot(page, '12-explorer-name', 'phone');

  await alice.context.close();
  await bob.context.close();
  return { bucket, notePath, publicPath };
}

main().catch(err => {
  process.stderr.write(`browser: ${err.stack || err}\n`);
  if (consoleErrors.length) process.stderr.write(`console errors:\n${consoleErrors.join('\n')}\n`);
  process.exit(1);
});
