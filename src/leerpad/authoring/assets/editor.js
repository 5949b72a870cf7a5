// "Casus schrijven": the editor on the main thread. Typing, templates, opening a file and
// downloading work at once; the preview and the errors come from the Web Worker (Pyodide)
// as soon as it is ready. The text is kept in this browser's localStorage only.
import * as early from './early.js';

const KEY = 'leerpad.authoring';      // {v: 1, text}: versioned, so a later release can migrate it
const SLOW = 10000;                   // ms: a check that takes longer is stopped, the page stays usable
const MAX_BYTES = 2 * 1024 * 1024;    // bigger files are not opened
const QUIZ = new URL('../quiz.js', import.meta.url).href;  // the learner runtime's question widget
const BIG_PASTE = 10000;              // characters: above this a paste skips the browser's slow editing command

/** @param {string} id */
const $ = id => /** @type {HTMLElement} */ (document.getElementById(id));
const root = /** @type {HTMLElement} */ (document.querySelector('.leerpad-editor'));
const text = /** @type {HTMLTextAreaElement} */ ($('lp-text'));
const lines = $('lp-lines') || /** @type {HTMLElement} */ (root.querySelector('.leerpad-editor__lines'));
const status = $('lp-status-text'), progress = /** @type {HTMLProgressElement} */ ($('lp-progress'));
const list = $('lp-errors'), summary = $('lp-summary'), preview = $('lp-preview'), where = $('lp-where');

/** @type {Record<string, string>} */
let templates = {};
let data = '';
/** @type {Worker | null} */
let worker = null;
let ready = false, busy = false, broken = false, seq = 0, sent = -1;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let watchdog;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let saving;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let pause;
let lastMs = 0;  // how long the worker's last check took
let lineCount = 0;
/** @type {Set<number>} */
let marked = new Set();

function load() {
  try {
    const rec = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (rec && rec.v === 1 && typeof rec.text === 'string') return rec.text;
  } catch { /* an unreadable record: start from the template */ }
  return null;
}

function save() {
  clearTimeout(saving);
  saving = setTimeout(() => {
    try { localStorage.setItem(KEY, JSON.stringify({ v: 1, text: text.value })); }
    catch { say('Let op: de browser kan de tekst niet bewaren (opslag vol?). Download het bestand.'); }
  }, 200);
}

/** @param {string} message */
function say(message) { status.textContent = message; }

/** Line numbers beside the text, errors marked; rebuilt only when the count changes. */
function gutter() {
  const n = text.value.split('\n').length;
  if (n !== lineCount) {
    lineCount = n;
    const out = [];
    for (let i = 1; i <= n; i++) out.push(marked.has(i) ? `<span class="is-error">${i}</span>` : String(i));
    lines.innerHTML = out.join('\n');
  }
  lines.scrollTop = text.scrollTop;
}

/** @param {number[]} wrong */
function mark(wrong) {
  marked = new Set(wrong);
  lineCount = 0;
  gutter();
}

