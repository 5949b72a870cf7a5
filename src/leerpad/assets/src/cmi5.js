// cmi5 mode: the page was launched by an LMS with endpoint, fetch, actor,
// registration and activityId in its URL. The LMS names the learner and the
// LRS; this module fetches the token once per session (kept in sessionStorage,
// so a reload or the next page of the site does not fetch again), reads
// LMS.LaunchData and the learner preferences before any statement, and sends
// every statement of the session itself, in order: `initialized` first, the
// runtime's statements as "cmi5 allowed" (the LMS's actor, registration and
// contextTemplate), the cmi5 defined completed/passed/failed of the launched
// AU, `terminated` last. Loaded only when a launch or a session exists.
import { get, h, since, uuid } from './page.js';

const KEY = 'leerpad.cmi5', QUEUE = KEY + '.q';
const CMI5 = 'https://w3id.org/xapi/cmi5/context/', ADL = 'http://adlnet.gov/expapi/verbs/';
const CATEGORY = CMI5 + 'categories/cmi5', MOVEON = CMI5 + 'categories/moveon';
const SESSION = CMI5 + 'extensions/sessionid', MASTERY = CMI5 + 'extensions/masteryscore';
const PARAMS = ['endpoint', 'fetch', 'actor', 'registration', 'activityId'];
const MODES = ['Normal', 'Browse', 'Review'];
const AGAIN = ' Start de module opnieuw vanuit uw leeromgeving.';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * @typedef {{endpoint: string, fetch: string, actor: any, registration: string, activityId: string}} Launch
 * @typedef {{launchMode: string, contextTemplate: any, masteryScore?: number, moveOn?: string, returnURL?: string}} LaunchData
 * @typedef {{completed?: boolean, passed?: boolean}} Status
 * @typedef {Launch & {auth: string, data: LaunchData | null, prefs: any, status: Status, start: number,
 *   failed?: boolean, fail?: any, ended?: boolean, error?: string}} Saved
 */

/** A problem the learner must know about; no statement goes out after it. */
class Stop extends Error {}

/** The statements not yet sent, oldest first. @returns {any[]} */
const list = () => JSON.parse(sessionStorage[QUEUE] || '[]');
/** No response: no connection. */
const none = () => /** @type {Response | null} */ (null);
const read = () => { try { return JSON.parse(sessionStorage[KEY] || 'null') } catch { return null } };

/** The launch parameters of the URL, each checked. @param {URLSearchParams} q @returns {Launch} */
function parameters(q) {
  /** @type {Record<string, any>} */
  const l = {};
  for (const p of PARAMS) {
    /** @type {any} */
    let v = q.get(p) || '';
    try {
      if (p === 'actor') {
        v = JSON.parse(v);
        const a = v.account;
        if (!a.homePage || !a.name || v.objectType && v.objectType !== 'Agent') v = '';
      } else if (p === 'registration') v = UUID.test(v) && v;
      else if (p === 'activityId') v = /^[a-z][a-z0-9+.-]*:\S+$/i.test(v) && v;
      else v = /^https?:$/.test(new URL(v).protocol) && new URL(v).href;
    } catch { v = '' }
    if (!v) throw new Stop(`De leeromgeving gaf geen geldige '${p}' door.` + AGAIN);
    l[p] = v;
  }
  l.endpoint = l.endpoint.replace(/\/?$/, '/');
  return /** @type {Launch} */ (l);
}

/** POST to the one-time fetch URL (cmi5 8.2). @param {string} at @returns {Promise<string>} */
async function token(at) {
  const r = await fetch(at, { method: 'POST' }).catch(none);
  const body = r && r.ok ? await r.json().catch(() => /** @type {any} */ ({})) : {};
  if (typeof body['auth-token'] === 'string') return 'Basic ' + body['auth-token'];
  const code = body['error-code'];
  throw new Stop(code == 1 ? 'De aanmeldsleutel van deze sessie werd al gebruikt of is verlopen.' + AGAIN
    : `De leeromgeving gaf geen aanmeldsleutel (${code ? 'fout ' + code : r ? 'HTTP ' + r.status : 'geen verbinding'}).` + AGAIN);
}

