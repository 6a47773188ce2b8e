// End to end: the real desktop app (WebKitGTK), driven by tauri-driver + WebKitWebDriver, against our gateway
// started here, with the `flightbox` command as the requestor and wacryptolib checking the backups.
//
// Needs: target/debug/{flightbox-app,flightbox,flightbox-gateway} built, tauri-driver and WebKitWebDriver on PATH,
// an X display (run under xvfb-run), and FLIGHTBOX_PYTHON pointing at a Python with wacryptolib 0.11.
// Screenshots of the main screens are written to docs/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = (name) => path.join(root, "target", "debug", name);
const shots = path.join(root, "docs", "screenshots");
const python = process.env.FLIGHTBOX_PYTHON || path.join(root, ".venv", "bin", "python");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "flightbox-e2e-"));
const PASS = "correct horse battery staple, twice";
const WANDA_PASS = "wanda's passphrase of twenty";

let gateway, driver, browser, gatewayUrl;

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitPort(port, what, timeoutMs = 30000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, "127.0.0.1", () => (c.end(), resolve(true)));
      c.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not listen on ${port}`);
}

/** The requestor's command line. */
function cli(...args) {
  return execFileSync(bin("flightbox"), args, {
    cwd: work,
    encoding: "utf8",
    env: {
      ...process.env,
      FLIGHTBOX_GATEWAY_URL: gatewayUrl,
      FLIGHTBOX_KEYSTORE_POOL: path.join(work, "requestor_pool"),
      FLIGHTBOX_CRYPTAINER_DIR: path.join(work, "cryptainers"),
    },
  });
}

const el = (id) => browser.$(`[data-testid="${id}"]`);

async function click(id) {
  const e = await el(id);
  await e.waitForClickable({ timeout: 30000 });
  await e.click();
}

async function type(id, text) {
  const e = await el(id);
  await e.waitForDisplayed({ timeout: 30000 });
  await e.clearValue();
  await e.setValue(text);
}

async function textOf(id, timeout = 30000) {
  const e = await el(id);
  await e.waitForDisplayed({ timeout });
  return e.getText();
}

async function waitFor(what, fn, timeout = 60000) {
  await browser.waitUntil(fn, { timeout, interval: 250, timeoutMsg: `timed out waiting for ${what}` });
}

async function shot(name) {
  fs.mkdirSync(shots, { recursive: true });
  await browser.execute(() => window.scrollTo(0, 0));
  await browser.saveScreenshot(path.join(shots, `${name}.png`));
}

async function acceptDialog(passphrase) {
  if (passphrase !== undefined) await type("dialog-passphrase", passphrase);
  await click("dialog-confirm");
}

async function requestItems() {
  const items = await browser.$$('[data-testid="request-item"]');
  const out = [];
  for (const i of items) out.push({ uid: await i.getAttribute("data-uid"), status: await i.getAttribute("data-status"), text: await i.getText() });
  return out;
}

/** Starts tauri-driver for a fresh app data folder and opens a session on the app. */
async function startApp(name) {
  await stopApp();
  const driverPort = await freePort();
  const nativePort = await freePort();
  fs.mkdirSync(path.join(work, name, "home", "Downloads"), { recursive: true });
  const d = spawn("tauri-driver", ["--port", String(driverPort), "--native-port", String(nativePort), "--native-driver", process.env.WEBKIT_WEBDRIVER || "/usr/bin/WebKitWebDriver"], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, FLIGHTBOX_APP_DATA: path.join(work, name, "app-data"), FLIGHTBOX_GATEWAY_URL: gatewayUrl, HOME: path.join(work, name, "home") },
  });
  await waitPort(driverPort, "tauri-driver");
  const b = await remote({
    hostname: "127.0.0.1",
    port: driverPort,
    logLevel: "warn",
    capabilities: { "tauri:options": { application: bin("flightbox-app") }, "wdio:enforceWebDriverClassic": true },
  });
  return { driver: d, browser: b, dataDir: path.join(work, name, "app-data") };
}

async function stopApp() {
  await browser?.deleteSession().catch(() => {});
  if (driver) {
    const exited = new Promise((resolve) => driver.once("exit", resolve));
    driver.kill();
    await exited;
  }
  browser = driver = undefined;
}

before(async () => {
  const port = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}`;
  gateway = spawn(bin("flightbox-gateway"), ["--bind", `127.0.0.1:${port}`, "--database", path.join(work, "gateway.sqlite3")], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  await waitPort(port, "the gateway");
});

after(async () => {
  await stopApp();
  gateway?.kill();
});

