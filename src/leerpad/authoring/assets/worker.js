// The Web Worker of "Casus schrijven": starts Pyodide from the site's own files, installs
// Leerpad and its three pure-Python dependencies from the wheels beside it (sha256-checked
// through the page's pyodide-lock.json), then renders and checks every text the editor
// sends with leerpad.authoring.preview. Off the main thread, so typing never waits for it.
// Nothing is sent anywhere: the only requests are for the site's own files.
//
// Speed: the runtime's files and the wheels are kept in the browser's Cache Storage, keyed by
// Pyodide's version and each wheel's sha256 (from the lock file), so a second visit reads them
// from there (a browser's HTTP cache may refuse the 9.6 MB WebAssembly file, a private window's
// does) and works offline; the wheels are fetched while the runtime starts, and the modules
// the first check needs are imported before the course data arrives.
//
// Second and later visits skip all of that: after the first preview of a visit, the worker
// keeps a memory snapshot of the started interpreter (Pyodide's `makeMemorySnapshot`: the
// WebAssembly memory, so every imported module and the course's Preview) together with the
// files Python wrote into site-packages (the wheels' sources and bytecode, which live in
// Pyodide's in-JS file system and are not in that memory) in Cache Storage. The next visit
// starts from it (`_loadSnapshot`), the files put back before Python runs. A snapshot that
// cannot be used (another Pyodide build, another lock file, damaged: sha256 checked) is
// dropped and the worker starts the usual way.
//
// Messages in: {type: 'start', data} (course data, JSON text; again to switch course),
// {type: 'check', seq, text}. Out: {type: 'progress', step, label, ms?}, {type: 'ready', ms, from}
// (from: 'snapshot' or 'wheels'), {type: 'result', seq, ms, kind, id, path, errors, html},
// {type: 'failed', seq, during, message}, {type: 'kept', bytes, ms} (a snapshot was stored).
import { latestText, store } from './offline.js';

const BASE = new URL('./pyodide/', import.meta.url).href;
const LOCK = BASE + 'pyodide-lock.json';
const CORE = ['pyodide.asm.wasm', 'python_stdlib.zip'];
const PACKAGES = ['leerpad', 'markdown', 'pymdown-extensions', 'pyyaml'];
const t0 = performance.now();

/** @param {any} message */
const tell = message => postMessage(message);

/** @type {Map<string, string>} file URL -> the version its cache entry is keyed by */
const versions = new Map();
/** @type {Map<string, Promise<Response>>} responses already on their way (started early) */
const early = new Map();
const network = self.fetch.bind(self);

/**
 * A file of the bundle from Cache Storage, else from the network (then kept, older versions of
 * the same file dropped). Any other request goes to the network untouched.
 * @param {string} url @param {RequestInit} [init] @returns {Promise<Response>}
 */
async function cached(url, init) {
  const version = versions.get(url);
  if (!version) return network(url, init);
  const key = `${url}?v=${version}`;
  const cache = await store();
  const hit = cache && await cache.match(key).catch(() => undefined);
  if (hit) return hit;
  const response = await network(url, init);
  if (cache && response.ok) {
    const copy = response.clone();
    (async () => {
      for (const old of await cache.keys()) if (old.url.startsWith(url + '?') && old.url !== key) await cache.delete(old);
      await cache.put(key, copy);
    })().catch(() => { /* storage full or refused: the next visit downloads again */ });
  }
  return response;
}

/** @param {string} url @param {RequestInit} [init] */
function bundleFile(url, init) {
  const started = early.get(url);
  if (started) { early.delete(url); return started; }
  return cached(url, init);
}

// Pyodide fetches its files with the global fetch: route the bundle's files through the cache.
self.fetch = (input, init) => {
  const url = input instanceof Request ? input.url : new URL(String(input), BASE).href;
  return versions.has(url) ? bundleFile(url, init) : network(input, init);
};

