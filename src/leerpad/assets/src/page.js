// What every module needs: elements built from text only, announcements,
// events, and localStorage with one key per record (tabs never overwrite
// each other's lists).

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {Record<string, any>} [attrs] @param {...(Node|string)} kids
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v != null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...kids);
  return e;
}

/** @param {string} sel @param {ParentNode} [root] @returns {HTMLElement[]} */
export const all = (sel, root = document) => [...root.querySelectorAll(sel)].map(e => /** @type {HTMLElement} */ (e));

/** Through one polite live region. @param {string} text */
export function say(text) {
  const r = document.getElementById('leerpad-live') ||
    document.body.appendChild(h('div', { id: 'leerpad-live', class: 'leerpad-sr', role: 'status' }));
  r.textContent = '';
  setTimeout(() => { r.textContent = text }, 60);
}

/** @param {EventTarget} at @param {string} verb @param {LpEvent} detail */
export const emit = (at, verb, detail) =>
  at.dispatchEvent(new CustomEvent('leerpad:' + verb, { bubbles: true, detail }));

/** A notice on the page, once per text. @param {string} text @param {...Node} more */
export function notice(text, ...more) {
  if (all('.leerpad-notice').some(n => n.firstChild?.textContent === text)) return;
  const n = h('div', { class: 'leerpad-notice', role: 'alert' }, text, ' ', ...more,
    h('button', { type: 'button', onclick: () => n.remove() }, 'Sluiten'));
  document.body.append(n);
}

const P = 'leerpad.';
/**
 * Records the browser could not store (localStorage full: QuotaExceededError).
 * They live as long as the document (instant navigation keeps it); the learner is told.
 * @type {Map<string, string>}
 */
const mem = new Map();
let R = '';
/**
 * Progress (`s.` records, `t.` times) of an LMS launch is its registration's own,
 * `r.<registration>.s.…`: a new enrolment starts afresh; standalone records keep their names.
 * @param {string} reg
 */
export const within = reg => { R = 'r.' + reg + '.' };
/** @param {string} k */
const at = k => /^[st]\./.test(k) ? R + k : k;
/** A record as stored; its type is the caller's (see types.d.ts). @param {string} k @returns {any} */
export const get = k => { try { return JSON.parse(mem.get(k = at(k)) || localStorage[P + k] || 'null') } catch { return null } };
/** @param {string} k @param {unknown} v */
export const set = (k, v) => {
  const t = JSON.stringify(v);
  k = at(k);
  try {
    localStorage[P + k] = t;
    mem.delete(k);
  } catch {
    mem.set(k, t);
    notice('Uw browser heeft geen opslagruimte meer: sluit deze pagina pas als er "Alles is verzonden" staat.');
  }
};
/** @param {string} k */
export const del = k => { mem.delete(k = at(k)); localStorage.removeItem(P + k) };
/** Sorted keys below a prefix, without "leerpad." (nor the registration's part). @param {string} pre */
export const keys = pre => [...new Set([...Object.keys(localStorage).filter(k => k.startsWith(P)).map(k => k.slice(8)), ...mem.keys()])]
  .filter(k => k.startsWith(at(pre))).map(k => k.slice(at(pre).length - pre.length)).sort();

/**
 * Version 1 records (no `v`, one-letter fields, written before version 2)
 * become version 2 records, once per page load, before any widget reads them.
 * Kinds are told apart by their fields: quiz `res`, case `n`, question `a`, module `d`.
 */
export function migrate() {
  /** @type {LearnerV1|LearnerRecord|null} */
  const l = get('learner');
  if (l && !('v' in l)) {
    /** @type {LearnerRecord} */
    const v2 = { v: 2, name: l.naam, mail: l.mail, profession: l.beroep.replace(' ', '-'), register: l.soort, number: l.nr, consent: false };
    set('learner', v2);
  }
  for (const k of keys('s.')) {
    /** @type {RecordV1|null} */
    const o = get(k);
    if (!o || 'v' in o) continue;
    const t = o.t || Date.now();
    /** @type {QuizRecord|CaseRecord|QuestionRecord|ModuleRecord} */
    const rec = o.res ? { v: 2, attempt: o.a || 1, started: t, results: o.res.map(x => ({ number: x.a, scaled: x.s, raw: x.r, max: x.m, passed: x.p })) }
      : o.n ? { v: 2, step: o.n, started: t, done: !!o.d }
        : o.a ? { v: 2, attempt: o.a, response: o.r, checked: !!o.c, success: o.ok, started: o.t }
          : { v: 2, done: !!o.d, passed: o.p };
    set(k, rec);
  }
}

/** A toets attempt's score into its record (`results` keeps every attempt's). @param {QuizRecord} s @param {ScoredAttempt} a */
export function scored(s, a) {
  const { scaled, raw, max } = a.score;
  s.answer = a;
  s.results = s.results.filter(r => r.number !== s.attempt).concat({ number: s.attempt, scaled, raw, max, passed: a.success });
}

/** A v4 UUID (crypto.randomUUID needs a secure context). */
export const uuid = () => {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = b[6] & 15 | 64; b[8] = b[8] & 63 | 128;
  const x = [...b].map(v => (v + 256).toString(16).slice(1)).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
};

/** ISO 8601 duration since `t0`, 0.01 s precision. @param {number} t0 */
export const since = t0 => 'PT' + Math.max(0, Math.round((Date.now() - t0) / 10) / 100) + 'S';