/**
 * GET a document of the LMS's LRS; null when there is none (404, and 403 for preferences: cmi5 11).
 * @param {Saved} s @param {string} path @param {Record<string, string>} q @param {string} what
 */
async function doc(s, path, q, what) {
  const r = await fetch(s.endpoint + path + '?' + new URLSearchParams(q), { headers: headers(s) }).catch(none);
  if (r && r.ok) return r.json().catch(() => { throw new Stop(`${what} van de leeromgeving is geen geldige JSON.`) });
  if (r && (r.status === 404 || r.status === 403 && path.startsWith('agents'))) return null;
  throw new Stop(r && r.status === 401 ? 'Uw sessie bij de leeromgeving is verlopen.' + AGAIN
    : `${what} kon niet gelezen worden bij de leeromgeving (${r ? 'HTTP ' + r.status : 'geen verbinding'}).` + AGAIN);
}

/**
 * A document that may not exist: its id is looked up in the list first, so a missing one costs no 404.
 * @param {Saved} s @param {string} path @param {Record<string, string>} q @param {string} key
 */
async function optional(s, path, q, key) {
  const { [key]: id, ...rest } = q;
  const ids = await doc(s, path, rest, q[key]);
  return Array.isArray(ids) && ids.includes(id) ? doc(s, path, q, id) : null;
}

/** @param {Saved} s */
const headers = s => ({ Authorization: s.auth, 'X-Experience-API-Version': '1.0.3', 'Content-Type': 'application/json' });
/** @param {Saved} s @param {string} id */
const state = (s, id) => ({ activityId: s.activityId, agent: JSON.stringify(s.actor), registration: s.registration, stateId: id });

/** @param {LaunchData} d */
function checkData(d) {
  if (!d) throw new Stop('De leeromgeving gaf geen startgegevens (LMS.LaunchData) voor deze module.' + AGAIN);
  const ext = d.contextTemplate && d.contextTemplate.extensions;
  if (!MODES.includes(d.launchMode) || !ext || typeof ext[SESSION] !== 'string'
      || d.masteryScore != null && !(d.masteryScore >= 0 && d.masteryScore <= 1)) {
    throw new Stop('De startgegevens van de leeromgeving (LMS.LaunchData) zijn onvolledig of ongeldig.' + AGAIN);
  }
  return d;
}

/** The learner sees why nothing is recorded; the page stays usable. @param {string} text */
function tell(text) {
  document.querySelector('.leerpad-lms-error')?.remove();
  document.body.prepend(h('div', { class: 'leerpad-notice leerpad-lms-error', role: 'alert' }, text));
}

/** The LMS session of this tab: launch, statements, return. */
export class Lms {
  /** @param {Saved} s */
  constructor(s) {
    this.s = s;
    this.busy = false;
    /** @type {any} */
    this.timer = 0;
    this.tries = 0;
    /** @type {((ok: boolean) => void)[]} */
    this.waiting = [];
  }

  save() { sessionStorage[KEY] = JSON.stringify(this.s) }
  get normal() { return this.s.data && this.s.data.launchMode === 'Normal' }
  /** The AU as the course structure names it: the publisher id the LMS puts in the context template. */
  /** LaunchData: read before any statement, so a session that sends has it. */
  get data() { if (!this.s.data) throw new Stop('LMS.LaunchData ontbreekt.'); return this.s.data }
  get publisher() { return ((this.data.contextTemplate.contextActivities || {}).grouping || []).map((/** @type {any} */ a) => a.id) }

  /**
   * The runtime's statement, as "cmi5 allowed": the LMS's actor, registration and
   * contextTemplate. Its own page-visit initialized/terminated are left out
   * (cmi5 has one of each per session), and in Browse or Review mode every result.
   * @param {any} st
   */
  add(st) {
    const s = this.s, verb = st.verb.id.split('/').pop();
    if (s.ended || s.error || ['initialized', 'terminated'].includes(verb)) return;
    if (!this.normal && ['passed', 'failed', 'completed'].includes(verb)) return;
    this.queue(this.stamp(st));
  }

