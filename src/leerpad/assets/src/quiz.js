// Question widgets (any page), toetsen (started and scored by the scoring
// service, or in the page without an LRS) and cases (steps in order). Answers
// are kept per attempt so that a reload resumes them.
import { all, emit, get, h, say, scored, set, since, uuid } from './page.js';
import { actor, def, registration } from './xapi.js';

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
  (ok ? '✓ goed' : '✗ fout') + (note ? ': ' + note : '')));

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
    this.btn = h('button', { type: 'button', class: 'md-button leerpad-check', onclick: () => this.check(), hidden: !!host.toets },
      'Controleer');
    this.out = h('p', { class: 'leerpad-question__result', tabindex: -1, hidden: true });
    el.append(this.btn, this.out);
    for (const li of this.order) {
      const t = (li.textContent || '').trim();
      li.append(h('span', { class: 'leerpad-move' },
        h('button', { type: 'button', 'aria-label': 'Hoger: ' + t, onclick: () => this.move(li, -1, t) }, '↑'),
        h('button', { type: 'button', 'aria-label': 'Lager: ' + t, onclick: () => this.move(li, 1, t) }, '↓')));
    }
    // A reflection is the learner's own: its text goes out only when the learner says so.
    this.share = this.data.type === 'reflection' && !host.toets
      ? this.fs.appendChild(h('label', { class: 'leerpad-share' }, h('input', { type: 'checkbox', value: 'share' }), ' Mijn antwoord mag naar de organisator van de cursus.')).firstChild
      : null;
    el.addEventListener('change', () => this.save());
    el.addEventListener('input', () => this.save());
    this.load();
  }

  /** The stored answer of the host's attempt into the controls. */
  load() {
    const s = this.st();
    if (s.response != null) this.put(s.response);
    if (s.checked) this.show(s);
  }

  /** This attempt's stored answer. @returns {QuestionRecord} */
  st() {
    /** @type {QuestionRecord|null} */
    const s = get(this.key);
    // An unscored question of a toets is no part of its attempts.
    const attempt = this.data.scored ? this.host.attempt : 1;
    return s && s.attempt === attempt ? s : { v: 2, attempt };
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
      result: { response: this.share && !/** @type {HTMLInputElement} */ (this.share).checked ? undefined : response, success: s.success, completion: true, duration: since(s.started || this.t0) },
    });
    if (this.host.done) this.host.done();
  }

  /** Locks the answer and shows feedback. @param {QuestionRecord} s */
  show(s) {
    this.ok = s.success;
    this.lock(this.feedback(s.response || '', s.success));
  }

  /** @param {string} [text] the result line */
  lock(text) {
    this.c = true;
    this.fs.disabled = true;
    this.btn.hidden = true;
    this.out.hidden = !text;
    this.out.textContent = text || '';
  }

  /** The options (rows, for matching) in the order the attempt shows them. @param {string[]} [ids] */
  arrange(ids) {
    const list = this.fs.querySelector('.leerpad-options,.leerpad-sequence,.leerpad-matching'), items = list ? all(':scope>li', list) : [];
    for (const id of ids || []) list?.append(...items.filter(li => (li.dataset.option || li.dataset.source) === id));
    if (this.seq) this.order = all('li', this.seq);
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
    this.btn.hidden = !!this.host.toets;
    this.out.hidden = true;
    this.t0 = Date.now();
    all('.leerpad-mark', this.el).forEach(m => m.remove());
    all('[data-feedback-for]', this.el).forEach(f => { f.hidden = true });
    if (this.seq) this.seq.append(...this.order);
    this.put('');
  }
}

/**
 * A toets. With an LRS the scoring service starts each attempt (its questions,
 * drawn from the pool, and their option order) and scores the submit, which
 * waits in the outbox while offline; without one the page holds the key and
 * scores itself, and says that nothing is recorded. Toetsen send no statements:
 * the scorer writes them.
 * @implements {LpHost}
 */
