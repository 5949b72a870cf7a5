// The learner's identity (standalone mode): asked before the first quiz or
// case, kept in this browser only, editable and erasable; xapi.js makes the
// actor from it.
import { del, get, h, keys, say } from './page.js';

/**
 * The learner's data before `target`; while unknown, a form, and `target`
 * is inert until it is filled in.
 * @param {HTMLElement} target @param {LangMap} jobs professions: id → label @param {() => void} saved
 */
export function panel(target, jobs, saved) {
  const box = h('section', { class: 'leerpad-learner', 'aria-label': 'Uw gegevens' });
  target.before(box);
  const show = (/** @type {boolean} */ edit) => {
    /** @type {LearnerRecord|null} */
    const l = get('learner'), ok = l?.consent;
    target.inert = !ok;
    if (ok && !edit) {
      const job = (jobs[l.profession] || l.profession).toLowerCase();
      return box.replaceChildren(h('p', {}, `U neemt deel als ${l.name} (${job}${l.number ? ', ' + l.number : ''}). `,
        h('button', { type: 'button', class: 'md-button', onclick: () => show(true) }, 'Gegevens wijzigen'), ' ',
        h('button', { type: 'button', class: 'md-button', onclick: erase }, 'Gegevens wissen')));
    }
    // The form's code loads only when the form is shown (once per learner, or to edit).
    import('./form.js').then(m => {
      box.replaceChildren(m.form(l, jobs, () => { show(false); saved(); say('Uw gegevens zijn bewaard.') }));
      if (edit) box.querySelector('input')?.focus();
    });
  };
  show(false);
}

/**
 * Forgets learner, registration and progress; statements already made and toets
 * submits still go out, and what the LRS refused stays (it is never erased silently).
 */
function erase() {
  if (!confirm('Uw gegevens en uw voortgang in deze browser wissen?')) return;
  for (const k of keys('')) if (!k.startsWith('bad.') && !(k.startsWith('out.') && (get(k).actor || get(k).body))) del(k);
  location.reload();
}