/** The file's id from its front matter (also before Pyodide is ready). */
function ident() {
  const front = /^---\s*\n([\s\S]*?)\n---/.exec(text.value);
  const m = front && /^id:\s*['"]?([^'"\s#]+)/m.exec(front[1]);
  return m ? m[1] : '';
}

function kind() {
  const front = /^---\s*\n([\s\S]*?)\n---/.exec(text.value);
  const keys = front ? [...front[1].matchAll(/^([a-z_]+)\s*:/gm)].map(m => m[1]) : [];
  const quiz = ['module', 'pass_mark', 'attempts', 'final', 'draw'], kase = ['setting', 'roles', 'modules', 'krachtlijnen', 'access', 'minutes', 'sources'];
  return keys.some(k => quiz.includes(k)) && !keys.some(k => kase.includes(k)) ? 'quiz' : 'case';
}

function describe() {
  const id = ident();
  where.textContent = id
    ? `Wordt ${id}.md in de map ${kind() === 'quiz' ? 'quizzes/' : 'cases/'} van de cursus.`
    : 'Geef het bestand een id in de front matter (id: …).';
}

/** @param {number} line */
function goTo(line) {
  const at = text.value.split('\n').slice(0, line - 1).join('\n').length + (line > 1 ? 1 : 0);
  text.focus();
  text.setSelectionRange(at, at);
  const height = text.scrollHeight / Math.max(1, lineCount);
  text.scrollTop = Math.max(0, (line - 3) * height);
  gutter();
}

/** Keeps only what a page may show: no scripts, frames or event handlers from pasted HTML. */
/** @param {string} html */
function clean(html) {
  const doc = new DOMParser().parseFromString(`<div>${html}</div>`, 'text/html');
  doc.querySelectorAll('script,iframe,object,embed,link,meta,style,base,form').forEach(e => e.remove());
  for (const el of doc.querySelectorAll('*')) {
    for (const a of [...el.attributes]) {
      if (a.name.startsWith('on') || /^\s*javascript:/i.test(a.value)) el.removeAttribute(a.name);
    }
  }
  return /** @type {HTMLElement} */ (doc.body.firstElementChild);
}

/** @param {any} r */
async function show(r) {
  list.replaceChildren();
  for (const e of r.errors) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'leerpad-editor__error';
    b.textContent = `${e.line}: ${e.message}`;
    b.addEventListener('click', () => goTo(e.line));
    const li = document.createElement('li');
    li.append(b);
    list.append(li);
  }
  const n = r.errors.length;
  summary.textContent = n ? `${n} ${n === 1 ? 'fout' : 'fouten'} (regel: melding):` : `Geen fouten: ${r.kind === 'quiz' ? 'de toets' : 'de casus'} is in orde.`;
  mark(r.errors.map((/** @type {any} */ e) => e.line));
  describe();
  if (r.replaces) where.textContent += ` Let op: de cursus heeft al een bestand ${r.path}; dit vervangt het.`;
  const body = clean(r.html);
  preview.replaceChildren(...body.childNodes);
  root.dataset.checked = String(r.seq);
  root.dataset.first ||= String(Math.round(performance.now()));  // ms since navigation: the benchmark reads it
  try {
    const { Question } = await import(QUIZ);
    for (const q of preview.querySelectorAll('.leerpad-question')) new Question(/** @type {HTMLElement} */ (q), { a: 1, parent: [], grouping: [] });
  } catch { /* the questions stay readable, just not clickable */ }
}

function check() {
  if (!worker || !ready || busy || sent === seq) return;
  busy = true;
  sent = seq;
  worker.postMessage({ type: 'check', seq, text: text.value });
  watchdog = setTimeout(() => {
    stop();
    sent = -1;
    say('De controle duurde te lang en is gestopt. Pas de tekst aan om opnieuw te proberen.');
  }, SLOW);
}

function stop() {
  if (worker) worker.terminate();
  worker = null; ready = false; busy = false;
  clearTimeout(watchdog);
}

/** @param {Worker} [started] the worker early.js started (the first one of the page) */
function boot(started) {
  const w = worker = started || new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  w.onmessage = event => {
    const m = event.data;
    // Marks in ms since navigation, when the news arrives here (the benchmark reads them).
    const now = String(Math.round(performance.now()));
    if (m.type === 'progress') { progress.value = m.step; say(`${m.label} …`); if (m.step === 2) root.dataset.loaded = now; }
    else if (m.type === 'ready') {
      ready = true; progress.value = progress.max; progress.hidden = true;
      root.dataset.ready = now;
      root.dataset.from = m.from;  // 'snapshot' (kept at an earlier visit) or 'wheels'
      say('Het voorbeeld is klaar.');
      check();
    } else if (m.type === 'kept') root.dataset.kept = String(m.bytes);  // the next visit starts from it
    else if (m.type === 'result' || m.type === 'failed') {
      clearTimeout(watchdog);
      busy = false;
      if (m.type === 'result') {
        root.dataset.ms = String(m.ms);
        lastMs = m.ms;
        show(m);
      } else if (m.during === 'start') {
        stop();
        broken = true;
        say(`Het voorbeeld kon niet starten: ${m.message}. Typen en downloaden gaan gewoon verder.`);
        return;
      } else say(`Dit kon niet worden gecontroleerd: ${m.message}`);
      check();
    }
  };
  w.onerror = () => { stop(); broken = true; say('Het voorbeeld kon niet starten. Typen en downloaden gaan gewoon verder.'); };
  if (started) for (const event of early.said.splice(0)) w.onmessage(event);
  if (data) w.postMessage({ type: 'start', data });
}

function changed() {
  seq++;
  save();
  gutter();
  describe();
  if (!worker && data && !broken) { sent = -1; boot(); return; }
  // While typing, the check waits for a pause as long as the last check took (at least 30 ms,
  // at most 300): quick checks follow every keystroke, slow ones (huge texts) do not pile up.
  clearTimeout(pause);
  pause = setTimeout(check, Math.min(300, Math.max(30, lastMs)));
}

