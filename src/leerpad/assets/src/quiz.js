// Question widgets (any page), quizzes (score, pass mark, attempts) and cases
// (steps in order). Answers are kept per attempt so that a reload resumes them.
import { all, emit, get, h, say, set, since } from './page.js';
import { def } from './xapi.js';

const SEP = '[,]';
/** @param {XComponent[]|undefined} list @param {string} id */
const label = (list, id) => {
  const c = (list || []).find(x => x.id === id);
  return c && c.description ? Object.values(c.description)[0] : id;
};
/** @param {string} p */
const bare = p => p.replace(/^(\{[^}]*\})+/, '').trim();
/** Right or wrong in words, not only colour. @param {Element} at @param {boolean} ok @param {string} [note] */
const mark = (at, ok, note) => at.append(h('span', { class: 'leerpad-mark ' + (ok ? 'is-right' : 'is-wrong') },
  (ok ? '✓ juist' : '✗ niet juist') + (note ? ': ' + note : '')));

export class Question {
  /** @param {HTMLElement} el @param {LpHost} host */
  constructor(el, host) {
    this.el = el;
    this.host = host;
    /** @type {LpQuestionData} */
    this.data = JSON.parse(el.dataset.question || '{}');
    this.def = this.data.definition;
    this.key = 's.' + this.data.iri;
    this.fs = /** @type {HTMLFieldSetElement} */ (el.querySelector('fieldset'));
    /** @type {HTMLElement|null} */
    this.seq = el.querySelector('.leerpad-sequence');
    this.order = this.seq ? all('li', this.seq) : [];
    this.c = false;
    /** @type {boolean|undefined} */
    this.ok = undefined;
    this.t0 = Date.now();
    this.btn = h('button', { type: 'button', class: 'md-button leerpad-check', onclick: () => this.check() },
      host.final ? 'Antwoord bevestigen' : 'Controleer');
    this.out = h('p', { class: 'leerpad-question__result', tabindex: -1, hidden: true });
    el.append(this.btn, this.out);
    for (const li of this.order) {
      const t = (li.textContent || '').trim();
      li.append(h('span', { class: 'leerpad-move' },
        h('button', { type: 'button', 'aria-label': 'Hoger: ' + t, onclick: () => this.move(li, -1, t) }, '↑'),
        h('button', { type: 'button', 'aria-label': 'Lager: ' + t, onclick: () => this.move(li, 1, t) }, '↓')));
    }
    el.addEventListener('change', () => this.save());
    el.addEventListener('input', () => this.save());
    const s = this.st();
    if (s.response != null) this.put(s.response);
    if (s.checked) this.show(s);
  }

  /** This attempt's stored answer. @returns {QuestionRecord} */
  st() {
    /** @type {QuestionRecord|null} */
    const s = get(this.key);
    return s && s.attempt === this.host.attempt ? s : { v: 2, attempt: this.host.attempt };
  }

  save() {
    if (this.c) return;
    const s = this.st();
    s.response = this.response();
    s.started ||= Date.now();
    set(this.key, s);
  }

  /** One place up or down; focus stays on the button. @param {HTMLElement} li @param {number} d @param {string} t */
  move(li, d, t) {
    const b = /** @type {HTMLElement} */ (document.activeElement), sib = d < 0 ? li.previousElementSibling : li.nextElementSibling;
    if (sib) sib[d < 0 ? 'before' : 'after'](li);
    b.focus();
    const list = [...li.parentElement?.children || []];
    say(`${t}: plaats ${list.indexOf(li) + 1} van ${list.length}.`);
    this.save();
  }

  /** The xAPI response of the controls; '' while incomplete. */
  response() {
    if (this.seq) return all('li', this.seq).map(li => li.dataset.option).join(SEP);
    const sel = /** @type {HTMLSelectElement[]} */ (all('select', this.fs));
    if (sel[0]) return sel.every(s => s.value) ? sel.map(s => s.dataset.source + '[.]' + s.value).join(SEP) : '';
    const text = /** @type {HTMLInputElement} */ (this.fs.querySelector('input[type=text],textarea'));
    return text ? text.value.trim() : all('input:checked', this.fs).map(i => /** @type {HTMLInputElement} */ (i).value).join(SEP);
  }