export class Quiz {
  /** @param {HTMLElement} el @param {LpConfig} cfg @param {import('./outbox.js').Outbox} box */
  constructor(el, cfg, box) {
    const d = el.dataset, lrs = cfg.lrs;
    this.el = el;
    this.box = box;
    this.id = d.leerpadQuiz || '';
    this.iri = d.iri || '';
    this.pass = +(d.passMark || 1);
    this.max = +(d.attempts || 0); // 0: unlimited
    this.toets = true;
    this.final = d.final === 'true';
    this.url = lrs ? (cfg.scorer || lrs.endpoint.replace(/xAPI\/?$/, '')).replace(/\/?$/, '/leerpad/v1/attempts') : '';
    this.key = 's.' + this.iri;
    /** @type {string[]} */
    this.parent = this.grouping = [];
    this.info = h('p', { class: 'leerpad-quiz__attempt' });
    this.out = h('div', { class: 'leerpad-quiz__result', tabindex: -1, 'aria-live': 'polite' });
    this.go = h('button', { type: 'button', class: 'md-button md-button--primary leerpad-go', onclick: () => this.next() });
    el.prepend(this.info);
    if (!lrs) this.info.after(h('p', { class: 'leerpad-quiz__local' }, 'Deze toets wordt niet geregistreerd: uw resultaat telt niet voor accreditatie.'));
    // The result at the top, where the learner reads it first (focus goes there), not below a long test.
    el.append(this.go);
    this.info.after(this.out);
    this.s = this.record();
    this.qs = all('.leerpad-question', el).map(q => new Question(q, this));
    document.addEventListener('leerpad:scored', e => {
      if (/** @type {CustomEvent<LpEvent>} */ (e).detail.id === this.iri && el.isConnected) this.show();
    });
    this.show();
    // An attempt still open (or its submit refused) from before this page load: the course may have changed its questions since.
    if (this.url && this.s.id && (!this.s.submitted || this.s.refused)) this.renew();
  }

  /** Who the learner is and where that came from: the LMS's launch, or what the learner declared (with a profession). */
  who() {
    const l = window.leerpad?.lms?.s, me = /** @type {LearnerRecord|null} */ (get('learner'));
    // With the launch's proof: the scorer asks the LMS (LMS.LaunchData, with its token) before it writes "cmi5".
    return { quiz: this.id, ...l ? { actor: l.actor, registration: l.registration, identity_source: 'cmi5', lms: { endpoint: l.endpoint, auth: l.auth, activityId: l.activityId } } : { actor: actor(), registration: registration(), profession: me?.profession } };
  }

  /** Asks the scorer to draw the open attempt again if its questions changed; it keeps its number. */
  async renew() {
    const r = await this.box.call(this.url, { attempt: this.s.id, renew: true, ...this.who() }).catch(() => null);
    /** @type {StartedAttempt|null} */
    const a = r && r.ok ? await r.json() : null;
    if (!a?.renewed) return;
    set(this.key, { ...this.s, questions: a.questions, options: a.options, started: Date.now(), submitted: undefined, refused: undefined });
    this.qs.forEach(q => q.data.scored && (q.reset(), q.save()));
    this.show();
    this.note('De toets is aangepast nadat u deze poging begon. Uw poging begint opnieuw met de huidige vragen en telt niet als extra poging.');
  }

  /** @returns {QuizRecord} */
  record() { return get(this.key) || { v: 2, attempt: 0, started: 0, results: [] } }

  get attempt() { return this.s.attempt }

  /** The button: start, submit or retry, by the attempt's state. */
  next() {
    if (this.s.questions && !this.s.submitted) this.submit();
    else this.start();
  }

  /** @param {string} text */
  note(text) {
    this.out.hidden = false;
    this.out.replaceChildren(h('p', {}, text));
    this.out.focus();
  }

  async start() {
    /** @type {StartedAttempt} */
    let a = { attempt: '', number: this.s.attempt + 1, attempts_left: this.max ? this.max - this.s.results.length - 1 : null, questions: this.qs.filter(q => q.data.scored).map(q => q.data.id), options: {} };
    if (this.url) {
      this.go.disabled = true;
      const r = await this.box.call(this.url, { attempt: uuid(), ...this.who() }).catch(() => null);
      this.go.disabled = false;
      if (!r) return this.note('Er is geen verbinding met de leeromgeving. Om een toets te starten hebt u een internetverbinding nodig; probeer het opnieuw zodra u verbonden bent.');
      const j = await r.json().catch(() => ({}));
      if (!r.ok) return this.note(r.status > 401 && j.detail || `De toets kon niet starten (fout ${r.status}). Probeer het later opnieuw.`);
      a = j;
    }
    this.s = { ...this.s, attempt: a.number, id: a.attempt, questions: a.questions, options: a.options, started: Date.now(), submitted: undefined, answer: undefined, refused: undefined };
    set(this.key, this.s);
    this.qs.forEach(q => q.data.scored && q.reset());
    this.show();
    /** @type {HTMLElement|null|undefined} */ (this.qs.find(q => !q.el.hidden)?.el.querySelector('input,select,textarea,button'))?.focus();
    say(`Poging ${a.number} begonnen.`);
  }