/** @param {string} hex a sha256 as the lock file has it @returns {string} as a fetch's integrity wants it */
function integrity(hex) {
  return 'sha256-' + btoa(String.fromCharCode(...(hex.match(/../g) || []).map(b => parseInt(b, 16))));
}

/**
 * Starts Python: from the snapshot kept at an earlier visit when there is a usable one, else
 * from the wheels (Pyodide's start, install, imports of the preview's modules); the course
 * data is not needed for either. The snapshot is read, and the runtime's code imported, while
 * the lock file and Pyodide's loader come in.
 * @param {boolean} [snapshot] false: not from the snapshot (it was found unusable)
 * @returns {Promise<{py: any, from: string}>}
 */
async function boot(snapshot = true) {
  tell({ type: 'progress', step: 1, label: 'Python en de pakketten worden geladen' });
  const reading = snapshot ? readSnapshot() : Promise.resolve(null);
  const runtime = import(BASE + 'pyodide.asm.mjs');
  const [lock, { loadPyodide, version }] = await Promise.all([latestText(LOCK), import(BASE + 'pyodide.mjs')]);
  for (const name of CORE) versions.set(BASE + name, version);
  lockSha = await hex(new TextEncoder().encode(lock));
  const { default: create } = await runtime;
  const kept = await reading;
  if (kept && kept.lock === lockSha) {
    try {
      const py = await restore(loadPyodide, lock, create, kept);
      tell({ type: 'progress', step: 2, label: 'Python is hersteld', ms: performance.now() - t0 });
      return { py, from: 'snapshot' };
    } catch { /* not usable with this runtime: dropped, the usual start below, a new snapshot after it */ }
  }
  if (kept) await dropSnapshots();
  return { py: await install(loadPyodide, lock, create), from: 'wheels' };
}

/** Pyodide from its own start: the wheels installed, the preview's modules imported. */
async function install(/** @type {any} */ loadPyodide, /** @type {string} */ lock, /** @type {any} */ create) {
  const { packages, leerpad } = JSON.parse(lock);
  for (const name of PACKAGES) versions.set(BASE + packages[name].file_name, packages[name].sha256);
  // Bytecode: kept at an earlier visit (all modules), else the wheels' as the build compiled it.
  const compiled = await bytecode(lock);
  const shipped = !compiled.kept && leerpad && leerpad.bytecode;
  if (shipped) {
    const url = BASE + shipped.file_name;
    versions.set(url, shipped.sha256);
    early.set(url, cached(url, { integrity: integrity(shipped.sha256) }));
  }
  // The wheels are fetched (or read from the cache) while the runtime compiles and starts.
  for (const name of PACKAGES) {
    const url = BASE + packages[name].file_name;
    early.set(url, cached(url, { integrity: integrity(packages[name].sha256) }));
  }
  const py = await loadPyodide({ ...options(lock), _makeSnapshot: true, createPyodideModule: create });
  tell({ type: 'progress', step: 2, label: 'De pakketten worden geïnstalleerd', ms: performance.now() - t0 });
  /** @type {string[]} */
  const problems = [];
  await py.loadPackage(PACKAGES, { messageCallback: () => {}, errorCallback: (/** @type {string} */ m) => problems.push(m) });
  if (problems.length) throw new Error(problems.join('; '));
  const pycs = compiled.kept || (shipped && new Uint8Array(await (await bundleFile(BASE + shipped.file_name)).arrayBuffer()));
  if (pycs) {
    py.globals.set('kept', pycs);
    py.runPython(UNPACK);
    py.globals.delete('kept');
  }
  py.runPython('import sys\nsys.dont_write_bytecode = False\nimport leerpad.authoring.preview');
  if (!compiled.kept) pack = () => keepBytecode(py, compiled.key);
  return py;
}

/** loadPyodide's options for this page's files. @param {string} lock */
function options(lock) {
  return { indexURL: BASE, packageBaseUrl: BASE, lockFileContents: lock, stdout: () => {} };
}

