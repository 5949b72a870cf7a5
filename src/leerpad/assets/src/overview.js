// "Mijn voortgang" on the home page: per module its status and toets result,
// the cases, and what is still needed for accreditation. Loaded only there
// (leerpad.js imports it on demand), from what this browser keeps.
import { get, h } from './page.js';

/** @param {number} x scaled score */
const pct = x => Math.round(x * 100) + ' %';

/** @param {LpManifest} man @param {LpQuizInfo} q */
function toets(man, q) {
  /** @type {QuizRecord|null} */
  const s = get('s.' + q.iri), best = s && s.results.reduce((b, r) => !b || r.scaled > b.scaled ? r : b, s.results[0]);
  if (!s || !best) return s?.attempt ? 'bezig' : 'nog niet gemaakt';
  if (s.results.some(r => r.passed)) return 'geslaagd (' + pct(best.scaled) + ')';
  const left = s.answer?.attempts_left;
  return `niet geslaagd (${pct(best.scaled)})${left == null ? '' : left ? `, nog ${left} ${left > 1 ? 'pogingen' : 'poging'}` : ', geen pogingen meer'}`;
}

/** @param {LpManifest} man @param {Element} after where the overview goes */
export function overview(man, after) {
  const quizzes = (/** @type {LpModule} */ m) => man.quizzes.filter(q => m.quizzes.includes(q.id));
  /** @param {LpModule} m */
  const status = m => get('s.' + m.iri)?.done ? 'afgerond'
    : quizzes(m).some(q => get('s.' + q.iri)?.attempt) ? 'bezig' : 'nog niet begonnen';
  const open = man.modules.filter(m => status(m) !== 'afgerond');
  const box = h('section', { class: 'leerpad-overview', 'aria-labelledby': 'mijn-voortgang' },
    h('h2', { id: 'mijn-voortgang' }, 'Mijn voortgang'),
    h('table', {},
      h('thead', {}, h('tr', {}, ...['Module', 'Status', 'Toets'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...man.modules.map(m => h('tr', {}, h('th', { scope: 'row' }, m.title), h('td', {}, status(m)),
        h('td', {}, quizzes(m).map(q => toets(man, q)).join('; ') || '—'))))),
    h('p', {}, `Casussen afgerond: ${man.cases.filter(c => get('s.' + c.iri)?.done).length} van ${man.cases.length}.`),
    h('p', {}, open.length ? 'Nog nodig voor uw accreditatie: ' + open.map(m => m.title).join(', ') + '.'
      : 'U hebt alles afgerond wat nodig is voor uw accreditatie.'));
  document.querySelector('.leerpad-overview')?.remove();
  after.after(box);
}