  /** @param {string} r */
  put(r) {
    const ids = r ? r.split(SEP) : [];
    const seq = this.seq;
    if (seq) return ids.forEach(id => seq.append(...this.order.filter(li => li.dataset.option === id)));
    for (const c of /** @type {HTMLInputElement[]} */ (all('input,select,textarea', this.fs))) {
      const src = c.dataset.source;
      if (c.type === 'radio' || c.type === 'checkbox') c.checked = ids.includes(c.value);
      else c.value = src ? (ids.find(p => p.startsWith(src + '[.]')) || '').slice(src.length + 3) : r;
    }
  }

  /** @param {string} r @returns {boolean|undefined} */
  success(r) {
    const p = this.def.correctResponsesPattern, t = this.data.type;
    /** @type {(s: string) => string} */
    const norm = t === 'fill-in' ? s => bare(s).toLowerCase() : t === 'matching' ? s => s.split(SEP).sort().join() : s => s;
    return this.data.scored && p ? p.some(x => norm(x) === norm(r)) : undefined;
  }

  check() {
    const response = this.response(), s = this.st(), { parent, grouping, attempt } = this.host;
    if (this.c) return;
    if (!response) return say('Beantwoord eerst de vraag.');
    set(this.key, Object.assign(s, { response, checked: true, success: this.success(response) }));
    this.show(s);
    this.out.focus();
    emit(this.el, 'answered', {
      id: this.data.iri, def: this.def, parent, grouping, attempt,
      result: { response, success: s.success, completion: true, duration: since(s.started || this.t0) },
    });
    if (this.host.done) this.host.done();
  }

  /** Locks the answer and shows feedback; a final test shows it only when over. @param {QuestionRecord} s */
  show(s) {
    this.c = true;
    this.ok = s.success;
    this.fs.disabled = true;
    this.btn.hidden = true;
    this.out.hidden = false;
    this.out.textContent = this.host.final && !this.host.over ? 'Antwoord bewaard.' : this.feedback(s.response || '', s.success);
  }

  /** @param {string} r @param {boolean} [ok] */
  feedback(r, ok) {
    const el = this.el, d = this.def, picked = r.split(SEP), t = this.data.type;
    const pats = d.correctResponsesPattern || [], p = pats[0];
    for (const f of all('[data-feedback-for]', el)) f.hidden = !['*', ...picked].includes(f.dataset.feedbackFor || '');
    if (!this.data.scored) return 'Antwoord bewaard.';
    let extra = '';
    if (p == null) { /* no answer key */ }
    else if (this.seq) {
      const good = p.split(SEP);
      all('li', this.seq).forEach((li, i) => mark(li, li.dataset.option === good[i]));
      extra = ' Juiste volgorde: ' + good.map((id, i) => `${i + 1}. ${label(d.choices, id)}`).join('; ') + '.';
    } else if (t === 'matching') {
      for (const s of /** @type {HTMLSelectElement[]} */ (all('select', el))) {
        const want = (p.split(SEP).find(x => x.startsWith(s.dataset.source + '[.]')) || '').split('[.]')[1];
        mark(/** @type {Element} */ (s.parentElement), s.value === want, s.value === want ? '' : 'juist is ' + label(d.target, want));
      }
    } else if (t === 'fill-in') {
      if (!ok) extra = ' Aanvaard: ' + pats.map(bare).join(', ') + '.';
    } else {
      const good = p.split(SEP);
      for (const li of all('.leerpad-option', el)) {
        const id = li.dataset.option || '';
        if (good.includes(id) || picked.includes(id)) mark(li, good.includes(id));
      }
    }
    return (ok ? 'Juist.' : 'Niet juist.') + extra;
  }

  /** Unanswered again, for a new attempt. */
  reset() {
    this.c = false;
    this.fs.disabled = false;
    this.btn.hidden = false;
    this.out.hidden = true;
    this.t0 = Date.now();
    all('.leerpad-mark', this.el).forEach(m => m.remove());
    all('[data-feedback-for]', this.el).forEach(f => { f.hidden = true });
    if (this.seq) this.seq.append(...this.order);
    this.put('');
  }
}

/** @implements {LpHost} */
export class Quiz {
  /** @param {HTMLElement} el @param {string} course IRI @param {string} title */
  constructor(el, course, title) {
    const d = el.dataset;
    this.el = el;
    this.iri = d.iri || '';
    this.title = title;
    this.pass = +(d.passMark || 1);
    this.max = +(d.attempts || 0); // 0: unlimited
    this.final = d.final === 'true';
    this.key = 's.' + this.iri;
    this.parent = [this.iri]; // for the questions
    this.grouping = [course + '/module/' + d.module];
    /** @type {QuizRecord} */
    this.s = get(this.key) || { v: 2, attempt: 1, started: Date.now(), results: [] };
    this.info = h('p', { class: 'leerpad-quiz__attempt' });
    this.out = h('div', { class: 'leerpad-quiz__result', tabindex: -1 });
    el.prepend(this.info);
    el.append(this.out);
    this.qs = all('.leerpad-question', el).map(q => new Question(q, this));
    this.render();
  }

