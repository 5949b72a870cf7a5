// The durable outbox. A statement (or a toets submit) is in localStorage before
// any send and leaves it only when the server took it; the LRS keeps a re-post
// of the same id once, the scorer answers a repeated submit with the first
// result. One tab sends at a time (Web Lock); a lease in localStorage tells a
// closing tab that another one is sending.
import { del, emit, get, h, keys, notice, scored, set, uuid } from './page.js';

const TAB = uuid(), LEASE = 'leerpad.sender';
let seq = 0;

/** @typedef {[key: string, st: XStatement]} Entry a statement and its outbox key */

export class Outbox {
  /** @param {LpConfig['lrs']} lrs @param {(st: XStatement) => XStatement} stamp adds the actor once known */
  constructor(lrs, stamp) {
    this.lrs = lrs;
    this.stamp = stamp;
    this.url = lrs ? lrs.endpoint.replace(/\/?$/, '/statements') : '';
    this.auth = lrs ? lrs.auth : '';
    this.fails = 0;
    this.busy = false;
    /** @type {ReturnType<typeof setTimeout>|0} */
    this.timer = 0;
    /** The LRS took something from this page: a refusal is then about a statement, not the request. */
    this.ok = false;
    /** Called when the queue may have changed (the page shows what waits). */
    this.tell = () => {};
  }

  /** @param {XStatement} st */
  add(st) {
    if (this.lrs) this.put(st.id, st);
  }

  /** Keeps a toets submit until the scorer answers it. @param {LpSubmit} sub */
  submit(sub) {
    this.put(sub.attempt, sub);
  }

  /** @param {string} id @param {XStatement|LpSubmit} entry */
  put(id, entry) {
    set(`out.${Date.now()}${1e3 + seq++ % 1e3}.${id}`, entry);
    this.tell();
    this.later(300);
  }

  /** @param {number} ms */
  later(ms) {
    this.timer ||= setTimeout(() => { this.timer = 0; this.flush() }, ms);
  }

  /** @param {boolean} [now] forget the backoff */
  flush(now) {
    if (now) { this.fails = 0; clearTimeout(this.timer); this.timer = 0 }
    // A keepalive POST from the page just left may still be on its way: let it land.
    const wait = (get('kept') || 0) + 5e3 - Date.now();
    if (!this.lrs || this.busy) return;
    if (wait > 0) return this.later(wait);
    if (!navigator.locks) return this.run();
    navigator.locks.request('leerpad-outbox', { ifAvailable: true }, lock => lock ? this.run() : void this.later(2e3));
  }

  /** The oldest statements that have an actor. @param {number} n @param {number} bytes @returns {Entry[]} */
  batch(n, bytes) {
    /** @type {Entry[]} */
    const out = [];
    for (const k of keys('out.')) {
      /** @type {XStatement|LpSubmit|null} */
      let st = get(k);
      if (!st) { del(k); continue }
      if (!('verb' in st)) continue; // a submit: sent on its own (run)
      if (!st.actor && (st = this.stamp(st)).actor) set(k, st);
      if (!st.actor) continue; // held until the learner fills in the form
      // The oldest goes even when larger than the budget: it must not stall the queue.
      if (out.length >= n || (bytes -= JSON.stringify(st).length) < 0 && out[0]) break;
      out.push([k, st]);
    }
    return out;
  }

  async run() {
    this.busy = true;
    try {
      for (const k of keys('out.')) {
        /** @type {LpSubmit|XStatement|null} */
        const sub = get(k);
        if (sub && 'body' in sub && !await this.answer(k, sub)) return this.backoff();
      }
      for (let i = 0; i < 50; i++) {
        const b = this.batch(50, 1e6);
        if (!b.length) return void (this.fails = 0);
        try { localStorage[LEASE] = TAB + ' ' + (Date.now() + 2e4) } catch { /* storage full: no lease */ }
        if (!await this.post(b)) return this.backoff();
      }
      this.later(1e3);
    } finally {
      this.busy = false;
      if ((localStorage[LEASE] || '').startsWith(TAB)) localStorage.removeItem(LEASE);
      this.tell();
    }
  }

