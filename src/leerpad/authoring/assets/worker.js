// The Web Worker of "Casus schrijven": starts Pyodide from the site's own files, installs
// Leerpad and its three pure-Python dependencies from the wheels beside it (sha256-checked
// through the page's pyodide-lock.json), then renders and checks every text the editor
// sends with leerpad.authoring.preview. Off the main thread, so typing never waits for it.
// Nothing is sent anywhere: the only requests are for the site's own files.
//
// Messages in: {type: 'start', data} (course data, JSON text; again to switch course),
// {type: 'check', seq, text}. Out: {type: 'progress', step, label, ms?}, {type: 'ready', ms},
// {type: 'result', seq, ms, kind, id, path, errors, html}, {type: 'failed', seq, during, message}.
const PYODIDE = new URL('./pyodide/pyodide.mjs', import.meta.url).href;

/** @type {Promise<any> | null} */
let python = null;
/** @type {any} */
let preview = null;

/** @param {any} message */
const tell = message => postMessage(message);

/** @param {string} data the course data (JSON text) */
async function start(data) {
  const t0 = performance.now();
  tell({ type: 'progress', step: 1, label: 'Python en de pakketten worden geladen' });
  const { loadPyodide } = await import(PYODIDE);
  python ||= loadPyodide({
    indexURL: new URL('./pyodide/', import.meta.url).href,
    packages: ['leerpad', 'markdown', 'pymdown-extensions', 'pyyaml'],
    stdout: () => {},
  });
  const py = await python;
  tell({ type: 'progress', step: 2, label: 'De cursus wordt ingelezen', ms: performance.now() - t0 });
  if (preview) preview.destroy();
  py.globals.set('course_data', data);
  preview = py.runPython('import json\nfrom leerpad.authoring.preview import Preview\nPreview(json.loads(course_data))');
  py.globals.delete('course_data');
  tell({ type: 'ready', ms: performance.now() - t0 });
}

onmessage = async event => {
  const msg = event.data;
  try {
    if (msg.type === 'start') await start(msg.data);
    else if (msg.type === 'check') {
      const t0 = performance.now();
      const proxy = preview.check(msg.text);
      const result = proxy.toJs({ dict_converter: Object.fromEntries });
      proxy.destroy();
      tell({ type: 'result', seq: msg.seq, ms: performance.now() - t0, ...result });
    }
  } catch (error) {
    tell({ type: 'failed', seq: msg.seq, during: msg.type, message: String(error instanceof Error ? error.message : error) });
  }
};