  get attempt() { return this.s.attempt }
  get over() { return this.s.results.some(r => r.number === this.s.attempt) }

  /** A question was checked: the attempt ends when all are. */
  done() {
    if (this.over || !this.qs.every(q => q.c)) return;
    const sc = this.qs.filter(q => q.data.scored), raw = sc.filter(q => q.ok).length, max = sc.length;
    const scaled = max ? raw / max : 1, passed = scaled >= this.pass - 1e-9;
    this.s.results.push({ number: this.attempt, scaled, raw, max, passed });
    set(this.key, this.s);
    const d = {
      id: this.iri, def: def('assessment', this.title), parent: this.grouping, attempt: this.attempt,
      result: { score: { scaled: Math.round(scaled * 1e4) / 1e4, raw, min: 0, max }, success: passed, completion: true, duration: since(this.s.started) },
    };
    emit(this.el, passed ? 'passed' : 'failed', d);
    emit(this.el, 'completed', d);
    if (this.final) this.qs.forEach(q => q.show(q.st()));
    this.render();
    this.out.focus();
  }

  render() {
    const { attempt, results } = this.s, r = results.find(x => x.number === attempt);
    this.info.textContent = `Poging ${attempt}${this.max ? ' van ' + this.max : ''}. Geslaagd vanaf ${Math.round(this.pass * 100)}%.`;
    this.out.hidden = !r;
    if (!r) return;
    this.out.replaceChildren(h('p', {}, `Uw score: ${r.raw} van ${r.max} (${Math.round(r.scaled * 100)}%). ${r.passed ? 'Geslaagd.' : 'Niet geslaagd.'}`));
    if (!r.passed) {
      this.out.append(!this.max || results.length < this.max
        ? h('button', { type: 'button', class: 'md-button', onclick: () => this.retry() }, 'Opnieuw proberen')
        : h('p', {}, 'U hebt geen pogingen meer.'));
    }
  }

  /** A new attempt; the old one stays recorded. */
  retry() {
    this.s.attempt++;
    this.s.started = Date.now();
    set(this.key, this.s);
    this.qs.forEach(q => q.reset());
    this.render();
    const first = /** @type {HTMLElement|null} */ (this.el.querySelector('input,select,textarea,.leerpad-move button'));
    if (first) first.focus();
    say(`Poging ${this.attempt} begonnen.`);
  }
}

/** @implements {LpHost} */
export class Case {
  /** @param {HTMLElement} el @param {string} title @param {string[]} modules IRIs */
  constructor(el, title, modules) {
    this.el = el;
    this.iri = el.dataset.iri || '';
    this.title = title;
    this.key = 's.' + this.iri;
    this.attempt = 1;
    this.parent = [this.iri];
    this.grouping = modules;
    /** @type {CaseRecord} */
    this.s = get(this.key) || { v: 2, step: 1, started: Date.now() };
    this.steps = all('.leerpad-case__step', el);
    this.qs = all('.leerpad-question', el).map(q => new Question(q, this));
    this.btn = h('button', { type: 'button', class: 'md-button leerpad-next', onclick: () => this.next() }, 'Verder');
    this.render();
  }

  render() {
    const n = this.s.step;
    this.steps.forEach((st, i) => { st.hidden = i >= n });
    if (n < this.steps.length) this.steps[n - 1].after(this.btn);
    else this.btn.remove();
  }

  next() {
    const st = this.steps[this.s.step++], head = /** @type {HTMLElement} */ (st.querySelector('h2,h3') || st);
    set(this.key, this.s);
    this.render();
    head.tabIndex = -1;
    head.focus();
    say(`Stap ${this.s.step} van ${this.steps.length}.`);
    this.done();
  }

  /** Completed when every step is shown and every question answered. */
  done() {
    if (this.s.done || this.s.step < this.steps.length || !this.qs.every(q => q.c)) return;
    set(this.key, Object.assign(this.s, { done: true }));
    emit(this.el, 'completed', {
      id: this.iri, def: def('simulation', this.title), grouping: this.grouping,
      result: { completion: true, duration: since(this.s.started) },
    });
    say('Casus afgerond.');
  }
}
