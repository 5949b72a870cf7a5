// "Mijn voortgang" and the end screen after the final test: loaded only there
// (progress.js and leerpad.js import it on demand), so that no other page pays
// for it. Everything comes from what this browser stored: the records of
// modules, cases and toetsen (with the scorer's answers) and the time spent.
import { get, h } from './page.js';
import { pct, spent, status } from './progress.js';

/** @param {number} ms */
const min = ms => ms < 6e4 ? (ms ? 'minder dan 1 min' : '—') : Math.round(ms / 6e4) + ' min';
/** @param {LpManifest} man @param {LpModule} m */
const quizzes = (man, m) => man.quizzes.filter(q => m.quizzes.includes(q.id));
/** @param {LpManifest} man @param {LpModule} m cases counted under their first module */
const cases = (man, m) => man.cases.filter(c => c.modules[0] === m.id);
/** @param {string} iri @returns {any} */
const rec = iri => get('s.' + iri);

/** A toets in words: its status, best score and attempts. @param {LpQuizInfo} q */
function toets(q) {
  /** @type {QuizRecord|null} */
  const r = rec(q.iri), res = r ? r.results : [], n = res.length;
  const left = r?.answer ? r.answer.attempts_left : q.attempts ? q.attempts - n : null;
  const st = res.some(x => x.passed) ? 'geslaagd'
    : r?.submitted && !r.answer ? 'verzonden, wacht op de score'
      : n && left === 0 ? 'niet geslaagd, geen pogingen meer'
        : n ? `niet geslaagd, nog ${left == null ? 'onbeperkt' : left} ${left === 1 ? 'poging' : 'pogingen'}`
          : r?.questions ? 'bezig' : 'nog niet gemaakt';
  return [st, n ? pct(Math.max(...res.map(x => x.scaled))) : '—', n + (q.attempts ? ' van ' + q.attempts : '')];
}

/** @param {{iri: string}} c */
const kase = c => {
  /** @type {CaseRecord|null} */
  const r = rec(c.iri);
  return r?.done ? 'afgerond' : r ? 'bezig' : 'niet begonnen';
};

/** @param {string} caption @param {string[]} head @param {(string|Node)[][]} rows */
const table = (caption, head, rows) => h('div', { class: 'md-typeset__table' }, h('table', {},
  h('caption', {}, caption),
  h('thead', {}, h('tr', {}, ...head.map(t => h('th', { scope: 'col' }, t)))),
  h('tbody', {}, ...rows.map(r => h('tr', {}, ...r.map(c => h('td', {}, c)))))));

/** @param {URL} base @param {string} page @param {string} text */
const link = (base, page, text) => h('a', { href: new URL(page.replace(/\.md$/, '/').replace(/(^|\/)index\/$/, '$1'), base).href }, text);

/** What is still needed for accreditation, one line each. @param {LpManifest} man */
function needed(man) {
  /** @type {string[]} */
  const out = [];
  if (!(/** @type {LearnerRecord|null} */ (get('learner')))?.consent) out.push('Uw gegevens invullen (bij de eerste casus of toets) en akkoord gaan dat uw resultaten naar de organisator gaan.');
  for (const m of man.modules) {
    if (rec(m.iri)?.done) continue;
    const qs = quizzes(man, m), open = qs.filter(q => !toets(q)[0].startsWith('geslaagd'));
    if (qs.some(q => q.final)) out.push(`De eindtoets halen (${m.title}); ze opent zodra alle andere modules afgerond zijn.`);
    else if (open.length) out.push(`Module „${m.title}”: ${open.map(q => `„${q.title}”`).join(' en ')} halen.`);
    else out.push(`Module „${m.title}”: de leerstof tot het einde doorlopen.`);
  }
  return out;
}

/** The overview on the "Mijn voortgang" page. @param {HTMLElement} el @param {LpConfig} cfg @param {LpManifest} man */
export function overview(el, cfg, man) {
  const base = new URL(cfg.manifest, location.href), todo = needed(man);
  el.replaceChildren(
    h('h2', {}, 'Nog nodig voor uw accreditatie'),
    todo.length ? h('ul', {}, ...todo.map(t => h('li', {}, t)))
      : h('p', {}, 'Niets meer: u hebt alle modules en de eindtoets afgerond. De organisator registreert uw accreditatie; uw certificaat volgt.'),
    h('h2', {}, 'Modules'),
    table('Per module: status, score en bestede tijd (leerstof, casussen en toetsen samen).', ['Module', 'Status', 'Casussen afgerond', 'Tijd'],
      man.modules.map(m => {
        const cs = cases(man, m), t = [m.iri, ...quizzes(man, m).map(q => q.iri), ...cs.map(c => c.iri)].reduce((a, i) => a + spent(i), 0);
        return [link(base, m.page || '', m.title), status(man, m), cs.length ? `${cs.filter(c => kase(c) === 'afgerond').length} van ${cs.length}` : '—', min(t)];
      })),
    h('h2', {}, 'Toetsen'),
    table('Per toets: status, beste score, pogingen en bestede tijd.', ['Toets', 'Status', 'Beste score', 'Pogingen', 'Tijd'],
      man.quizzes.map(q => [link(base, `toetsen/${q.id}.md`, q.title), ...toets(q), min(spent(q.iri))])),
    h('h2', {}, 'Casussen'),
    table('Per casus: status en bestede tijd. Casussen tellen niet mee voor uw score.', ['Casus', 'Status', 'Tijd'],
      man.cases.map(c => [link(base, `casussen/${c.id}.md`, c.title), kase(c), min(spent(c.iri))])),
    h('p', {}, 'Dit overzicht toont wat in deze browser bewaard is. Uw toetsresultaten telt de leeromgeving van de organisator.'));
}

/** After the final test is passed: what happens next. @param {HTMLElement} quiz @param {LpConfig} cfg @param {LpManifest} man */
export function ending(quiz, cfg, man) {
  const base = new URL(cfg.manifest, location.href), old = document.querySelector('.leerpad-ending');
  const box = h('section', { class: 'leerpad-ending', 'aria-labelledby': 'leerpad-ending' },
    h('h2', { id: 'leerpad-ending' }, 'Cursus afgerond'),
    h('p', {}, `Proficiat: u hebt de eindtoets gehaald en „${cfg.course.title}” afgerond.`),
    h('p', {}, 'Wat nu? U hoeft niets meer te doen. De organisator registreert uw accreditatie met de gegevens die u opgaf (RIZIV-nummer bij het RIZIV of APB–Ophaco, BIG-nummer bij GAIA). Uw certificaat volgt daarna.'),
    h('p', {}, link(base, 'voortgang.md', 'Bekijk uw voortgang per module')));
  // Right below the score, at the top of the test.
  old ? old.replaceWith(box) : (quiz.querySelector('.leerpad-quiz__result') || quiz).after(box);
}