// The snapshot as kept in Cache Storage, one entry: "LPS1", the length of a JSON header
// {format, lock, sha256, files: [[path, bytes]...]} (uint32, little-endian), the header, then
// (sha256 over all that follows) the files' bytes one after the other and, at the next
// multiple of 16, Pyodide's snapshot of the memory. `lock` is the sha256 of the lock file,
// which names Pyodide's version and every wheel's sha256: another one, and the snapshot is
// of other files. One key, so that it is read before the lock file is in.
const SNAPSHOT = BASE + 'snapshot';
const SNAPSHOT_FORMAT = 1;
const MAGIC = 'LPS1';
let lockSha = '';
/** @type {'none' | 'due' | 'kept'} whether a snapshot is to be made after the next preview */
let snapshotState = 'none';

/** @param {BufferSource} bytes @returns {Promise<string>} */
async function hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...digest].map(b => b.toString(16).padStart(2, '0')).join('');
}

/**
 * @typedef {{lock: string, files: [string, Uint8Array][], memory: Uint8Array, intact: Promise<boolean>}} Kept
 * The snapshot kept at an earlier visit, if any; `intact` (its sha256) is checked while the
 * runtime compiles.
 * @returns {Promise<Kept | null>}
 */
async function readSnapshot() {
  const cache = await store();
  const hit = cache && await cache.match(SNAPSHOT).catch(() => undefined);
  if (!hit) return null;
  try {
    const all = new Uint8Array(await hit.arrayBuffer());
    if (new TextDecoder().decode(all.subarray(0, 4)) !== MAGIC) throw new Error('not a snapshot');
    const size = new DataView(all.buffer).getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(all.subarray(8, 8 + size)));
    if (header.format !== SNAPSHOT_FORMAT) throw new Error('an older format');
    const body = all.subarray(8 + size);
    /** @type {[string, Uint8Array][]} */
    const files = [];
    let at = 0;
    for (const [path, length] of header.files) {
      files.push([path, body.subarray(at, at + length)]);
      at += length;
    }
    at = Math.ceil((8 + size + at) / 16) * 16;  // from the entry's start: Pyodide reads it as 32-bit words
    const intact = hex(body).then(found => found === header.sha256);
    return { lock: String(header.lock), files, memory: all.subarray(at), intact };
  } catch {
    await dropSnapshots();
    return null;
  }
}

/**
 * Pyodide from a snapshot, its site-packages files put back before Python runs. Pyodide
 * 314.0.7 restores into the runtime's initial memory (31.5 MB, fixed by pyodide.asm.wasm;
 * the INITIAL_MEMORY it sets is not used): a snapshot of a memory that had grown fails with
 * "RangeError: offset is out of bounds", so the memory is grown to the snapshot's size first,
 * through the runtime's own growMemory (it also renews the runtime's views of the memory).
 * @param {any} loadPyodide @param {string} lock @param {any} create @param {Kept} kept
 */
async function restore(loadPyodide, lock, create, kept) {
  /** @param {any} settings */
  const createPyodideModule = async settings => {
    const module = await create(settings);
    if (!await kept.intact) throw new Error('the snapshot is damaged');
    if (module.HEAP8.length < kept.memory.length && !module.growMemory(kept.memory.length)) {
      throw new Error('no memory for the snapshot');
    }
    return module;
  };
  /** @param {any} FS */
  const fsInit = FS => {
    for (const [path, bytes] of kept.files) {
      FS.mkdirTree(path.slice(0, path.lastIndexOf('/')));
      FS.writeFile(path, bytes);
    }
  };
  return loadPyodide({ ...options(lock), _loadSnapshot: kept.memory, _makeSnapshot: true, fsInit, createPyodideModule });
}

