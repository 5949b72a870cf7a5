// The durable outbox. A statement (or a toets submit) is in localStorage before
// any send and leaves it only when the server took it; the LRS keeps a re-post
// of the same id once, the scorer answers a repeated submit with the first
// result. One tab sends at a time (Web Lock); a lease in localStorage tells a
// closing tab that another one is sending.
import { del, emit, get, h, keys, scored, set, uuid } from './page.js';

const TAB = uuid(), LEASE = 'leerpad.sender';
let seq = 0;

/** @typedef {[key: string, st: XStatement]} Entry a statement and its outbox key */

/** A notice on the page, once per text. @param {string} text @param {Node[]} more */
export function notice(text, ...more) {
  if ([...document.querySelectorAll('.leerpad-notice')].some(n => n.firstChild?.textContent === text)) return;
  const n = h('div', { class: 'leerpad-notice', role: 'alert' }, text, ' ', ...more,
    h('button', { type: 'button', onclick: () => n.remove() }, 'Sluiten'));
  document.body.append(n);
}

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
      if (out.length >= n || (bytes -= JSON.stringify(st).length) < 0) break;
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
        localStorage[LEASE] = TAB + ' ' + (Date.now() + 2e4);
        if (!await this.post(b)) return this.backoff();
      }
      this.later(1e3);
    } finally {
      this.busy = false;
      if ((localStorage[LEASE] || '').startsWith(TAB)) localStorage.removeItem(LEASE);
    }
  }

  /** Exponential backoff with jitter: about 1, 2, 4 … s, at most 30 s. */
  backoff() {
    clearTimeout(this.timer);
    this.timer = 0;
    this.later(Math.min(3e4, 1e3 * 2 ** this.fails++) * (0.5 + Math.random() / 2));
  }

  /**
   * A POST with the browser's credential, JSON both ways.
   * @param {string} url @param {unknown} body @param {boolean} [keepalive] @returns {Promise<Response>}
   */
  call(url, body, keepalive) {
    return fetch(url, {
      method: 'POST', keepalive,
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

  /** True when the batch is done with: stored, or refused and set aside. @param {Entry[]} b @returns {Promise<boolean>} */
  async post(b) {
    const r = await this.call(this.url, b.map(x => x[1])).catch(() => null);
    if (!r) return false;
    if (r.ok) {
      b.forEach(x => del(x[0]));
      return true;
    }
    if (![400, 403, 409, 413].includes(r.status)) return false; // 401, 5xx …: try again later
    if (b[1]) {
      // Find the statement the LRS refuses: one by one.
      for (const x of b) if (!await this.post([x])) return false;
      return true;
    }
    const [k, st] = b[0];
    set('bad' + k.slice(3), st);
    del(k);
    console.error(`Leerpad: de LRS weigerde statement ${st.id} (${r.status})`, await r.text(), st);
    notice('Een leerresultaat werd door de leeromgeving (LRS) geweigerd en apart bewaard. Meld dit aan de organisator van de cursus.');
    return true;
  }

  /** On pagehide: one keepalive POST, unless this or another tab is sending. */
  hide() {
    const [tab, until] = (localStorage[LEASE] || '').split(' ');
    if (!this.lrs || this.busy || tab && tab !== TAB && +until > Date.now()) return;
    const b = this.batch(100, 6e4); // keepalive bodies are limited to 64 KiB
    if (!b.length) return;
    set('kept', Date.now());
    this.call(this.url, b.map(x => x[1]), true).catch(() => 0); // what stays stored goes again next time
  }
}