test("a guardian creates an identity, publishes it, accepts and rejects requests; the requestor decrypts", async () => {
  let dataDir;
  ({ driver, browser, dataDir } = await startApp("desktop"));
  await textOf("no-identity");
  await shot("01-welcome");

  // Create an identity: the form refuses a short passphrase and a hint containing it.
  await click("create-identity");
  await type("owner", "Alice Guardian");
  await type("passphrase", "too short");
  assert.match(await textOf("create-problem"), /more characters/);
  assert.equal(await (await el("create-submit")).isEnabled(), false);
  await type("passphrase", PASS);
  await type("passphrase-again", PASS);
  await type("hint", `it is ${PASS}`);
  assert.match(await textOf("create-problem"), /must not contain/);
  await type("hint", "the horse one");
  assert.ok(Number(await (await el("strength")).getAttribute("data-score")) >= 3, "a long mixed passphrase rates good or strong");
  await shot("02-create-identity");
  await click("create-submit");
  await textOf("progress");
  const uid = await textOf("identity-uid", 120000);
  assert.match(uid, /^[0-9a-f-]{36}$/);
  assert.equal(await textOf("identity-owner"), "Alice Guardian");
  const keys = await browser.$$('[data-testid="key-state"]');
  assert.equal(keys.length, 3, "three keypairs by default");
  await waitFor("publication state", async () => (await (await el("publication-state")).getAttribute("data-state")) === "not_published");
  assert.ok((await (await el("qr-uid")).getHTML()).includes("<svg"), "QR code of the ID");
  // Biometric approval is not offered on this desktop, and the app says why.
  assert.match(await textOf("biometric-unavailable"), /not supported on this platform/);
  assert.equal(await (await el("biometric-enable")).isExisting(), false);

  // Check the passphrase: a wrong one fails every key, the right one opens them all.
  await click("check-passphrase");
  await acceptDialog("not the passphrase");
  await waitFor("check report", async () => (await (await el("check-report")).getAttribute("data-ok")) === "false");
  assert.match(await textOf("check-report"), /0 key\(s\) missing, 3 key\(s\) not opened/);
  await click("check-passphrase");
  await acceptDialog(PASS);
  await waitFor("check report ok", async () => (await (await el("check-report")).getAttribute("data-ok")) === "true");
  assert.match(await textOf("check-report"), /opens every private key/);

  // Publish.
  await click("publish");
  await waitFor("published", async () => (await (await el("publication-state")).getAttribute("data-state")) === "published");
  assert.match(await textOf("notice"), new RegExp(`Published to ${gatewayUrl}`));
  await shot("03-identity");
  assert.match(cli("foreign-keystore", "import", "--from-gateway", uid), /imported from the gateway/);

  // The requestor encrypts two files for this guardian and asks for both, separately.
  fs.writeFileSync(path.join(work, "dashcam.mp4"), Buffer.alloc(300000, 7));
  fs.writeFileSync(path.join(work, "doorbell.mp4"), Buffer.alloc(1000, 9));
  fs.writeFileSync(path.join(work, "meta.json"), JSON.stringify({ camera: "front", plate: "AB-123-CD" }));
  cli("cryptoconf", "generate-simple", "payload:AES_EAX", `key:authenticator=${uid}`, "-o", "conf.json");
  cli("encrypt", "dashcam.mp4", "--cryptoconf", "conf.json", "--metadata", "meta.json");
  cli("encrypt", "doorbell.mp4", "--cryptoconf", "conf.json");
  cli("revelation-request", "submit", "dashcam.mp4", "--description", "Police: the accident of May 3");
  cli("revelation-request", "submit", "doorbell.mp4", "--description", "Curious neighbour");

  // The guardian sees both, newest first, and the detail of the first.
  await click("tab-requests");
  await waitFor("two requests", async () => (await requestItems()).length === 2);
  let items = await requestItems();
  assert.deepEqual(items.map((i) => i.status), ["PENDING", "PENDING"]);
  assert.match(items[0].text, /Curious neighbour/, "newest first");
  await shot("04-requests");
  const police = items.find((i) => i.text.includes("Police"));
  await (await browser.$(`[data-testid="request-item"][data-uid="${police.uid}"]`)).click();
  assert.equal(await textOf("request-description"), "Police: the accident of May 3");
  const detail = await textOf("request-detail");
  assert.match(detail, /dashcam\.mp4\.crypt/);
  await (await browser.$("details summary")).click();
  assert.match(await textOf("request-detail"), /AB-123-CD/, "metadata shown");
  await shot("05-request-detail");

  // Accept: a wrong passphrase sends nothing and says so; the right one decrypts and sends.
  await click("accept");
  await acceptDialog("wrong passphrase entirely");
  assert.match(await textOf("dialog-error", 60000), /Wrong passphrase for identity "Alice Guardian"\. Nothing was sent/);
  await shot("06-wrong-passphrase");
  await acceptDialog(PASS);
  assert.match(await textOf("flash", 60000), /Accepted: 1 key\(s\) decrypted and sent/);

  // The requestor decrypts with the answer.
  cli("cryptainer", "decrypt", "dashcam.mp4", "-o", "revealed.mp4", "--use-gateway");
  assert.ok(fs.readFileSync(path.join(work, "revealed.mp4")).equals(fs.readFileSync(path.join(work, "dashcam.mp4"))));

  // Reject the other one, after confirmation.
  await click("refresh-requests");
  await waitFor("one pending", async () => (await requestItems()).filter((i) => i.status === "PENDING").length === 1);
  items = await requestItems();
  const neighbour = items.find((i) => i.status === "PENDING");
  await (await browser.$(`[data-testid="request-item"][data-uid="${neighbour.uid}"]`)).click();
  await click("reject");
  await shot("07-reject-confirm");
  // Back (Escape here, Android's back button on phones) closes the dialog first, then leaves the screen.
  await browser.keys("Escape");
  await waitFor("dialog closed", async () => !(await (await el("dialog")).isExisting()));
  assert.ok(await (await el("request-detail")).isExisting(), "still on the request");
  await browser.keys("Escape");
  await waitFor("back on the requests", async () => (await browser.$$('[data-testid="request-item"]')).length === 2);
  await (await browser.$(`[data-testid="request-item"][data-uid="${neighbour.uid}"]`)).click();
  await click("reject");
  await acceptDialog();
  assert.match(await textOf("flash", 60000), /Request rejected/);
  await click("refresh-requests");
  await waitFor("handled", async () => {
    const s = (await requestItems()).map((i) => i.status).sort();
    return JSON.stringify(s) === JSON.stringify(["ACCEPTED", "REJECTED"]);
  });
  assert.match(cli("revelation-request", "list"), /REJECTED/);
  assert.throws(() => cli("cryptainer", "decrypt", "doorbell.mp4", "-o", "no.mp4", "--use-gateway"));

  // The journal holds both decisions, verified here and by the command line.
  await click("tab-journal");
  await waitFor("journal", async () => (await browser.$$('[data-testid="journal-entry"]')).length === 2);
  assert.match(await textOf("journal-state"), /Journal intact: 2 entries/);
  const decisions = [];
  for (const e of await browser.$$('[data-testid="journal-entry"]')) decisions.push(await e.getAttribute("data-decision"));
  assert.deepEqual(decisions, ["rejected", "accepted"]);
  await shot("08-journal");
  const identityDir = path.join(dataDir, "identities", uid);
  assert.match(cli("authenticator", "journal", "verify", identityDir), /Journal intact: 2 entries/);
  // No private key in clear, no gateway secret in the identity folder.
  for (const f of fs.readdirSync(identityDir)) {
    const text = fs.readFileSync(path.join(identityDir, f), "latin1");
    assert.ok(!text.includes("PRIVATE KEY"), f);
    assert.ok(!text.includes("keystore_secret"), f);
  }

  // Back up; wacryptolib opens the backup's keys with the passphrase.
  await click("tab-overview");
  const zip = path.join(work, "alice-backup.zip");
  await type("backup-path", zip);
  await click("backup");
  await acceptDialog(PASS);
  assert.match(await textOf("notice", 60000), /Backup written to/);
  const checked = JSON.parse(execFileSync(python, [path.join(root, "tests/e2e/wacryptolib_backup.py"), "check", zip, PASS], { encoding: "utf8" }));
  assert.deepEqual(checked, { uid, owner: "Alice Guardian", secret_length: 86, keys_opened: 3 });

  // Delete, then restore: same identity, still published (same keys and gateway secret).
  await click("delete");
  await acceptDialog();
  await textOf("no-identity");
  await click("import-identity");
  await type("import-path", zip);
  await type("import-passphrase", "wrong passphrase entirely");
  await click("import-run");
  assert.match(await textOf("error", 60000), /Wrong passphrase/);
  await type("import-passphrase", PASS);
  await click("import-run");
  assert.equal(await textOf("identity-uid", 60000), uid);
  assert.match(await textOf("flash"), /Identity Alice Guardian restored/);
  await waitFor("published again", async () => (await (await el("publication-state")).getAttribute("data-state")) === "published");

  // An authenticator folder made by wacryptolib is imported too.
  const wanda = path.join(work, "wanda.keystore");
  const wandaUid = execFileSync(python, [path.join(root, "tests/e2e/wacryptolib_backup.py"), "make", wanda, WANDA_PASS], { encoding: "utf8" }).trim();
  await click("home");
  await click("import-identity");
  await type("import-path", wanda);
  await type("import-passphrase", WANDA_PASS);
  await click("import-run");
  assert.equal(await textOf("identity-uid", 60000), wandaUid);
  assert.equal(await textOf("identity-owner"), "Wacryptolib Wanda");
  await click("home");
  await waitFor("two identities", async () => (await browser.$$('[data-testid="identity-item"]')).length === 2);
  await shot("09-identities");

  // Switch to French: every screen follows.
  await click("nav-settings");
  assert.match(await textOf("secret-storage"), /keychain|file only you can read/);
  await (await el("language")).selectByAttribute("value", "fr");
  await click("settings-save");
  assert.match(await textOf("notice"), /Réglages enregistrés/);
  assert.equal(await textOf("home"), "Flightbox Gardien");
  await shot("10-settings-fr");
  await click("home");
  await (await browser.$(`[data-testid="identity-item"][data-uid="${uid}"]`)).click();
  await waitFor("publiée", async () => (await textOf("publication-state")).includes("publiée"));
  assert.equal(await textOf("tab-journal"), "Journal");
  assert.equal(await textOf("tab-requests"), "Demandes");
  await shot("11-identity-fr");
});