  /** @param {any} st */
  stamp(st) {
    const s = this.s, t = structuredClone(this.data.contextTemplate), c = st.context || {};
    t.registration = s.registration;
    for (const k of ['language', 'platform', 'instructor', 'team', 'revision', 'statement']) if (c[k] != null && t[k] == null) t[k] = c[k];
    const ca = t.contextActivities ||= {};
    for (const [k, list] of Object.entries(c.contextActivities || {})) {
      const have = ca[k] ||= [];
      for (const a of /** @type {any[]} */ (list)) if (!have.some((/** @type {any} */ x) => x.id === a.id)) have.push(a);
    }
    t.extensions = { ...c.extensions, ...t.extensions };
    // The declared profession belongs to a standalone learner, not to the LMS's.
    for (const k of Object.keys(t.extensions)) if (k.endsWith('/extension/beroep')) delete t.extensions[k];
    return { ...st, actor: s.actor, context: t };
  }

  /**
   * A cmi5 defined statement about the launched AU. @param {string} verb @param {any} [result]
   * @param {boolean} [mastery] carries the masteryscore extension
   */
  defined(verb, result, mastery) {
    const s = this.s, st = this.stamp({
      id: uuid(), timestamp: new Date().toISOString(),
      verb: { id: ADL + verb, display: { 'en-US': verb } },
      object: { objectType: 'Activity', id: s.activityId },
      result,
    });
    const ca = st.context.contextActivities;
    ca.category = [...ca.category || [], { id: CATEGORY }];
    if (result && (result.success != null || result.completion != null)) ca.category.push({ id: MOVEON });
    if (mastery && this.data.masteryScore != null) st.context.extensions[MASTERY] = this.data.masteryScore;
    this.queue(JSON.parse(JSON.stringify(st)));
  }

  /** The launched AU's module in the course manifest. @param {LpManifest} man */
  module(man) {
    const au = this.publisher;
    return this.normal && !this.s.ended && !this.s.error && man ? man.modules.find(m => au.includes(m.iri)) : undefined;
  }

  /** A module without a toets read to its end: cmi5's completed. @param {LpEvent} d @param {LpManifest} man */
  read(d, man) {
    const mod = this.module(man);
    if (mod && d.id === mod.iri) this.report();
  }

  /**
   * A toets of the AU's module was scored (its record holds the answer): cmi5's
   * passed or failed follows from every toets's attempts, each judged against
   * LaunchData's masteryScore when present (cmi5 10.2.4), else the pass mark.
   * cmi5 allows one of passed/failed per session, one passed and one completed
   * per registration, no failed after passed: a failed attempt that may still
   * be made good waits (`s.fail`) and goes out only if the session ends without
   * a pass; a module failed for good (no attempts left) goes out at once.
   * @param {string} quiz IRI @param {LpManifest} man
   */
  scored(quiz, man) {
    const s = this.s, mod = this.module(man), m = this.data.masteryScore;
    const qs = mod ? man.quizzes.filter(q => q.module === mod.id) : [];
    /** @type {QuizRecord|null} */
    const cur = get('s.' + quiz);
    if (!qs.some(q => q.iri === quiz) || !cur || !cur.answer || s.status.passed) return;
    const toetsen = qs.map(q => {
      /** @type {QuizRecord|null} */
      const r = get('s.' + q.iri), rs = r ? r.results : [];
      return { pass: rs.some(r => m != null ? r.scaled >= m : r.passed), lost: q.attempts > 0 && rs.length >= q.attempts,
        top: Math.max(0, ...rs.map(r => r.scaled)) };
    });
    const duration = since(s.start);
    if (toetsen.every(t => t.pass)) {
      if (s.failed) return;
      s.status.passed = true;
      delete s.fail;
      this.defined('passed', { success: true, duration, score: { scaled: toetsen.reduce((a, t) => a + t.top, 0) / toetsen.length } }, true);
      return this.report();
    }
    const result = { success: false, duration, score: { scaled: cur.answer.score.scaled } };
    if (!toetsen.some(t => t.lost)) {
      if (!s.failed) s.fail = result;
      return this.save();
    }
    if (!s.failed) this.fail(result);
    this.report();
  }

