// Downloads through node:http: redirects are followed, a server that never answers times out, HTTP errors are
// named, and every mirror's cause is listed.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { MNISTDataModule } from "../../src/data/mnist-datamodule.js";
import { DownloadError, downloadIdxFiles } from "../../src/data/mnist-files.js";
import { tempDir } from "../app/helpers.js";

let server: Server;
let base = "";
before(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith("/moved/")) {
      res.writeHead(302, { location: `/files/${req.url.slice("/moved/".length)}` });
      res.end();
    } else if (req.url?.startsWith("/files/")) res.end("not the real file");
    else if (req.url?.startsWith("/silent/"))
      return; // never answers
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

async function failures(mirrors: string[], timeoutMs = 5000): Promise<string[]> {
  try {
    await downloadIdxFiles("mnist", tempDir(), { mirrors, timeoutMs });
  } catch (e) {
    assert.ok(e instanceof DownloadError, String(e));
    return e.failures;
  }
  throw new Error("the download should have failed");
}

test("a redirect is followed (the body it leads to is checked), HTTP errors and silence are named", async () => {
  const [moved, missing, silent] = await Promise.all([
    failures([`${base}/moved/`]),
    failures([`${base}/nothing/`]),
    failures([`${base}/silent/`], 300),
  ]);
  assert.match(
    moved[0]!,
    /moved\/train-images-idx3-ubyte\.gz: md5 mismatch: got [0-9a-f]{32}, expected f68b3c2d/,
  );
  assert.match(missing[0]!, /nothing\/train-images-idx3-ubyte\.gz: HTTP 404 Not Found$/);
  assert.match(silent[0]!, /silent\/train-images-idx3-ubyte\.gz: timed out$/);
  const both = await failures([`${base}/nothing/`, `${base}/moved/`]);
  assert.equal(both.length, 2);
});

test("dispose() stops a download in progress (a failed run does not wait for it)", async () => {
  const dm = new MNISTDataModule({
    data_dir: tempDir(),
    source: "download",
    mirrors: [`${base}/silent/`],
    download_timeout: 60,
  });
  const started = Date.now();
  const preparing = dm.prepareData();
  await new Promise((r) => setTimeout(r, 100));
  dm.dispose();
  await assert.rejects(preparing, /silent\/train-images-idx3-ubyte\.gz: ABORT_ERR/);
  assert.ok(Date.now() - started < 5000);
  // Later calls share the outcome instead of starting again.
  await assert.rejects(dm.prepareData(), /ABORT_ERR/);
});