/** Every visible button, input and select is at least 44 px high and the page does not scroll sideways. */
async function checkTouchTargets(screen) {
  const problems = await browser.execute(() => {
    const out = [];
    for (const e of document.querySelectorAll("button, input, select, summary")) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.height < 44 && e.tagName !== "SUMMARY") out.push(`${e.tagName} ${e.textContent?.trim().slice(0, 20)} is ${r.height}px high`);
    }
    if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push(`page is ${document.documentElement.scrollWidth}px wide in ${window.innerWidth}px`);
    return out;
  });
  assert.deepEqual(problems, [], screen);
}

test("the main story again at phone sizes (390x844, and every screen at 360x640)", async () => {
  ({ driver, browser } = await startApp("phone"));
  await browser.setWindowSize(390, 844);
  await textOf("no-identity");
  await checkTouchTargets("welcome");
  await shot("phone-01-welcome");
  await click("create-identity");
  await type("owner", "Paul Phone");
  await type("passphrase", PASS);
  await type("passphrase-again", PASS);
  await type("hint", "the horse one");
  await checkTouchTargets("create");
  await shot("phone-02-create");
  await click("create-submit");
  const uid = await textOf("identity-uid", 120000);
  await waitFor("publication state", async () => (await (await el("publication-state")).getAttribute("data-state")) === "not_published");
  await click("publish");
  await waitFor("published", async () => (await (await el("publication-state")).getAttribute("data-state")) === "published");
  await checkTouchTargets("identity");
  await shot("phone-03-identity");
  cli("foreign-keystore", "import", "--from-gateway", uid);
  fs.writeFileSync(path.join(work, "phone-clip.mp4"), Buffer.alloc(5000, 3));
  cli("cryptoconf", "generate-simple", "payload:CHACHA20_POLY1305", `key:authenticator=${uid}`, "-o", "phone-conf.json", "--force");
  cli("encrypt", "phone-clip.mp4", "--cryptoconf", "phone-conf.json");
  cli("revelation-request", "submit", "phone-clip.mp4", "--description", "Parking lot, 2 December");
  await click("tab-requests");
  await waitFor("the request", async () => (await requestItems()).length === 1);
  await checkTouchTargets("requests");
  await shot("phone-04-requests");
  await (await browser.$('[data-testid="request-item"]')).click();
  await textOf("request-detail");
  await checkTouchTargets("request");
  await click("accept");
  await checkTouchTargets("accept dialog");
  await shot("phone-05-accept");
  await acceptDialog(PASS);
  assert.match(await textOf("flash", 60000), /Accepted: 1 key/);
  cli("cryptainer", "decrypt", "phone-clip.mp4", "-o", "phone-revealed.mp4", "--use-gateway");
  assert.ok(fs.readFileSync(path.join(work, "phone-revealed.mp4")).equals(fs.readFileSync(path.join(work, "phone-clip.mp4"))));
  await click("tab-journal");
  await waitFor("journal", async () => (await browser.$$('[data-testid="journal-entry"]')).length === 1);
  await shot("phone-06-journal");

  // The smallest common phone: every screen still fits and keeps its touch targets.
  await browser.setWindowSize(360, 640);
  for (const tab of ["tab-overview", "tab-requests", "tab-journal"]) {
    await click(tab);
    await checkTouchTargets(`360x640 ${tab}`);
  }
  await shot("phone-07-small-journal");
  await click("nav-settings");
  await checkTouchTargets("360x640 settings");
  await shot("phone-08-small-settings");
  await click("home");
  await click("create-identity");
  await checkTouchTargets("360x640 create");
  await click("back");
  await click("import-identity");
  await checkTouchTargets("360x640 import");
});
