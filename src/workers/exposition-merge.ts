interface FamilyLines {
  comments: string[];
  samples: string[];
}

/**
 * One Prometheus exposition (text 0.0.4 or OpenMetrics) from the pages of every worker. A series lives
 * in exactly one worker (the routing rule), so merging is a union: each metric family once, with its
 * comment lines (HELP, TYPE, UNIT) from the first page that has it and the samples of every page,
 * families in name order as the single-process serializer writes them. OpenMetrics' `# EOF` ends the
 * result once.
 */
export function mergeExpositions(pages: readonly string[]): string {
  if (pages.length === 1) return pages[0]!;
  const families = new Map<string, FamilyLines>();
  let openMetrics = false;
  for (const page of pages) {
    // Families this page opened (its comment lines are kept) or continues (an earlier page's are).
    const opened = new Set<string>();
    let current: FamilyLines | undefined;
    let currentName: string | undefined;
    for (const line of page.split('\n')) {
      if (line === '') continue;
      if (line === '# EOF') {
        openMetrics = true;
        continue;
      }
      const name = line.startsWith('# ') ? (line.split(' ', 3)[2] ?? '') : current ? undefined : line.split(/[{ ]/, 1)[0]!;
      if (name !== undefined && name !== currentName) {
        currentName = name;
        current = families.get(name);
        if (!current) {
          families.set(name, (current = { comments: [], samples: [] }));
          opened.add(name);
        }
      }
      if (!line.startsWith('# ')) current!.samples.push(line);
      else if (opened.has(currentName!)) current!.comments.push(line);
    }
  }
  let out = '';
  for (const name of [...families.keys()].sort()) {
    const f = families.get(name)!;
    for (const c of f.comments) out += `${c}\n`;
    for (const s of f.samples) out += `${s}\n`;
  }
  return openMetrics ? `${out}# EOF\n` : out;
}