  submit() {
    const s = this.s, ids = s.questions || [], started = s.started;
    /** @type {LangMap} */
    const responses = {};
    /** @type {LangMap} */
    const durations = {};
    for (const q of this.qs) {
      const r = q.response(), id = q.data.id;
      if (ids.includes(id) && r) {
        responses[id] = r;
        durations[id] = since(q.st().started || started);
      }
    }
    s.submitted = Date.now();
    if (s.id) {
      this.box.submit({ attempt: s.id, quiz: this.iri, url: `${this.url}/${s.id}/responses`, body: { responses, durations, timestamp: new Date().toISOString() } });
    } else {
      // No LRS: scored here, with the key in the page.
      const ok = ids.filter(id => this.qs.find(q => q.data.id === id)?.success(responses[id] || '')), max = ids.length;
      scored(s, {
        attempts_left: this.max ? this.max - s.attempt : null,
        score: { scaled: max ? ok.length / max : 1, raw: ok.length, min: 0, max }, success: ok.length >= this.pass * max - 1e-9,
        questions: Object.fromEntries(ids.map(id => [id, { success: ok.includes(id) }])),
      });
    }
    set(this.key, s);
    emit(this.el, 'scored', { id: this.iri });
    this.show();
    this.out.focus();
  }

  /** Shows the attempt as it stands: not started, open, waiting for the score, scored. */
  show() {
    const s = this.s = this.record(), ids = s.questions, a = s.answer, mine = this.qs.filter(q => q.data.scored);
    // The pass mark is in the rules line above (the build's, "75 %").
    this.info.textContent = s.attempt ? `Poging ${s.attempt}${this.max ? ' van ' + this.max : ''}.` : '';
    const first = mine[0]?.el, at = first && document.createComment('');
    first?.before(/** @type {Comment} */ (at));
    for (const id of ids || []) {
      const q = mine.find(x => x.data.id === id);
      if (!q) continue;
      at?.before(q.el);
      q.arrange(s.options?.[id]);
      q.load();
    }
    at?.remove();
    for (const q of mine) {
      const r = a?.questions[q.data.id];
      q.el.hidden = !ids?.includes(q.data.id);
      if (s.submitted && (!q.c || r && q.out.hidden)) q.lock(r ? this.verdict(q, r) : '');
    }
    this.go.textContent = !ids || s.submitted ? (s.attempt ? 'Opnieuw proberen' : 'Toets starten') : 'Indienen';
    this.go.hidden = !!s.submitted && !s.refused && (!a || a.success || a.attempts_left === 0);
    this.out.hidden = !s.submitted;
    if (!s.submitted) return;
    if (s.refused) return this.note('Uw antwoorden werden geweigerd: ' + s.refused);
    if (!a) return this.out.replaceChildren(h('p', { class: 'leerpad-quiz__waiting' }, 'Uw antwoorden zijn bewaard en worden verzonden. Uw score verschijnt zodra de leeromgeving ze heeft ontvangen.'));
    const sc = a.score, left = a.attempts_left;
    this.out.replaceChildren(h('p', {}, `Uw score: ${sc.raw} van ${sc.max} (${Math.round(sc.scaled * 100)} %). ${a.success ? 'Geslaagd.' : 'Niet geslaagd.'}`));
    if (a.notice) this.out.append(h('p', {}, a.notice));
    if (a.success && this.final) this.out.append(h('p', { class: 'leerpad-quiz__end' }, 'U hebt de eindtoets gehaald en de cursus afgerond. De organisator registreert uw accreditatie; uw attest volgt.'));
    if (!a.success) this.out.append(h('p', {}, left === 0 ? 'U hebt geen pogingen meer.' : left ? `U hebt nog ${left} ${left > 1 ? 'pogingen' : 'poging'}.` : ''));
  }

  /** A question's result line after the attempt. @param {Question} q @param {{success: boolean, feedback?: string}} r */
  verdict(q, r) {
    // Without an LRS the page has the key: the same feedback as a practice question.
    return this.url ? (r.success ? 'Juist.' : 'Niet juist.') + (r.feedback ? ' ' + r.feedback : '') : q.feedback(q.response(), r.success);
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
    this.end = el.appendChild(h('p', { class: 'leerpad-case__done' }, 'Casus afgerond.'));
    this.render();
  }

  render() {
    const n = this.s.step, cur = this.steps[n - 1];
    this.steps.forEach((st, i) => { st.hidden = i >= n });
    // The next step may tell what happened: it opens once this step's scored questions are answered.
    if (n < this.steps.length && this.qs.every(q => q.c || !q.data.scored || !cur.contains(q.el))) cur.after(this.btn);
    else this.btn.remove();
    this.end.hidden = !this.s.done;
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

  /** Completed when every step is shown and every scored question answered (a reflection is optional). */
  done() {
    if (!this.s.done && this.s.step >= this.steps.length && this.qs.every(q => q.c || !q.data.scored)) {
      set(this.key, Object.assign(this.s, { done: true }));
      emit(this.el, 'completed', {
        id: this.iri, def: def('simulation', this.title), grouping: this.grouping,
        result: { completion: true, duration: since(this.s.started) },
      });
      say('Casus afgerond.');
    }
    this.render();
  }
}
