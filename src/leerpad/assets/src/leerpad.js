// Entry module: reads the page configuration; once per document starts the
// outbox, the xAPI sender and the visit; on every page (also after Material's
// instant navigation, document$) builds the widgets and the progress bar.
import { panel } from './learner.js';
import { mark, onPage, spent } from './progress.js';
import { Outbox } from './outbox.js';
import { all, emit, get, h, keys, migrate, set, since, within } from './page.js';
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
  // The final test's module is no module of the course's content: not counted.
  const ms = man.modules.filter(m => !man.quizzes.some(q => q.final && m.quizzes.includes(q.id))), n = ms.filter(done).length, cur = ms.find(m => m.id === cfg.page.module);
  const box = h('div', { class: 'leerpad-progress' },
    h('label', {}, `Voortgang: ${n} van ${ms.length} modules afgerond `, h('progress', { max: ms.length, value: n })));
  if (cur) box.append(h('p', {}, `Module „${cur.title}”: ${done(cur) ? 'afgerond' : 'nog niet afgerond'}.`));
  if (cfg.lrs) box.append(h('p', { class: 'leerpad-sync' }));
  const old = c.querySelector('.leerpad-progress'), h1 = c.querySelector('h1');
  old ? old.replaceWith(box) : h1 ? h1.after(box) : c.prepend(box);
  sync();
  mark(cfg, man);
}

/** Whether everything reached the LRS, or what waits in this browser. */
function sync() {
  const el = document.querySelector('.leerpad-sync'), n = keys('out.').length;
  if (el) el.textContent = n ? `Bewaard in deze browser; ${n} ${n > 1 ? 'gegevens wachten' : 'gegeven wacht'} op verzending.` : 'Alles is verzonden.';
}

/**
 * After a toets is scored: the module is done here (for the progress shown) when
 * all its toetsen are passed, or one is failed with no attempts left. The scorer
 * reports it to the LRS.
 * @param {LpManifest} man @param {string} quiz IRI
 */
function judge(man, quiz) {
  const q = man.quizzes.find(x => x.iri === quiz), m = q && man.modules.find(x => x.id === q.module);
  if (!m || done(m)) return;
  const res = man.quizzes.filter(x => m.quizzes.includes(x.id)).map(info => {
    /** @type {QuizRecord|null} */
    const s = get('s.' + info.iri), r = s ? s.results : [];
    return r.some(x => x.passed) ? 1 : info.attempts > 0 && r.length >= info.attempts ? 0 : -1;
  });
  if (!res.includes(-1)) set('s.' + m.iri, { v: 2, done: true, passed: !res.includes(0) });
}

/** A module without a quiz is completed when the end of its page was seen. @param {LpConfig} cfg @param {LpManifest} man */
function readToEnd(cfg, man) {
  const m = man.modules.find(x => x.id === cfg.page.id), c = document.querySelector('.md-content__inner');
  if (!m || !c || m.quizzes.length || done(m)) return;
  const end = c.appendChild(h('div', { class: 'leerpad-end' }));
  const io = new IntersectionObserver(es => {
    if (es.some(e => e.isIntersecting) && !done(m)) {
      set('s.' + m.iri, /** @type {ModuleRecord} */ ({ v: 2, done: true }));
      emit(document, 'completed', { id: m.iri, def: def('module', m.title), result: { completion: true, duration: since(Date.now() - spent(m.iri)) } });
    }
    if (done(m)) io.disconnect();
  });
  io.observe(end);
}

/** Once per document: the outbox, the sender, the visit. @param {LpConfig} first the first page's configuration */
function start(first) {
  const cfg = () => env.cfg || first, course = () => ({ id: cfg().course.iri, def: def('course', cfg().course.title) });
  const box = env.outbox = new Outbox(first.lrs, st => stamp(cfg(), st));
  // Launched by an LMS (cmi5): statements go to its LRS with its token; the outbox still carries toets submits.
  listen(cfg, st => (env.lms || box).add(st));
  for (const t of ['completed', 'scored']) {
    document.addEventListener('leerpad:' + t, e => {
      const man = env.man;
      if (!man) return;
      judge(man, /** @type {CustomEvent<LpEvent>} */ (e).detail.id);
      bar(cfg(), man);
    });
  }
  const begin = () => { visit = Date.now(); emit(document, 'initialized', course()) };
  addEventListener('pagehide', () => {
    emit(document, 'terminated', { ...course(), result: { duration: since(visit) } });
    box.hide();
  });
  addEventListener('pageshow', e => { if (e.persisted) begin() });
  // Mobile browsers often hide a page for good without a pagehide.
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') box.hide() });
  box.tell = sync;
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
  onPage(pg.iri);
  migrate();
  env.manifest ||= fetch(new URL(cfg.manifest, location.href)).then(r => r.ok ? r.json() : null, () => null);
  const man = env.man = await env.manifest;
  // Launched by an LMS (cmi5): its learner, LRS and rules; cmi5.js loads only then.
  if (!env.outbox && (/[?&](endpoint|fetch|actor)=/.test(location.search) || sessionStorage['leerpad.cmi5'])) env.lms = await (await import('./cmi5.js')).launch();
  if (env.lms) within(env.lms.s.registration);
  const box = env.outbox || start(cfg);
  const kase = man && man.cases.find(x => x.iri === pg.iri), mods = kase ? kase.modules.map(modIri) : [];
  if (pg.iri) {
    const type = { quiz: 'assessment', case: 'simulation' }[/** @type {'quiz'} */ (pg.kind)] || 'module';
    emit(document, 'experienced', { id: pg.iri, def: def(type, pg.title), grouping: pg.kind === 'quiz' ? [modIri(pg.module)] : mods });
  }
  const saved = () => box.flush(true), jobs = cfg.professions || {};
  // Launched by an LMS: it names the learner, so no identity form.
  const ask = (/** @type {HTMLElement} */ el) => env.lms || panel(el, jobs, saved);
  for (const q of all('.leerpad-quiz')) ask(new Quiz(q, cfg, box).el);
  for (const k of all('.leerpad-case')) ask(new Case(k, pg.title, mods).el);
  for (const q of all('.leerpad-question')) {
    if (!q.closest('.leerpad-quiz,.leerpad-case')) new Question(q, { attempt: 1, parent: pg.iri ? [pg.iri] : [], grouping: [] });
  }
  if (!man) return;
  bar(cfg, man);
  if (pg.kind === 'module') readToEnd(cfg, man);
  const ov = document.querySelector('.leerpad-overview');
  if (ov) import('./overview.js').then(o => o.overview(/** @type {HTMLElement} */ (ov), cfg, man));
}

if (window.document$) window.document$.subscribe(() => { init() });
else init();
