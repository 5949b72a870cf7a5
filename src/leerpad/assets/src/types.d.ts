// Types for `tsc --checkJs` only; never loaded by a page.

/** What a widget reports in a `leerpad:<verb>` event; xapi.js makes the statement. */
interface LpEvent {
  id: string; def?: any; parent?: string[]; grouping?: string[]; attempt?: number; result?: any;
}
interface LpCourse { iri: string; title: string; language: string }
/** The page's `#leerpad-config` element (CONTRACT.md). */
interface LpConfig {
  course: LpCourse; manifest: string; platform: string;
  lrs: { endpoint: string; auth: string } | null;
  page: { kind: string; id: string | null; iri: string | null; module: string | null; title: string };
}
/** `course.json`, as far as the runtime reads it. */
interface LpModule { id: string; iri: string; title: string; quizzes: string[] }
interface LpManifest {
  modules: LpModule[];
  quizzes: { id: string; iri: string; title: string; module: string; attempts: number }[];
  cases: { id: string; iri: string; title: string; modules: string[] }[];
}
/** Where a question reports: attempt, final test (feedback at the end), context, who to tell. */
interface LpHost { a: number; final?: boolean; over?: boolean; parent: string[]; grouping: string[]; done?(): void }
/** One finished quiz attempt: attempt, scaled, raw, max, passed. */
interface LpResult { a: number; s: number; r: number; m: number; p: boolean }
interface LpLearner { naam: string; mail: string; beroep: string; soort: string; nr: string }
interface LpComponent { id: string; description?: Record<string, string> }
