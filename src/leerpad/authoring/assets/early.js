// "Casus schrijven", started from the page's head (async): the Web Worker and the course data
// are on their way while the rest of the page is still being read; editor.js, which needs the
// page's elements, takes them over (the same module: one instance per page).
import { latestText } from './offline.js';

/** The editor's first worker (Pyodide starts in it at once). */
export const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
/** @type {MessageEvent[]} what the worker said before the editor listened */
export const said = [];
worker.onmessage = (/** @type {MessageEvent} */ event) => { said.push(event); };
/** The course data (JSON text). */
export const data = latestText(new URL('./course-data.json', import.meta.url).href);
data.catch(() => { /* the editor says so */ });
