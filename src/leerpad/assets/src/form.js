// The identity form (standalone mode), split from learner.js: a learner who is
// already known never loads it.
import { h, set } from './page.js';

/**
 * RIZIV check digits (7th and 8th) from the first six: modulo 97 for older
 * numbers, 89 for newer ones. A mismatch is a warning only (domain.md).
 * @param {string} d eleven digits
 */
export const rizivCheck = d => {
  const n = +d.slice(0, 6), c = +d.slice(6, 8);
  return c === 97 - n % 97 || c === 89 - n % 89;
};

/** The form; `done` once it is saved. @param {LearnerRecord|null} l @param {LangMap} jobs @param {() => void} done */
export function form(l, jobs, done) {
  /** @type {Record<string, string>} */
  const v = l ? { naam: l.name, mail: l.mail, beroep: l.profession, soort: l.register, nr: l.number } : { soort: 'riziv' };
  const yes = h('input', { type: 'checkbox', id: 'leerpad-akkoord', checked: !!l?.consent });
  /** @type {Record<string, HTMLInputElement>} */
  const c = {};
  /** @param {string} id @param {string} text @param {HTMLInputElement|HTMLSelectElement} ctl */
  const row = (id, text, ctl) => {
    c[id] = /** @type {HTMLInputElement} */ (ctl);
    Object.assign(ctl, { id: 'leerpad-' + id, value: v[id] || '' });
    ctl.setAttribute('aria-describedby', ctl.id + '-fout');
    return h('p', {}, h('label', { for: ctl.id }, text), ctl, h('span', { class: 'leerpad-error', id: ctl.id + '-fout' }));
  };
  /** @param {string[]} list */
  const choose = list => h('select', {}, ...list.map(o => { const [val, text] = o.split('|'); return h('option', { value: val }, text || val || '— kies —') }));
  const sure = h('input', { type: 'checkbox', id: 'leerpad-zeker' });
  const warn = h('p', { class: 'leerpad-warning', hidden: true },
    'De controlecijfers van dit RIZIV-nummer kloppen niet met de gewone berekening. Kijk het nummer na. ',
    h('label', {}, sure, ' Het nummer klopt.'));
  const f = h('form', { class: 'leerpad-learner__form', novalidate: true },
    h('h2', {}, 'Uw gegevens'),
    h('p', {}, 'Nodig voor uw accreditatie. Ze blijven in deze browser en gaan alleen naar de leeromgeving van de organisator van deze cursus.'),
    row('naam', 'Naam', h('input', { type: 'text', autocomplete: 'name' })),
    row('mail', 'E-mail', h('input', { type: 'email', autocomplete: 'email' })),
    row('beroep', 'Beroep', choose(['', ...Object.entries(jobs).map(j => j.join('|'))])),
    row('soort', 'Soort nummer', choose(['riziv|RIZIV-nummer (België)', 'big|BIG-nummer (Nederland)', 'geen|Geen nummer'])),
    row('nr', 'RIZIV- of BIG-nummer (11 cijfers)', h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off' })),
    warn,
    h('p', {}, h('label', {}, yes, ' Ik ga akkoord dat mijn resultaten (antwoorden, afgeronde casussen, modules en toetsen) met mijn gegevens naar de organisator van deze cursus gaan.'),
      h('span', { class: 'leerpad-error', id: 'leerpad-akkoord-fout' })),
    h('button', { type: 'submit', class: 'md-button md-button--primary' }, 'Opslaan'));
  yes.setAttribute('aria-describedby', 'leerpad-akkoord-fout');
  c.akkoord = yes;

  f.addEventListener('submit', e => {
    e.preventDefault();
    warn.hidden = true; // a warning about an earlier number must not stand beside a new error
    const s = /** @type {LearnerRecord['register']} */ (c.soort.value), raw = c.nr.value.trim(), d = raw.replace(/\D/g, '');
    /** @type {LearnerRecord} */
    const out = { v: 2, name: c.naam.value.trim(), mail: c.mail.value.trim(), profession: c.beroep.value, register: s, number: '', consent: yes.checked };
    /** @type {Record<string, string>} */
    const bad = {};
    if (!out.name) bad.naam = 'Vul uw naam in.';
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(out.mail)) bad.mail = 'Vul een geldig e-mailadres in, bv. naam@voorbeeld.be.';
    if (!out.profession) bad.beroep = 'Kies uw beroep.';
    if (!out.consent) bad.akkoord = 'Zonder uw akkoord gaan er geen resultaten naar de organisator en telt de cursus niet voor accreditatie.';
    if (s === 'riziv') {
      if (/^\d[-. /]?\d{5}[-. /]?\d{2}[-. /]?\d{3}$/.test(raw)) out.number = `${d[0]}-${d.slice(1, 6)}-${d.slice(6, 8)}-${d.slice(8)}`;
      else bad.nr = 'Een RIZIV-nummer heeft 11 cijfers, bv. 1-23456-25-901.';
    } else if (s === 'big') {
      if (/^\d{11}$/.test(d) && !/[^\d\s]/.test(raw)) out.number = d;
      else bad.nr = 'Een BIG-nummer heeft 11 cijfers.';
    }
    for (const k in c) {
      /** @type {HTMLElement} */ (document.getElementById(c[k].id + '-fout')).textContent = bad[k] || '';
      if (bad[k]) c[k].setAttribute('aria-invalid', 'true');
      else c[k].removeAttribute('aria-invalid');
    }
    const first = Object.keys(c).find(k => bad[k]);
    if (first) return c[first].focus();
    warn.hidden = s !== 'riziv' || rizivCheck(d);
    if (!warn.hidden && !sure.checked) return sure.focus();
    set('learner', out);
    done();
  });
  return f;
}
