// Entry module: reads the page configuration; once per document starts the
// outbox, the xAPI sender and the visit; on every page (also after Material's
// instant navigation, document$) builds the widgets and the progress bar.
import { panel } from './learner.js';
import { Outbox } from './outbox.js';
import { all, emit, get, h, migrate, set, since } from './page.js';
import { Case, Question, Quiz } from './quiz.js';
import { def, listen, stamp } from './xapi.js';

/** The one global (types.d.ts: Window). */
const env = window.leerpad ||= {};
const seen = new WeakSet();
let visit = 0;

/** @param {LpModule} m */
const done = m => !!(/** @type {ModuleRecord|null} */ (get('s.' + m.iri)))?.done;

/** Progress of the course and of the page's module, below the title. @param {LpConfig} cfg @param {LpManifest} man */
function bar(cfg, man) {
  const c = document.querySelector('.md-content__inner');
  if (!c) return;
  const ms = man.modules, n = ms.filter(done).length, cur = ms.find(m => m.id === cfg.page.module);
  const box = h('div', { class: 'leerpad-progress' },
    h('label', {}, `Voortgang: ${n} van ${ms.length} modules afgerond `, h('progress', { max: ms.length, value: n })));
  if (cur) box.append(h('p', {}, `Module „${cur.title}”: ${done(cur) ? 'afgerond' : 'nog niet afgerond'}.`));
  const old = c.querySelector('.leerpad-progress'), h1 = c.querySelector('h1');
  old ? old.replaceWith(box) : h1 ? h1.after(box) : c.prepend(box);
}

/** @param {LpModule} m @param {boolean|undefined} passed @param {XScore} [score] */
function finish(m, passed, score) {
  set('s.' + m.iri, /** @type {ModuleRecord} */ ({ v: 2, done: true, passed }));
  const d = { id: m.iri, def: def('module', m.title), result: { score, success: passed, completion: true } };
  if (passed != null) emit(document, passed ? 'passed' : 'failed', d);
  emit(document, 'completed', d);
}

/**
 * After a quiz attempt: the module is passed when all its quizzes are, and
 * failed when one of them is failed with no attempts left. Reported once.
 * @param {LpManifest} man @param {string} quiz IRI
 */
function judge(man, quiz) {
  const q = man.quizzes.find(x => x.iri === quiz), m = q && man.modules.find(x => x.id === q.module);
  if (!m || done(m)) return;
  const best = man.quizzes.filter(x => m.quizzes.includes(x.id)).map(info => {
    /** @type {QuizRecord|null} */
    const s = get('s.' + info.iri), res = s ? s.results : [];
    /** @type {AttemptResult} */
    const none = { number: 0, scaled: 0, raw: 0, max: 0, passed: false };
    const b = res.reduce((x, r) => r.scaled > x.scaled ? r : x, res[0] || none);
    return { ...b, out: !b.passed && info.attempts > 0 && res.length >= info.attempts };
  });
  const passed = best.every(x => x.passed);
  /** @param {'scaled'|'raw'|'max'} k */
  const sum = k => best.reduce((t, x) => t + x[k], 0);
  if (passed || best.some(x => x.out)) {
    finish(m, passed, { scaled: Math.round(sum('scaled') / best.length * 1e4) / 1e4, raw: sum('raw'), min: 0, max: sum('max') });
  }
}

/** A module without a quiz is completed when the end of its page was seen. @param {LpConfig} cfg @param {LpManifest} man */
function readToEnd(cfg, man) {
  const m = man.modules.find(x => x.id === cfg.page.id), c = document.querySelector('.md-content__inner');
  if (!m || !c || m.quizzes.length || done(m)) return;
  const end = c.appendChild(h('div', { class: 'leerpad-end' }));
  const io = new IntersectionObserver(es => {
    if (es.some(e => e.isIntersecting) && !done(m)) finish(m, undefined);
    if (done(m)) io.disconnect();
  });
  io.observe(end);
}

/** Once per document: the outbox, the sender, the visit. @param {LpConfig} first the first page's configuration */
function start(first) {
  const cfg = () => env.cfg || first, course = () => ({ id: cfg().course.iri, def: def('course', cfg().course.title) });
  const box = env.outbox = new Outbox(first.lrs, st => stamp(cfg(), st));
  listen(cfg, st => box.add(st));
  document.addEventListener('leerpad:completed', e => {
    const id = /** @type {CustomEvent<LpEvent>} */ (e).detail.id, man = env.man;
    if (!man) return;
    if (id.includes('/quiz/')) judge(man, id);
    bar(cfg(), man);
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
  return box;
}

async function init() {
  // A data-* attribute, not a JSON <script>: Material's instant loading re-runs the content's scripts.
  const el = document.getElementById('leerpad-config');
  if (!el || seen.has(el)) return;
  seen.add(el);
  /** @type {LpConfig} */
  const cfg = env.cfg = JSON.parse(el.dataset.config || '{}'), pg = cfg.page;
  const modIri = (/** @type {string|null} */ id) => cfg.course.iri + '/module/' + id;
  migrate();
  env.manifest ||= fetch(new URL(cfg.manifest, location.href)).then(r => r.ok ? r.json() : null, () => null);
  const man = env.man = await env.manifest;
  const box = env.outbox || start(cfg);
  const kase = man && man.cases.find(x => x.iri === pg.iri), mods = kase ? kase.modules.map(modIri) : [];
  if (pg.iri) {
    const type = { quiz: 'assessment', case: 'simulation' }[/** @type {'quiz'} */ (pg.kind)] || 'module';
    emit(document, 'experienced', { id: pg.iri, def: def(type, pg.title), grouping: pg.kind === 'quiz' ? [modIri(pg.module)] : mods });
  }
  const saved = () => box.flush(true), jobs = cfg.professions || {};
  for (const q of all('.leerpad-quiz')) panel(new Quiz(q, cfg.course.iri, pg.title).el, jobs, saved);
  for (const k of all('.leerpad-case')) panel(new Case(k, pg.title, mods).el, jobs, saved);
  for (const q of all('.leerpad-question')) {
    if (!q.closest('.leerpad-quiz,.leerpad-case')) new Question(q, { attempt: 1, parent: pg.iri ? [pg.iri] : [], grouping: [] });
  }
  if (!man) return;
  bar(cfg, man);
  if (pg.kind === 'module') readToEnd(cfg, man);
}

if (window.document$) window.document$.subscribe(() => { init() });
else init();
