/** Items that passed each place, by pipeline and place name (EdgeMeters.read); null where the meter was off until now. */
export type Places = Record<string, Record<string, number | null>>;

/**
 * The places of the status page from every worker's meters (`--workers N`): each worker counts what
 * the routing rule gave it, so a place's items are the workers' sum. A place is null when any worker's
 * meter there was off until now, or a worker did not answer (`undefined`: restarting): a sum missing a
 * part would make the page compute a wrong rate across the gap, null makes it compute none.
 */
export function mergePlaces(perWorker: readonly (Places | undefined)[]): Places {
  const out: Places = {};
  for (const places of perWorker) {
    for (const [pipeline, byPlace] of Object.entries(places ?? {})) {
      const merged = (out[pipeline] ??= {});
      for (const [place, items] of Object.entries(byPlace)) {
        const seen = merged[place];
        merged[place] = seen === undefined ? items : seen === null || items === null ? null : seen + items;
      }
    }
  }
  if (perWorker.some((p) => p === undefined)) {
    for (const byPlace of Object.values(out)) for (const place of Object.keys(byPlace)) byPlace[place] = null;
  }
  return out;
}
