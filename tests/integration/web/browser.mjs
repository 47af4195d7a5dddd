// browser.mjs -- drive Debian's headless Chromium with playwright-core:
// keyboard-only lookups, a guide page and an express delisting filed
// with the form, with a screenshot of every step.
//
// Usage: node browser.mjs NODE_MODULES_DIR SHOT_DIR BASE_URL LISTED UNLISTED TRAPPED
// NODE_MODULES_DIR is the directory that holds node_modules/playwright-core
// (installed by run.sh with `npm ci` from package-lock.json); SHOT_DIR gets
// NN-step.png. Prints one "ok ..." line per check, "FAIL ..." otherwise;
// exits 1 on a failure. TRAPPED is an address listed from trap hits
// (express-eligible). No timing is asserted: the timeouts only bound a
// hung browser.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const [MODDIR, SHOTS, BASE, LISTED, UNLISTED, TRAPPED] = process.argv.slice(2);
if (!TRAPPED) {
	console.error('usage: browser.mjs NODE_MODULES_DIR SHOT_DIR BASE LISTED UNLISTED TRAPPED');
	process.exit(2);
}
// playwright-core lives in the test's cache, not next to this file.
const require = createRequire(path.join(path.resolve(MODDIR), 'package.json'));
const { chromium } = require('playwright-core');

let failures = 0;
function check(what, cond, detail = '') {
	if (cond) {
		console.log('ok', what);
	} else {
		failures++;
		console.log('FAIL', what, detail === '' ? '' : JSON.stringify(detail));
	}
}

mkdirSync(SHOTS, { recursive: true });
let shotNo = 0;
async function shot(page, name) {
	shotNo++;
	const file = path.join(SHOTS, `${String(shotNo).padStart(2, '0')}-${name}.png`);
	await page.screenshot({ path: file, fullPage: true });
	console.log('screenshot', file);
}

// Presses Tab, as a keyboard user would, until the element with this id
// has focus; false if it never does within limit presses.
async function tabTo(page, id, limit = 30) {
	for (let i = 0; i < limit; i++) {
		if (await page.evaluate(() => document.activeElement && document.activeElement.id) === id)
			return true;
		await page.keyboard.press('Tab');
	}
	return false;
}

const h1 = (page) => page.evaluate(() => {
	const h = document.querySelector('h1');
	return h ? h.textContent : '';
});

// As root, Chromium needs --no-sandbox; the rest keep it from calling
// out to Google's services, which this machine's closed network refuses.
const launchOptions = {
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	headless: true,
	timeout: 60000,
	args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
		'--disable-quic', '--no-first-run', '--disable-background-networking',
		'--disable-component-update', '--disable-sync'],
};

// A browser that dies while starting (seen once on a loaded machine:
// "Target page, context or browser has been closed" at the first page)
// is the machine's trouble, not the server's: start it once more. Every
// check after this point still runs exactly once.
async function openBrowser() {
	for (let attempt = 1; ; attempt++) {
		const b = await chromium.launch(launchOptions);
		try {
			const c = await b.newContext({ viewport: { width: 1000, height: 900 } });
			const p = await c.newPage();
			return { browser: b, context: c, page: p };
		} catch (e) {
			await b.close().catch(() => {});
			if (attempt >= 2)
				throw e;
			console.error('note: the browser did not start (' + e.message +
			    '), starting it again');
		}
	}
}

const { browser, context, page } = await openBrowser();
try {
	page.setDefaultTimeout(15000);
	const cssStatus = [];
	page.on('response', (r) => {
		if (new URL(r.url()).pathname.endsWith('.css'))
			cssStatus.push(r.status());
	});
	const pageErrors = [];
	page.on('pageerror', (e) => pageErrors.push(String(e)));

	// 1. Lookup of a listed address with the keyboard only.
	await page.goto(BASE + '/');
	check('home page title', (await page.title()).includes('Lookup'), await page.title());
	check('tab reaches the address field', await tabTo(page, 'ip'));
	await shot(page, 'home-focused');
	await page.keyboard.type(LISTED);
	await Promise.all([page.waitForURL(/\/lookup\?/), page.keyboard.press('Enter')]);
	let got = await h1(page);
	check('listed address via keyboard', got === LISTED + ' is listed', got);
	const color = await page.evaluate(() => {
		const h = document.querySelector('h1.listed');
		return h ? getComputedStyle(h).color : null;
	});
	check('the stylesheet loaded', color === 'rgb(164, 0, 15)', color);
	check('the stylesheet answered 200', cssStatus.length > 0 && cssStatus.every((s) => s === 200), cssStatus);
	await shot(page, 'lookup-listed');

	// 2. An unlisted address, again by keyboard.
	await page.goto(BASE + '/');
	check('tab reaches the field again', await tabTo(page, 'ip'));
	await page.keyboard.type(UNLISTED);
	await Promise.all([page.waitForURL(/\/lookup\?/), page.keyboard.press('Enter')]);
	got = await h1(page);
	check('unlisted address', got === UNLISTED + ' is not listed', got);
	await shot(page, 'lookup-unlisted');

	// 3. The trap-listed address: evidence, guide link, delisting form.
	await page.goto(BASE + '/lookup?ip=' + TRAPPED);
	got = await h1(page);
	check('trapped address listed', got === TRAPPED + ' is listed', got);
	const html = await page.content();
	check('no trap local part in the page', !html.includes('secret-trap'));
	check('hostile subject escaped', !html.includes('<script>') && html.includes('&lt;script&gt;'));
	check('no script ran', pageErrors.length === 0 &&
	    await page.evaluate(() => document.querySelectorAll('script').length) === 0, pageErrors);
	const guide = await page.evaluate(() => {
		const a = document.querySelector('a[href^="/help/"]');
		return a ? a.getAttribute('href') : null;
	});
	check('guide link points to the Postfix guide', guide === '/help/postfix', guide);
	const csrf = await page.evaluate(() => {
		const i = document.querySelector('input[name=csrf]');
		return i ? i.value : null;
	});
	check('CSRF token present in the form', !!csrf && csrf.includes('.'), csrf);
	await shot(page, 'lookup-trapped');

	// 4. The guide page.
	await page.goto(BASE + (guide || '/help/postfix'));
	got = await h1(page);
	check('guide page renders', got.includes('Postfix'), got);
	const sections = await page.evaluate(() => document.querySelectorAll('article h2').length);
	check('guide has sections', sections >= 3, sections);
	await shot(page, 'guide-postfix');

	// 5. File the express delisting with the form, keyboard only.
	await page.goto(BASE + '/lookup?ip=' + TRAPPED);
	check('tab reaches the reason field', await tabTo(page, 'reason', 60));
	await page.keyboard.type('Fixed our Postfix: reject unknown recipients');
	await shot(page, 'delist-form-filled');
	await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	got = await page.waitForFunction(() => {
		const p = document.querySelector('[role=status]');
		return p ? p.textContent : '';
	}).then((h) => h.jsonValue()).catch(() => '');
	check('request filed and waiting', (got || '').includes('waiting for approval'), got);
	await shot(page, 'delist-filed');
	await context.close();
} catch (e) {
	failures++;
	console.log('FAIL', 'browser step threw:', e && e.message ? e.message.split('\n')[0] : String(e));
} finally {
	await browser.close();
}
process.exit(failures ? 1 : 0);
