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
// Messages in: {type: 'start', data} (course data, JSON text; again to switch course),
// {type: 'check', seq, text}. Out: {type: 'progress', step, label, ms?}, {type: 'ready', ms},
// {type: 'result', seq, ms, kind, id, path, errors, html}, {type: 'failed', seq, during, message}.
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

/** Starts Pyodide and imports the preview's modules; the course data is not needed for that. */
async function boot() {
  tell({ type: 'progress', step: 1, label: 'Python en de pakketten worden geladen' });
  const [lock, { loadPyodide, version }] = await Promise.all([latestText(LOCK), import(BASE + 'pyodide.mjs')]);
  const { packages, leerpad } = JSON.parse(lock);
  for (const name of CORE) versions.set(BASE + name, version);
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
  const py = await loadPyodide({ indexURL: BASE, packageBaseUrl: BASE, lockFileContents: lock, stdout: () => {} });
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
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(lock)));
  const key = `${BASE}kept-bytecode.zip?v=${[...digest].map(b => b.toString(16).padStart(2, '0')).join('')}`;
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

const python = boot();
python.catch(() => { /* reported to the editor when it sends the course data */ });
/** @type {any} */
let preview = null;

/** @param {string} data the course data (JSON text) */
async function start(data) {
  const py = await python;
  tell({ type: 'progress', step: 3, label: 'De cursus wordt ingelezen', ms: performance.now() - t0 });
  if (preview) preview.destroy();
  py.globals.set('course_data', data);
  preview = py.runPython('import json\nfrom leerpad.authoring.preview import Preview\nPreview(json.loads(course_data))');
  py.globals.delete('course_data');
  tell({ type: 'ready', ms: performance.now() - t0 });
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
    }
  } catch (error) {
    tell({ type: 'failed', seq: msg.seq, during: msg.type, message: String(error instanceof Error ? error.message : error) });
  }
};
