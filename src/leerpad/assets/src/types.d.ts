// Types for `tsc --checkJs` only; never loaded by a page.

// ---- xAPI 1.0.3, as far as the runtime makes or reads it ----------------

type LangMap = Record<string, string>;
interface XComponent { id: string; description?: LangMap }
/** An activity definition; a question's comes complete from `data-question`. */
interface XDefinition {
  type: string; name?: LangMap; description?: LangMap;
  interactionType?: string; correctResponsesPattern?: string[];
  choices?: XComponent[]; scale?: XComponent[]; source?: XComponent[]; target?: XComponent[]; steps?: XComponent[];
}
interface XActivity { objectType: 'Activity'; id: string; definition?: XDefinition }
interface XAgent {
  objectType: 'Agent'; name: string; account?: { homePage: string; name: string }; mbox?: string;
}
interface XScore { scaled: number; raw: number; min: number; max: number }
interface XResult { score?: XScore; success?: boolean; completion?: boolean; response?: string; duration?: string }
interface XContext {
  registration: string;
  contextActivities?: { parent?: XActivity[]; grouping?: XActivity[] };
  language: string; platform: string; extensions?: Record<string, unknown>;
}
/** A statement as the runtime makes it; `actor` is added once the learner is known. */
interface XStatement {
  id: string; actor?: XAgent; verb: { id: string; display: LangMap }; object: XActivity;
  result?: XResult; context: XContext; timestamp: string;
}

// ---- The page (CONTRACT.md) ---------------------------------------------

/** What a widget reports in a `leerpad:<verb>` event; xapi.js makes the statement. */
interface LpEvent {
  id: string; def?: XDefinition; parent?: string[]; grouping?: string[]; attempt?: number; result?: XResult;
}
interface LpCourse { iri: string; title: string; language: string }
/** The page's `#leerpad-config` element (CONTRACT.md). */
interface LpConfig {
  course: LpCourse; manifest: string; platform: string;
  lrs: { endpoint: string; auth: string } | null;
  /** The scoring service's root (`<root>leerpad/v1/…`); absent: the LRS endpoint's root. */
  scorer?: string | null;
  /** The learner professions (id → Dutch label), from leerpad.content.models. */
  professions: LangMap;
  page: { kind: string; id: string | null; iri: string | null; module: string | null; title: string };
}
/** `course.json`, as far as the runtime reads it. */
interface LpModule { id: string; iri: string; title: string; quizzes: string[]; /** Its page, relative to docs_dir. */ page?: string }
interface LpQuizInfo { id: string; iri: string; title: string; module: string; attempts: number; final: boolean }
interface LpManifest {
  modules: LpModule[];
  quizzes: LpQuizInfo[];
  cases: { id: string; iri: string; title: string; modules: string[] }[];
}
/** `data-question` of a question element. */
interface LpQuestionData { id: string; iri: string; type: string; scored: boolean; definition: XDefinition }
/** Where a question reports: attempt, final test (feedback at the end), context, who to tell. */
interface LpHost {
  attempt: number; parent: string[]; grouping: string[]; done?(): void;
  /** A toets: no check per question, answers go in with the attempt. */ toets?: boolean;
}

// ---- Records in localStorage (`leerpad.<key>`), version 2 ----------------
// Version 1 had no `v` and one-letter fields; page.js migrates it on load.

/** `leerpad.learner`: who the learner declared to be. */
interface LearnerRecord {
  v: 2; name: string; mail: string; profession: string;
  /** Which register `number` is from. */
  register: 'riziv' | 'big' | 'geen'; number: string;
  /** Agreed that results go to the course's organiser; nothing is sent without it. */ consent: boolean;
}
/** `leerpad.s.<question IRI>`: the answer to one question in one attempt. */
interface QuestionRecord {
  v: 2; attempt: number; response?: string; checked?: boolean; success?: boolean;
  /** When the learner first touched the question (ms since the epoch). */
  started?: number;
}
/** One finished quiz attempt. */
interface AttemptResult { number: number; scaled: number; raw: number; max: number; passed: boolean }
/**
 * `leerpad.s.<quiz IRI>`: the current attempt (0: none yet) and the finished ones.
 * With a scorer, the attempt is the scorer's: its UUID, questions and option order.
 */
interface QuizRecord {
  v: 2; attempt: number; started: number; results: AttemptResult[];
  /** The attempt's UUID (scorer). */ id?: string;
  /** The attempt's questions, in the order to show them; set when it is started. */ questions?: string[];
  /** Each question's option order (scorer). */ options?: Record<string, string[]>;
  /** When the learner submitted; the score is pending until `answer`. */ submitted?: number;
  answer?: ScoredAttempt;
  /** Why the scorer refused the submit (400). */ refused?: string;
}
/** The scorer's answer to a start (issue 11). */
interface StartedAttempt {
  attempt: string; number: number; attempts_left: number | null;
  questions: string[]; options: Record<string, string[]>;
  /** The open attempt was drawn again: the course changed its questions since it started. */ renewed?: true;
}
/** The scorer's answer to a submit (issue 11); without an LRS the runtime makes the same itself. */
interface ScoredAttempt {
  attempt?: string; attempts_left: number | null; score: XScore; success: boolean;
  questions: Record<string, { success: boolean; feedback?: string }>;
  /** Drawn questions the course no longer has, left out of the score (Dutch). */ notice?: string;
}
/** A toets submit waiting in the outbox (`leerpad.out.<time>.<attempt UUID>`). */
interface LpSubmit {
  attempt: string; quiz: string; url: string;
  body: { responses: LangMap; timestamp: string; durations: LangMap };
}
/** `leerpad.s.<case IRI>`: how many steps are shown. */
interface CaseRecord { v: 2; step: number; started: number; done?: boolean }
/** `leerpad.s.<module IRI>`: reported done (and passed or failed, for a module with quizzes). */
interface ModuleRecord { v: 2; done: boolean; passed?: boolean }
/** A version 1 record of any kind under `leerpad.s.` (before `v` existed), as page.js migrates it. */
interface RecordV1 {
  /** question, quiz: attempt */ a?: number; /** question: response */ r?: string; /** question: checked */ c?: number;
  /** question: success */ ok?: boolean; /** question, quiz, case: started */ t?: number;
  /** quiz: attempts as {a, s(caled), r(aw), m(ax), p(assed)} */ res?: { a: number; s: number; r: number; m: number; p: boolean }[];
  /** case: steps shown */ n?: number; /** case, module: done */ d?: number; /** module: passed */ p?: boolean;
}
/** `leerpad.learner` in version 1. */
interface LearnerV1 { naam: string; mail: string; beroep: string; soort: LearnerRecord['register']; nr: string }

/** `window.leerpad`, the runtime's one global, and Material's `document$`. */
interface Window {
  leerpad?: {
    cfg?: LpConfig; man?: LpManifest | null; manifest?: Promise<LpManifest | null>;
    outbox?: import('./outbox.js').Outbox;
    /** The LMS session when an LMS launched the page (cmi5.js). */
    lms?: import('./cmi5.js').Lms;
  };
  document$?: { subscribe(next: () => void): unknown };
}