/** The snapshot this page kept (a damaged one, or one of other files). */
async function dropSnapshots() {
  const cache = await store();
  if (!cache) return;
  for (const old of await cache.keys()) {
    if (old.url.startsWith(SNAPSHOT)) await cache.delete(old).catch(() => {});
  }
}

// Pyodide 314.0.7 refuses a snapshot ("Unexpected hiwire entry at index 6") unless its record
// of loaded packages is empty: the object Python sees as pyodide_js.loadedPackages (after a
// start from a snapshot not the one JavaScript sees: it is filled again from the dist-info
// folders). Emptied while the snapshot is made, filled again after.
const EMPTIED = `
from pyodide._package_loader import loadedPackages as _packages
_leerpad_loaded = {name: getattr(_packages, name) for name in _packages.object_keys()}
for _name in _leerpad_loaded:
    delattr(_packages, _name)
del _packages
`;
const REFILLED = `
from pyodide._package_loader import loadedPackages as _packages
for _name, _source in _leerpad_loaded.items():
    setattr(_packages, _name, _source)
del _packages, _leerpad_loaded
`;

/**
 * Keeps a snapshot of the interpreter as it is now (the course's Preview in it) and of the
 * files in site-packages. Python holds no JavaScript object at this point (Pyodide refuses the
 * snapshot otherwise).
 * @param {any} py
 */
async function keepSnapshot(py) {
  const t1 = performance.now();
  const cache = await store();
  if (!cache || !lockSha) return;
  const FS = py.FS;
  /** @type {[string, Uint8Array][]} */
  const files = [];
  /** @param {string} dir */
  const walk = dir => {
    for (const name of FS.readdir(dir)) {
      if (name === '.' || name === '..') continue;
      const path = `${dir}/${name}`;
      if (FS.isDir(FS.stat(path).mode)) walk(path);
      else files.push([path, FS.readFile(path)]);
    }
  };
  walk(py._api.sitepackages);
  py.runPython(EMPTIED);
  let memory;
  try { memory = py.makeMemorySnapshot(); } finally { py.runPython(REFILLED); }
  const fileBytes = files.reduce((n, [, b]) => n + b.length, 0);
  // The header's length is known only with the digest in it: a digest's hex is always 64 characters.
  const draft = JSON.stringify({
    format: SNAPSHOT_FORMAT, lock: lockSha, sha256: '0'.repeat(64), files: files.map(([p, b]) => [p, b.length]),
  });
  const size = new TextEncoder().encode(draft).length;
  const at = Math.ceil((8 + size + fileBytes) / 16) * 16;
  const all = new Uint8Array(at + memory.length);
  let pos = 8 + size;
  for (const [, bytes] of files) { all.set(bytes, pos); pos += bytes.length; }
  all.set(memory, at);
  const sha256 = await hex(all.subarray(8 + size));
  const header = new TextEncoder().encode(draft.replace('0'.repeat(64), sha256));
  all.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(all.buffer).setUint32(4, size, true);
  all.set(header, 8);
  await cache.put(SNAPSHOT, new Response(all));
  tell({ type: 'kept', bytes: all.length, ms: performance.now() - t1 });
}

/** @type {(() => Promise<void>) | null} keeps the bytecode, once the course's Markdown extensions are imported too */
let pack = null;

// Bytecode, so that Python does not compile what it imports: the build ships the wheels' (made
// by Pyodide in Node, see leerpad.authoring.bundle); on the first visit Python also writes the
// bytecode of Leerpad's own modules into __pycache__, and all of it is then kept in the cache
// marked unchecked-hash (used as it is: the wheels are fixed by the lock file's sha256); later
// visits put it beside the sources before importing.
const PACK = `
import io, sys, zipfile, importlib.util
def _pack():
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as z:
        for module in list(sys.modules.values()):
            source = getattr(module, '__file__', None) or ''
            if '/site-packages/' not in source or not source.endswith('.py'):
                continue
            compiled = importlib.util.cache_from_source(source)
            try:
                with open(compiled, 'rb') as f:
                    data = bytearray(f.read())
            except OSError:
                continue
            data[4:8] = (1).to_bytes(4, 'little')  # hash-based and unchecked: no source mtime to match
            z.writestr(compiled, bytes(data))
    return out.getvalue()
_pack()
`;
const UNPACK = `
import io, zipfile
zipfile.ZipFile(io.BytesIO(kept.to_py())).extractall('/')
`;

