// An AU made with the independent @xapi/cmi5 library, run by Node against the
// simulated LMS: if it cannot complete a launch, the simulation is wrong.
// Usage: node xapi_cmi5_au.cjs LAUNCH_URL [SCALED_SCORE]
// Prints one JSON line: what the library read from the LMS, or the error.
const path = require('path');
const Cmi5 = require(path.join(process.cwd(), 'node_modules/@xapi/cmi5/dist/Cmi5.umd.js'));

async function main() {
  const url = new URL(process.argv[2]);
  const q = url.searchParams;
  const cmi5 = new Cmi5({
    endpoint: q.get('endpoint'), fetch: q.get('fetch'), actor: JSON.parse(q.get('actor')),
    registration: q.get('registration'), activityId: q.get('activityId'),
  });
  await cmi5.initialize(); // POST fetch, GET LMS.LaunchData and cmi5LearnerPreferences, then initialized
  const data = cmi5.getLaunchData();
  if (data.launchMode === 'Normal') {
    await cmi5.complete();
    if (process.argv[3]) await cmi5.pass(Number(process.argv[3]));
  }
  await cmi5.terminate();
  console.log(JSON.stringify({ ok: true, launchData: data, preferences: cmi5.getLearnerPreferences() }));
}

main().catch(e => {
  console.log(JSON.stringify({ ok: false, error: String(e && e.message || e), status: e && e.response && e.response.status }));
  process.exitCode = 1;
});