  /** The module is done: completed, once per registration. */
  report() {
    const s = this.s;
    if (!s.status.completed) {
      s.status.completed = true;
      this.defined('completed', { completion: true, duration: since(s.start) });
    }
    this.save();
  }

  /** The session's one failed. @param {any} result */
  fail(result) {
    this.s.failed = true;
    delete this.s.fail;
    this.defined('failed', result, true);
  }

  /** @param {any} st */
  queue(st) {
    const q = list();
    q.push(st);
    sessionStorage[QUEUE] = JSON.stringify(q);
    this.flush();
  }

  /** Sends the queue in order. @param {boolean} [now] @returns {Promise<boolean>} whether all is sent (false: tried again later) */
  flush(now) {
    if (now) { this.tries = 0; clearTimeout(this.timer); this.timer = 0 }
    const done = new Promise(ok => this.waiting.push(ok));
    if (!this.busy && !this.timer) this.run();
    return /** @type {Promise<boolean>} */ (done);
  }

  /** @param {any} st */
  post(st) {
    return fetch(this.s.endpoint + 'statements', { method: 'POST', headers: headers(this.s), body: JSON.stringify(st), signal: AbortSignal.timeout(1e4) }).catch(none);
  }

  /** One statement at a time, oldest first: a refused one is set aside alone, the order stays. */
  async run() {
    this.busy = true;
    let ok = true;
    for (let q; (q = list()).length && !this.s.error;) {
      const r = await this.post(q[0]);
      if (!r || r.status >= 500 || r.status === 429) {
        // No connection or a server error: again later, with backoff (1, 2, 4 … s, at most 30 s).
        ok = false;
        this.timer = setTimeout(() => { this.timer = 0; this.run() }, Math.min(3e4, 1e3 * 2 ** this.tries++));
        break;
      }
      if (!r.ok && r.status !== 409) this.refused(r.status, q[0]); // 409: already stored (a keepalive POST landed)
      sessionStorage[QUEUE] = JSON.stringify(list().slice(1));
      this.tries = 0;
    }
    this.busy = false;
    // Also after a failure: the learner who leaves must not wait for the backoff (exit).
    this.waiting.splice(0).forEach(f => f(ok && !this.s.error));
  }

  /** @param {number} status @param {any} st */
  refused(status, st) {
    if (status === 401) {
      this.s.error = 'Uw sessie bij de leeromgeving is verlopen: uw voortgang wordt niet meer doorgegeven.' + AGAIN;
      this.save();
      return tell(this.s.error);
    }
    console.error(`Leerpad: de leeromgeving weigerde statement ${st.id} (HTTP ${status})`, st);
    tell('De leeromgeving weigerde een leerresultaat. Meld dit aan de organisator van de cursus.');
  }

  /** Pagehide: what is still queued goes out with keepalive; it stays queued for the next page. */
  hide() {
    const q = list().slice(0, 50);
    if (q.length && !this.busy && !this.s.error) {
      fetch(this.s.endpoint + 'statements', { method: 'POST', keepalive: true, headers: headers(this.s), body: JSON.stringify(q) })
        .then(r => { if (r.ok) sessionStorage[QUEUE] = JSON.stringify(list().slice(q.length)) }, () => 0);
    }
  }

  /**
   * "Terug naar de leeromgeving": terminated, last, then to returnURL once the LMS confirmed
   * everything. While it cannot (5xx, no connection), the learner reads so at once and stays:
   * the queue is kept and tried again, and the same button leaves once it is sent.
   */
  async exit() {
    const s = this.s;
    if (!s.ended && !s.error) {
      if (s.fail) this.fail(s.fail);
      this.defined('terminated', { duration: since(s.start) });
      s.ended = true;
      this.save();
    }
    if (!s.error && !await this.flush(true) && !s.error) { // 401 while sending: told, nothing more to wait for
      return tell('De leeromgeving antwoordt nu niet: uw resultaten zijn nog niet doorgegeven. Probeer over enkele ogenblikken opnieuw „Terug naar de leeromgeving”.');
    }
    if (s.data && s.data.returnURL) location.assign(s.data.returnURL);
    else tell('U hebt de module afgesloten. U kunt dit venster nu sluiten.');
  }

