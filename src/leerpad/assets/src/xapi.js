// The xAPI profile, browser side: `leerpad:<verb>` events become complete
// statements for the outbox. Ids are made here, once, so re-sends are safe.
import { get, set, uuid } from './page.js';

export const VERBS = ['initialized', 'experienced', 'answered', 'passed', 'failed', 'completed', 'terminated'];
const ADL = 'http://adlnet.gov/expapi/';
const HOME = { riziv: 'https://www.riziv.fgov.be', big: 'https://www.bigregister.nl' };

/** @param {string} type ADL activity type @param {string} [name] @returns {XDefinition} */
export const def = (type, name) => ({ type: ADL + 'activities/' + type, name: name ? { nl: name } : undefined });

/** @param {string} id @returns {XActivity} */
const act = id => ({ id, objectType: 'Activity' });

/** @param {LpConfig} cfg @param {string} verb @param {LpEvent} d @returns {XStatement} */
export function statement(cfg, verb, d) {
  const c = cfg.course, grouping = [...new Set([...d.grouping || [], c.iri])].filter(i => i !== d.id);
  /** @type {XContext} */
  const ctx = {
    registration: registration(),
    contextActivities: grouping.length ? { parent: d.parent && d.parent.length ? d.parent.map(act) : undefined, grouping: grouping.map(act) } : undefined,
    language: c.language,
    platform: cfg.platform,
    extensions: d.attempt ? { 'http://id.tincanapi.com/extension/attempt-id': d.attempt } : undefined,
  };
  /** @type {XStatement} */
  const st = {
    id: uuid(),
    verb: { id: ADL + 'verbs/' + verb, display: { 'en-US': verb } },
    object: { objectType: 'Activity', id: d.id, definition: d.def },
    result: d.result,
    context: ctx,
    timestamp: new Date().toISOString(),
  };
  // Through JSON: drops the undefined members.
  return stamp(cfg, JSON.parse(JSON.stringify(st)));
}

/** One enrolment until the learner erases it. @returns {string} */
export const registration = () => get('reg') || (set('reg', uuid()), get('reg'));

/**
 * The learner as xAPI Agent, once known: an account on the RIZIV or BIG
 * register, else the e-mail address. @returns {XAgent|undefined}
 */
export function actor() {
  /** @type {LearnerRecord|null} */
  const l = get('learner'), home = l && l.register !== 'geen' && HOME[l.register];
  return l?.consent ? { objectType: 'Agent', name: l.name, ...home ? { account: { homePage: home, name: l.number } } : { mbox: 'mailto:' + l.mail } } : undefined;
}

/** Adds the learner (actor, profession) once known. @param {LpConfig} cfg @param {XStatement} st @returns {XStatement} */
export function stamp(cfg, st) {
  /** @type {LearnerRecord|null} */
  const l = get('learner');
  if (!l?.consent || st.actor) return st;
  st.actor = actor();
  (st.context.extensions ||= {})[cfg.course.iri + '/extension/beroep'] = l.profession;
  return st;
}

/** @param {() => LpConfig} cfg @param {(st: XStatement) => void} add */
export function listen(cfg, add) {
  for (const v of VERBS) document.addEventListener('leerpad:' + v, e => add(statement(cfg(), v, /** @type {CustomEvent} */ (e).detail)));
}
