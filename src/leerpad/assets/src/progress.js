// What the learner has done, as this browser stored it: time spent per page,
// each module's status beside its links (navigation, the home page's table;
// after the link, so that its name stays the module's),
// and the end screen once the final test is passed (overview.js, loaded only
// then and on the "Mijn voortgang" page).
import { all, get, h, set } from './page.js';

let at = '', t0 = 0, cur = '';
/** Milliseconds spent on an activity's page, this visit included. @param {string} iri */
export const spent = iri => (get('t.' + iri) || 0) + (iri && iri === at ? Date.now() - t0 : 0);
/** Books the running visit and starts timing `iri` ('' stops). @param {string} iri */
const tick = iri => {
  if (at) set('t.' + at, spent(at));
  at = iri;
  t0 = Date.now();
};
/** A page with an activity is on screen. @param {string|null} iri */
export const onPage = iri => tick(cur = iri || '');
// A hidden page (another tab, the phone locked, the page left) does not count.
document.addEventListener('visibilitychange', () => tick(document.hidden ? '' : cur));

/** @param {number} x scaled score */
export const pct = x => Math.round(x * 100) + ' %';

/**
 * A module's status in words: not started, busy, done (with its score).
 * @param {LpManifest} man @param {LpModule} m
 */
export function status(man, m) {
  /** @type {ModuleRecord|null} */
  const r = get('s.' + m.iri), qs = man.quizzes.filter(q => m.quizzes.includes(q.id));
  const best = qs.map(q => Math.max(0, ...(/** @type {QuizRecord|null} */ (get('s.' + q.iri))?.results || []).map(x => x.scaled)));
  const busy = spent(m.iri) || qs.some(q => get('s.' + q.iri)) || man.cases.some(c => c.modules.includes(m.id) && get('s.' + c.iri));
  return r?.done ? (r.passed === false ? 'niet geslaagd' : 'afgerond') + (qs.length ? ', ' + pct(best.reduce((a, b) => a + b, 0) / qs.length) : '')
    : busy ? 'bezig' : 'niet begonnen';
}

/** Each module's status beside the links to it; the end screen after the final test. @param {LpConfig} cfg @param {LpManifest} man */
export function mark(cfg, man) {
  const base = new URL(cfg.manifest, location.href);
  all('.leerpad-status').forEach(s => s.remove());
  for (const m of man.modules) {
    const url = new URL((m.page || '').replace(/\.md$/, '/').replace(/(^|\/)index\/$/, '$1'), base).href;
    for (const a of all('.md-nav a[href], .md-typeset table a[href]')) {
      if (/** @type {HTMLAnchorElement} */ (a).href === url) a.after(h('span', { class: 'leerpad-status' }, ' – ' + status(man, m)));
    }
  }
  const fin = man.quizzes.find(q => q.final && q.iri === cfg.page.iri), el = /** @type {HTMLElement|null} */ (document.querySelector('.leerpad-quiz'));
  if (fin && el && /** @type {QuizRecord|null} */ (get('s.' + fin.iri))?.results.some(x => x.passed)) {
    import('./overview.js').then(o => o.ending(el, cfg, man));
  }
}