  /** Exponential backoff with jitter: about 1, 2, 4 … s, at most 30 s. */
  backoff() {
    clearTimeout(this.timer);
    this.timer = 0;
    this.later(Math.min(3e4, 1e3 * 2 ** this.fails++) * (0.5 + Math.random() / 2));
  }

  /**
   * A POST with the browser's credential, JSON both ways; a server that does not
   * answer within 15 s counts as down (the Web Lock must not be held for ever).
   * @param {string} url @param {unknown} body @param {boolean} [keepalive] @returns {Promise<Response>}
   */
  call(url, body, keepalive) {
    return fetch(url, {
      method: 'POST', keepalive, signal: AbortSignal.timeout(15e3),
      headers: { 'Content-Type': 'application/json', 'X-Experience-API-Version': '1.0.3', Authorization: this.auth },
      body: JSON.stringify(body),
    });
  }

  /**
   * Sends a toets submit; the scorer's answer goes into the quiz's record and to
   * the page (`leerpad:scored`). True when done with it.
   * @param {string} k @param {LpSubmit} sub
   */
  async answer(k, sub) {
    const r = await this.call(sub.url, sub.body).catch(() => null);
    if (!r || !r.ok && r.status !== 400) return false; // 401, 5xx …: try again later
    /** @type {QuizRecord|null} */
    const s = get('s.' + sub.quiz), j = await r.json().catch(() => ({}));
    if (s && s.id === sub.attempt) {
      if (r.ok) scored(s, j);
      else s.refused = j.detail || r.status + '';
      set('s.' + sub.quiz, s);
    }
    del(k);
    emit(document, 'scored', { id: sub.quiz });
    return true;
  }

  /**
   * True when the batch is done with: stored, or refused and set aside. A refusal
   * of every statement of a batch, or of one when the LRS took nothing from this
   * page yet, is about the request (endpoint, proxy): the statements stay queued.
   * @param {Entry[]} b @returns {Promise<boolean>}
   */
  async post(b) {
    const r = await this.call(this.url, b.map(x => x[1])).catch(() => null), one = !b[1];
    // 409 for one statement: the LRS has it already (a keepalive send landed).
    if (r && (r.ok || one && r.status === 409)) {
      b.forEach(x => del(x[0]));
      return this.ok = true;
    }
    if (!r || ![400, 403, 409, 413].includes(r.status)) return false; // 401, 5xx …: try again later
    if (!one) {
      // One by one, every one, to find the statements the LRS refuses.
      let done = true;
      for (const x of b) done = await this.post([x]) && done;
      return done;
    }
    const [k, st] = b[0];
    if (!this.ok) {
      notice(`De leeromgeving (LRS) weigert de verzending (fout ${r.status}). Uw resultaten blijven in deze browser bewaard en gaan later opnieuw. Meld dit aan de organisator van de cursus.`);
      return false;
    }
    set('bad' + k.slice(3), st);
    del(k);
    console.error(`Leerpad: de LRS weigerde statement ${st.id} (${r.status})`, await r.text(), st);
    const save = h('a', {
      href: '#', download: 'leerpad-geweigerd.json',
      onclick: () => { save.href = URL.createObjectURL(new Blob([JSON.stringify(keys('bad.').map(get))], { type: 'application/json' })) },
    }, 'Bewaren als bestand');
    notice('Een leerresultaat werd door de leeromgeving (LRS) geweigerd en apart bewaard. Meld dit aan de organisator van de cursus.', save);
    return true;
  }

  /** On pagehide and when the page is hidden: one keepalive POST, unless this or another tab is sending. */
  hide() {
    const [tab, until] = (localStorage[LEASE] || '').split(' ');
    if (!this.lrs || this.busy || tab && tab !== TAB && +until > Date.now()) return;
    const b = this.batch(100, 6e4); // keepalive bodies are limited to 64 KiB
    if (!b.length) return;
    set('kept', Date.now());
    // Taken out of the queue when the answer still reaches this page (visibilitychange,
    // back-forward cache); else they go again next time and the LRS keeps them once.
    this.call(this.url, b.map(x => x[1]), true).then(r => r.ok && b.forEach(x => del(x[0])), () => 0);
  }
}
