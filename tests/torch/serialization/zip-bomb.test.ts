// Reading a checkpoint bounds memory (issue case 8: a 2.2 MB .ckpt whose data.pkl inflates to 1.5 GB was unpacked
// whole, 3.3 GB peak, before the clean error). A record out of proportion is refused before it is inflated; a
// directory that understates a record's size cannot make it inflate past that size either.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { crc32, deflateRawSync } from "node:zlib";
import { loadFromBuffer, saveToBuffer } from "../../../src/torch/serialization/index.js";
import { BufferSource, ZipReader } from "../../../src/torch/serialization/zip-reader.js";
import { tempDir } from "../../app/helpers.js";

const ROOT = resolve(import.meta.dirname, "..", "..", "..");

interface Rec {
  name: string;
  data: Uint8Array; // what is stored (deflated when method 8)
  method: 0 | 8;
  size: number; // the inflated size the directory declares
  crc: number;
}

/** A zip archive of `records`, each with the sizes and CRC given (so a test can make the directory lie). */
function zip(records: Rec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const r of records) {
    const name = Buffer.from(r.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(r.method, 8);
    local.writeUInt32LE(r.crc, 14);
    local.writeUInt32LE(r.data.length, 18);
    local.writeUInt32LE(r.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(r.method, 10);
    central.writeUInt32LE(r.crc, 16);
    central.writeUInt32LE(r.data.length, 20);
    central.writeUInt32LE(r.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(r.data));
    centrals.push(central, name);
    offset += 30 + name.length + r.data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(records.length, 8);
  eocd.writeUInt16LE(records.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** A deflated record of `size` zero bytes (a bomb's payload), declaring `declared` bytes. */
function zeros(name: string, size: number, declared = size): Rec {
  const plain = new Uint8Array(size);
  return {
    name,
    data: deflateRawSync(plain, { level: 9 }),
    method: 8,
    size: declared,
    crc: crc32(plain) >>> 0,
  };
}

test("a record inflating out of proportion is refused before inflating, with the limit and how to raise it", () => {
  const bomb = zip([zeros("archive/data.pkl", 64 * 1024 * 1024)]); // 64 MiB of zeros: ~64 KB deflated
  const before = process.memoryUsage().arrayBuffers;
  const t0 = Date.now();
  assert.throws(
    () => loadFromBuffer(bomb, { name: "'bomb.ckpt'" }),
    (e: Error) =>
      /^checkpoint 'bomb\.ckpt': record 'archive\/data\.pkl' would inflate 0\.1 MB to 64\.0 MB \(\d+x\), more than the 200x allowed: refused before inflating it .* KILN_MAX_INFLATE_RATIO=\d+$/.test(
        e.message,
      ),
  );
  assert.ok(Date.now() - t0 < 1000);
  assert.ok(process.memoryUsage().arrayBuffers - before < 32 * 1024 * 1024, "nothing was inflated");
});

test("a directory that understates a record's size cannot make it inflate past it", () => {
  const liar = zip([zeros("archive/data.pkl", 8 * 1024 * 1024, 1000)]);
  assert.throws(
    () => loadFromBuffer(liar, { name: "'liar.ckpt'" }),
    /record 'archive\/data\.pkl' inflates past the 1000 bytes its directory entry declares/,
  );
});

test("a trusted file past the ratio loads once the limit is raised; a real checkpoint is untouched", () => {
  const value = { a: [1, 2, 3], b: "x".repeat(20 * 1024 * 1024) };
  const stored = saveToBuffer(value);
  assert.deepEqual(loadFromBuffer(stored), value, "torch.save's stored records are never limited");
  // The same archive re-zipped with deflate: data.pkl (~20 MB of 'x') deflates ~1000x.
  const pkl = extract(stored, "archive/data.pkl");
  const rezipped = zip([
    {
      name: "archive/data.pkl",
      data: deflateRawSync(pkl),
      method: 8,
      size: pkl.length,
      crc: crc32(pkl) >>> 0,
    },
  ]);
  assert.throws(() => loadFromBuffer(rezipped), /more than the 200x allowed/);
  assert.deepEqual(loadFromBuffer(rezipped, { maxInflateRatio: 5000 }), value);
});

/** The bytes of one record of an archive. */
function extract(archive: Uint8Array, name: string): Uint8Array {
  return new ZipReader(new BufferSource(archive)).read(name);
}

test("kiln eval of a bomb: the clean error at once, not after unpacking it", {
  timeout: 120_000,
}, async () => {
  const file = join(tempDir("kiln-bomb-"), "bomb.ckpt");
  // The directory declares 1.5 GB for a small deflate stream: refused from the sizes alone.
  writeFileSync(file, zip([{ ...zeros("bomb/data.pkl", 1024 * 1024), size: 1_500_000_000 }]));
  const t0 = Date.now();
  const out = await new Promise<{ code: number | null; text: string }>((done) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(ROOT, "src", "cli.ts"),
        "eval",
        `ckpt_path=${file}`,
        "extras.print_config=false",
      ],
      { cwd: ROOT, env: { ...process.env, KILN_NUM_THREADS: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let text = "";
    child.stdout.on("data", (d) => {
      text += d;
    });
    child.stderr.on("data", (d) => {
      text += d;
    });
    child.on("close", (code) => done({ code, text }));
  });
  assert.equal(out.code, 1, out.text.slice(-3000));
  assert.match(out.text, /record 'bomb\/data\.pkl' would inflate 0\.0 MB to 1\.4 GB/);
  assert.ok(Date.now() - t0 < 60_000);
});