/** @param {string} value */
function replace(value) {
  text.value = value;
  changed();
}

function useTemplate() {
  const t = templates[/** @type {HTMLSelectElement} */ ($('lp-template')).value];
  if (!t) return;
  if (text.value.trim() && !confirm('De huidige tekst vervangen door het sjabloon? Download hem eerst als u hem wilt bewaren.')) return;
  replace(t);
  text.focus();
}

function insertQuestion() {
  const type = /** @type {HTMLSelectElement} */ ($('lp-question')).value;
  const t = templates[type];
  if (!t) return;
  const base = ident() || 'vraag';
  let n = 1;
  while (text.value.includes(`id: ${base}-${n}\n`)) n++;
  const block = t.replaceAll('{id}', `${base}-${n}`);
  const at = text.selectionStart;
  const before = text.value.slice(0, at), after = text.value.slice(at);
  const pad = before && !before.endsWith('\n\n') ? (before.endsWith('\n') ? '\n' : '\n\n') : '';
  text.value = before + pad + block + (after.startsWith('\n') ? '' : '\n') + after;
  const end = (before + pad + block).length;
  text.focus();
  text.setSelectionRange(end, end);
  changed();
}

function download() {
  const name = `${ident() || 'naamloos'}.md`;
  const url = URL.createObjectURL(new Blob([text.value], { type: 'text/markdown;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url; a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  say(`Gedownload als ${name}.`);
}

/** @param {File} file */
async function open(file) {
  if (file.size > MAX_BYTES) return say(`${file.name} is te groot (${Math.round(file.size / 1024)} kB) voor een casus of toets.`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  let value;
  try { value = new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { value = null; }
  if (value === null || value.includes('\u0000')) return say(`${file.name} is geen tekstbestand (UTF-8); kies het .md-bestand van een casus of toets.`);
  if (text.value.trim() && !confirm(`De huidige tekst vervangen door ${file.name}?`)) return;
  replace(value.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'));
  say(`${file.name} geopend.`);
}

async function init() {
  const stored = load();
  text.value = stored ?? '';
  text.addEventListener('input', changed);
  // Chromium's own paste into a textarea takes seconds for thousands of lines; a big paste
  // replaces the selection directly instead (it cannot be undone with Ctrl+Z, a small one can).
  text.addEventListener('paste', e => {
    const pasted = e.clipboardData ? e.clipboardData.getData('text/plain') : '';
    if (pasted.length <= BIG_PASTE) return;
    e.preventDefault();
    text.setRangeText(pasted.replace(/\r\n?/g, '\n'), text.selectionStart, text.selectionEnd, 'end');
    changed();
  });
  text.addEventListener('scroll', () => { lines.scrollTop = text.scrollTop; });
  $('lp-use-template').addEventListener('click', useTemplate);
  $('lp-insert').addEventListener('click', insertQuestion);
  $('lp-download').addEventListener('click', download);
  const file = /** @type {HTMLInputElement} */ ($('lp-file'));
  $('lp-open').addEventListener('click', () => file.click());
  file.addEventListener('change', () => { if (file.files && file.files[0]) open(file.files[0]); file.value = ''; });
  // Answers in the preview are for the trainer alone: no statement reaches the outbox or the LRS.
  for (const verb of ['initialized', 'experienced', 'answered', 'passed', 'failed', 'completed', 'terminated']) {
    preview.addEventListener('leerpad:' + verb, e => e.stopPropagation());
  }
  gutter();
  describe();
  boot(early.worker);  // started from the page's head: Pyodide is loading already
  try {
    data = await early.data;
    templates = JSON.parse(data).templates;
  } catch {
    stop();
    say('De gegevens van de cursus ontbreken: er is geen voorbeeld. Typen en downloaden gaan gewoon verder.');
    progress.hidden = true;
    return;
  }
  if (stored === null && !text.value) { text.value = templates.case || ''; save(); gutter(); describe(); }
  if (worker) worker.postMessage({ type: 'start', data });
}

/** Material's instant navigation swaps pages without unloading this script. */
function followInstantNavigation() {
  const material = /** @type {any} */ (window).document$;
  if (!material || typeof material.subscribe !== 'function') return;
  material.subscribe(() => {
    const now = document.querySelector('.leerpad-editor');
    if (now === root) return;
    stop();  // the editor is gone: so is its worker
    if (now) location.reload();  // the editor swapped back in (the back button): load it with its script
  });
}

init();
followInstantNavigation();
