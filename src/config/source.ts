import { redactSecrets } from './secret-values.ts';
import { LineCounter, isMap, isNode, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigIssue } from './errors.ts';

/** A parsed YAML file that can say on which line any YAML path stands. */
export class SourceFile {
  private constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  static parse(file: string, text: string): { source: SourceFile; issues: ConfigIssue[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
    const source = new SourceFile(file, doc, lines);
    const issues = doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return { file, path: [], line: pos.line, column: pos.col, message: e.message.split('\n')[0]! };
    });
    return { source, issues };
  }

  value(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
  }

  /** An issue at `path`, placed on the deepest node of the path that exists. */
  issue(path: readonly (string | number)[], message: string): ConfigIssue {
    const pos = this.position(path);
    // A message may quote a value (`"…" is not a URL`): never a secret's.
    return { file: this.file, path, line: pos.line, column: pos.col, message: redactSecrets(message) };
  }

  /**
   * The YAML path of what stands at `offset`: in a mapping, the last key that starts before it (a key
   * owns the text up to the next key, so an empty value still has its key's path); in a list, the last
   * item that starts before it.
   */
  pathAt(offset: number): (string | number)[] {
    const path: (string | number)[] = [];
    let node: unknown = this.doc.contents;
    for (;;) {
      if (isMap(node)) {
        const index = lastStartingBefore(node.items.map((p) => p.key), offset);
        const pair = node.items[index];
        if (!pair) break;
        path.push(String((pair.key as Node & { value?: unknown }).value));
        node = pair.value;
      } else if (isSeq(node)) {
        const index = lastStartingBefore(node.items, offset);
        if (index < 0) break;
        path.push(index);
        node = node.items[index];
      } else {
        break;
      }
    }
    return path;
  }

  private position(path: readonly (string | number)[]): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let offset = isNode(node) && node.range ? node.range[0] : 0;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isNode(p.key) && (p.key as Node & { value?: unknown }).value === key);
        if (!pair) break;
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
        node = node.items[key];
        offset = isNode(node) && node.range ? node.range[0] : offset;
      } else {
        break;
      }
    }
    return this.lines.linePos(offset);
  }
}

function lastStartingBefore(nodes: unknown[], offset: number): number {
  let found = -1;
  nodes.forEach((n, i) => {
    if (isNode(n) && n.range && n.range[0] <= offset) found = i;
  });
  return found;
}