  /** On every page (also after instant navigation): the button back; the AU's results as cmi5's. */
  watch() {
    const w = /** @type {any} */ (window);
    /** @param {string} v @param {(d: LpEvent, man: LpManifest) => void} f */
    const on = (v, f) => document.addEventListener('leerpad:' + v, e => f(/** @type {CustomEvent} */ (e).detail, w.leerpad.man));
    on('completed', (d, man) => this.read(d, man));
    on('scored', (d, man) => this.scored(d.id, man));
    if (w.document$) w.document$.subscribe(() => this.show());
    else this.show();
    addEventListener('pagehide', () => this.hide());
    return this;
  }

  /** The page's button back to the LMS, and the mode when it is not Normal. */
  show() {
    const c = document.querySelector('.md-content__inner') || document.body;
    if (c.querySelector('.leerpad-lms')) return;
    const mode = this.s.data ? this.s.data.launchMode : '';
    const box = h('div', { class: 'leerpad-lms' },
      h('button', { type: 'button', class: 'md-button', onclick: () => this.exit() }, 'Terug naar de leeromgeving'));
    if (mode === 'Browse' || mode === 'Review') {
      box.append(h('p', {}, `U bekijkt deze module in de modus „${mode === 'Browse' ? 'Verkennen' : 'Herbekijken'}”: uw antwoorden worden niet als resultaat doorgegeven.`));
    }
    c.prepend(box);
    if (this.s.error || this.s.ended) tell(this.s.error || 'U hebt deze module afgesloten: wat u nu doet, wordt niet doorgegeven.' + AGAIN);
  }
}

/**
 * Starts or resumes the LMS session of this tab. Returns the session, or one
 * that sends nothing and shows why (bad launch, refused token, unreadable
 * LaunchData): never a fallback to the standalone mode and its learner.
 * @returns {Promise<Lms>}
 */
export async function launch() {
  const q = new URLSearchParams(location.search);
  /** @type {Saved} */
  const old = read();
  const fresh = PARAMS.some(p => q.has(p));
  const same = old && (!fresh || old.fetch === q.get('fetch') && old.registration === q.get('registration'));
  if (same && old.data) return new Lms(old).watch();
  /** @type {Saved} */
  let s = /** @type {any} */ ({});
  try {
    if (same) s = old; // a reload while starting: the token is spent, the rest can be read again
    else {
      s = { ...parameters(q), auth: '', data: null, prefs: null, status: {}, start: 0 };
      sessionStorage.removeItem(QUEUE);
      sessionStorage[KEY] = JSON.stringify(s); // the fetch URL counts as used from here on
      s.auth = await token(s.fetch);
      sessionStorage[KEY] = JSON.stringify(s);
    }
    if (!s.auth) throw new Stop('De aanmeldsleutel van deze sessie werd al gebruikt of is verlopen.' + AGAIN);
    const data = checkData(await doc(s, 'activities/state', state(s, 'LMS.LaunchData'), 'LMS.LaunchData'));
    s.prefs = await optional(s, 'agents/profile', { agent: JSON.stringify(s.actor), profileId: 'cmi5LearnerPreferences' }, 'profileId');
    // What this registration already reported (one passed, one completed) is read from the
    // statements the LMS holds: a note the AU kept itself may be lost when a window closes.
    for (const v of /** @type {const} */ (['passed', 'completed'])) {
      const r = await doc(s, 'statements', { agent: JSON.stringify(s.actor), verb: ADL + v, activity: s.activityId, registration: s.registration, limit: '1' }, 'Uw eerdere resultaat');
      s.status[v] = !!(r && r.statements && r.statements[0]);
    }
    s.data = data;
    s.start = Date.now();
    const lms = new Lms(s);
    lms.save();
    lms.defined('initialized');
    return lms.watch();
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    s.error = e.message;
    const lms = new Lms(s);
    if (s.endpoint) lms.save();
    return lms.watch();
  }
}