/** The bytecode kept at an earlier visit for exactly these files, and the key it is kept under. */
async function bytecode(/** @type {string} */ lock) {
  const key = `${BASE}kept-bytecode.zip?v=${await hex(new TextEncoder().encode(lock))}`;
  const cache = await store();
  const hit = cache && await cache.match(key).catch(() => undefined);
  return { key, kept: hit ? new Uint8Array(await hit.arrayBuffer()) : null };
}

/** @param {any} py @param {string} key */
async function keepBytecode(py, key) {
  try {
    const cache = await store();
    if (!cache) return;
    const proxy = py.runPython(PACK);
    const zip = proxy.toJs();
    proxy.destroy();
    for (const old of await cache.keys()) if (old.url.startsWith(BASE + 'kept-bytecode.zip?')) await cache.delete(old);
    await cache.put(key, new Response(zip));
  } catch { /* no bytecode kept: the next visit compiles again */ }
}

let python = boot();
python.catch(() => { /* reported to the editor when it sends the course data */ });
/** @type {any} */
let preview = null;

// The course's Preview, kept in Python (so also in a snapshot) with the sha256 of its course
// data: a snapshot's Preview is used when the course is still the same, else made anew.
const PREVIEW = `
import hashlib, json
from leerpad.authoring.preview import Preview
_course = hashlib.sha256(course_data.encode()).hexdigest()
if globals().get('_leerpad_course') != _course:
    _leerpad_preview, _leerpad_course = Preview(json.loads(course_data)), _course
    _leerpad_fresh = True
else:
    _leerpad_fresh = False
del course_data
_leerpad_preview
`;

/** @param {string} data the course data (JSON text) */
async function start(data) {
  const { py, from } = await python;
  tell({ type: 'progress', step: 3, label: 'De cursus wordt ingelezen', ms: performance.now() - t0 });
  if (preview) preview.destroy();
  py.globals.set('course_data', data);
  try {
    preview = py.runPython(PREVIEW);
  } catch (error) {
    if (from !== 'snapshot') throw error;
    // The snapshot's Python cannot take this course (it needs what the snapshot lacks): the
    // snapshot is dropped and Python started the usual way.
    await dropSnapshots();
    python = boot(false);
    return start(data);
  }
  // A snapshot after the next preview: on a start from the wheels, or when the course changed.
  if (py.globals.get('_leerpad_fresh')) snapshotState = 'due';
  tell({ type: 'ready', ms: performance.now() - t0, from });
  if (pack) setTimeout(pack, 0);  // no compiling: packs what the imports wrote
  pack = null;
}

onmessage = async event => {
  const msg = event.data;
  try {
    if (msg.type === 'start') await start(msg.data);
    else if (msg.type === 'check') {
      const t1 = performance.now();
      const proxy = preview.check(msg.text);
      const result = proxy.toJs({ dict_converter: Object.fromEntries });
      proxy.destroy();
      tell({ type: 'result', seq: msg.seq, ms: performance.now() - t1, ...result });
      if (snapshotState === 'due') {
        snapshotState = 'kept';
        const { py } = await python;
        setTimeout(() => keepSnapshot(py).catch(() => { /* none kept: the next visit starts from the wheels */ }), 0);
      }
    }
  } catch (error) {
    tell({ type: 'failed', seq: msg.seq, during: msg.type, message: String(error instanceof Error ? error.message : error) });
  }
};
