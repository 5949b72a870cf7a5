// Entry module: reads the page configuration; once per document starts the
// outbox, the xAPI sender and the visit; on every page (also after Material's
// instant navigation, document$) builds the widgets and the progress bar.
import { panel } from './learner.js';
import { Outbox } from './outbox.js';
import { all, emit, get, h, set, since } from './page.js';
import { Case, Question, Quiz } from './quiz.js';
import { def, listen, stamp } from './xapi.js';

const w = /** @type {any} */ (window);
/** The one global. @type {{cfg?: LpConfig, man?: LpManifest, manifest?: Promise<LpManifest>, outbox?: Outbox, lms?: any}} */
const env = w.leerpad ||= {};
const seen = new WeakSet();
let visit = 0;

/** @param {LpModule} m */
const done = m => !!(get('s.' + m.iri) || {}).d;
const modIri = (/** @type {string} */ id) => env.cfg.course.iri + '/module/' + id;

/** Progress of the course and of the page's module, below the title. */
function bar() {
  const c = document.querySelector('.md-content__inner'), man = env.man;
  if (!c || !man) return;
  const ms = man.modules, n = ms.filter(done).length, cur = ms.find(m => m.id === env.cfg.page.module);
  const box = h('div', { class: 'leerpad-progress' },
    h('label', {}, `Voortgang: ${n} van ${ms.length} modules afgerond `, h('progress', { max: ms.length, value: n })));
  if (cur) box.append(h('p', {}, `Module „${cur.title}”: ${done(cur) ? 'afgerond' : 'nog niet afgerond'}.`));
  const old = c.querySelector('.leerpad-progress'), h1 = c.querySelector('h1');
  old ? old.replaceWith(box) : h1 ? h1.after(box) : c.prepend(box);
}

/** @param {LpModule} m @param {boolean|undefined} p @param {any} [score] */
function finish(m, p, score) {
  set('s.' + m.iri, { d: 1, p });
  const d = { id: m.iri, def: def('module', m.title), result: { score, success: p, completion: true } };
  if (p != null) emit(document, p ? 'passed' : 'failed', d);
  emit(document, 'completed', d);
}

/**
 * After a quiz attempt: the module is passed when all its quizzes are, and
 * failed when one of them is failed with no attempts left. Reported once.
 * @param {string} quiz IRI
 */
function judge(quiz) {
  const man = env.man, q = man.quizzes.find(x => x.iri === quiz), m = q && man.modules.find(x => x.id === q.module);
  if (!m || done(m)) return;
  const best = m.quizzes.map(id => {
    const info = man.quizzes.find(x => x.id === id);
    /** @type {LpResult[]} */
    const res = info && get('s.' + info.iri) ? get('s.' + info.iri).res : [];
    const b = res.reduce((/** @type {LpResult} */ x, r) => !x || r.s > x.s ? r : x, null) || { a: 0, s: 0, r: 0, m: 0, p: false };
    return { ...b, out: !b.p && info.attempts > 0 && res.length >= info.attempts };
  });
  const p = best.every(x => x.p);
  /** @param {'s'|'r'|'m'} k */
  const sum = k => best.reduce((t, x) => t + x[k], 0);
  if (p || best.some(x => x.out)) finish(m, p, { scaled: Math.round(sum('s') / best.length * 1e4) / 1e4, raw: sum('r'), min: 0, max: sum('m') });
}

/** A module without a quiz is completed when the end of its page was seen. */
function readToEnd() {
  const m = env.man.modules.find(x => x.id === env.cfg.page.id), c = document.querySelector('.md-content__inner');
  if (!m || !c || m.quizzes.length || done(m)) return;
  const end = c.appendChild(h('div', { class: 'leerpad-end' }));
  const io = new IntersectionObserver(es => {
    if (es.some(e => e.isIntersecting) && !done(m)) finish(m, undefined);
    if (done(m)) io.disconnect();
  });
  io.observe(end);
}

function start() {
  const cfg = () => env.cfg, course = () => ({ id: cfg().course.iri, def: def('course', cfg().course.title) });
  const box = env.outbox = env.lms || new Outbox(cfg().lrs, st => stamp(cfg(), st));
  listen(cfg, st => box.add(st));
  document.addEventListener('leerpad:completed', e => {
    const id = /** @type {CustomEvent} */ (e).detail.id;
    if (env.man && id.includes('/quiz/')) judge(id);
    bar();
  });
  const begin = () => { visit = Date.now(); emit(document, 'initialized', course()) };
  addEventListener('pagehide', () => {
    emit(document, 'terminated', { ...course(), result: { duration: since(visit) } });
    box.hide();
  });
  addEventListener('pageshow', e => { if (e.persisted) begin() });
  addEventListener('online', () => box.flush(true));
  // Escape hides glossary tooltips (WCAG 1.4.13); hover or focus shows them again.
  document.addEventListener('keydown', e => {
    if (e.key === 'Escape') all('.leerpad-term').forEach(t => t.classList.add('leerpad-term--off'));
  });
  for (const t of ['focusin', 'pointerover']) {
    document.addEventListener(t, e => {
      const term = e.target instanceof Element && e.target.closest('.leerpad-term');
      if (term) term.classList.remove('leerpad-term--off');
    });
  }
  begin();
  box.flush();
}

async function init() {
  // A data-* attribute, not a JSON <script>: Material's instant loading re-runs the content's scripts.
  const el = document.getElementById('leerpad-config');
  if (!el || seen.has(el)) return;
  seen.add(el);
  const cfg = env.cfg = JSON.parse(el.dataset.config || '{}'), pg = cfg.page;
  env.manifest ||= fetch(new URL(cfg.manifest, location.href)).then(r => r.ok ? r.json() : null, () => /** @type {LpManifest} */ (null));
  const man = env.man = await env.manifest;
  // Launched by an LMS (cmi5): its learner, LRS and rules; cmi5.js loads only then.
  if (!env.outbox && (/[?&](endpoint|fetch|actor|registration|activityId)=/.test(location.search) || sessionStorage['leerpad.cmi5'])) env.lms = await (await import('./cmi5.js')).launch();
  if (!env.outbox) start();
  const kase = man && man.cases.find(x => x.iri === pg.iri), mods = kase ? kase.modules.map(modIri) : [];
  if (pg.iri) {
    const type = { quiz: 'assessment', case: 'simulation' }[/** @type {'quiz'} */ (pg.kind)] || 'module';
    emit(document, 'experienced', { id: pg.iri, def: def(type, pg.title), grouping: pg.kind === 'quiz' ? [modIri(pg.module)] : mods });
  }
  const saved = () => env.outbox.flush(true);
  for (const q of all('.leerpad-quiz')) panel(new Quiz(q, cfg.course.iri, pg.title).el, saved);
  for (const k of all('.leerpad-case')) panel(new Case(k, pg.title, mods).el, saved);
  for (const q of all('.leerpad-question')) {
    if (!q.closest('.leerpad-quiz,.leerpad-case')) new Question(q, { a: 1, parent: pg.iri ? [pg.iri] : [], grouping: [] });
  }
  bar();
  if (man && pg.kind === 'module') readToEnd();
}

if (w.document$) w.document$.subscribe(() => { init() });
else init();
