// "Casus schrijven" keeps what it needs in the browser's Cache Storage (the editor and its
// worker share this), so that a second visit downloads nothing big and the page also works
// offline once it has been opened.
export const STORE = 'leerpad-authoring';

/** The page's cache, or null where the browser has none (an insecure origin, storage turned off). */
export async function store() {
  try { return 'caches' in self ? await caches.open(STORE) : null; } catch { return null; }
}

/**
 * A file that changes with the site (it names versions, or it is the course): from the site,
 * kept for later; the copy kept at the last visit when the site cannot be reached.
 * @param {string} url @returns {Promise<string>}
 */
export async function latestText(url) {
  const cache = await store();
  try {
    const response = await fetch(url, { cache: 'no-cache' });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    if (cache) await cache.put(url, response.clone()).catch(() => {});
    return await response.text();
  } catch (error) {
    const kept = cache && await cache.match(url).catch(() => undefined);
    if (kept) return kept.text();
    throw error;
  }
}
