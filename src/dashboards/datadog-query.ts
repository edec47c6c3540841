import { QueryParseError } from './promql.ts';
import type { LabelUse, MetricUse } from './uses.ts';

/**
 * A parser of DataDog's metric query language, as dashboards write it (no maintained npm package parses
 * it; DataDog documents the grammar at docs.datadoghq.com/metrics/advanced-filtering and /dashboards/querying):
 *
 *   expr    := term (('+' | '-' | '*' | '/') term)*
 *   term    := NUMBER | '(' expr ')' | '-' term | FUNCTION '(' arg (',' arg)* ')' | query
 *   query   := [AGGREGATOR ':'] METRIC '{' scope '}' [by] ('.' NAME '(' [arg (',' arg)*] ')' [by])*
 *   by      := 'by' '{' TAG (',' TAG)* '}'
 *   scope   := '*' | filters, where a filter is [! | NOT] TAG[:VALUE] | TAG [NOT] IN (VALUE, …) |
 *              '(' filters ')' | $VARIABLE, joined by ',', AND or OR
 *
 * `variables` maps a template variable's name to its tag prefix (`$env` filters on the tag `env`).
 */
export function datadogUses(query: string, variables: ReadonlyMap<string, string> = new Map()): MetricUse[] {
  return new Parser(query, variables).parse();
}

const METRIC_CHAR = /[A-Za-z0-9_.]/;
const WORD_CHAR = /[A-Za-z0-9_]/;
// A tag or value runs until a separator of the scope grammar.
const TAG_END = new Set([',', '}', ')', '(', ' ', '\t', '\n']);

class Parser {
  private pos = 0;
  private readonly uses: MetricUse[] = [];

  constructor(
    private readonly src: string,
    private readonly variables: ReadonlyMap<string, string>,
  ) {}

  parse(): MetricUse[] {
    this.expr();
    this.space();
    if (this.pos < this.src.length) this.fail(`unexpected "${this.src[this.pos]}"`);
    return this.uses;
  }

  private fail(what: string): never {
    throw new QueryParseError(`not a DataDog metric query (${what} at character ${this.pos + 1}): ${this.src}`);
  }

  private space(): void {
    while (/\s/.test(this.src[this.pos] ?? '')) this.pos++;
  }

  private peek(): string {
    this.space();
    return this.src[this.pos] ?? '';
  }

  private eat(char: string): boolean {
    if (this.peek() !== char) return false;
    this.pos++;
    return true;
  }

  private expect(char: string): void {
    if (!this.eat(char)) this.fail(`expected "${char}"`);
  }

  private run(ok: RegExp): string {
    const start = this.pos;
    while (this.pos < this.src.length && ok.test(this.src[this.pos]!)) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private keyword(word: string): boolean {
    this.space();
    const end = this.pos + word.length;
    if (this.src.slice(this.pos, end).toUpperCase() !== word || WORD_CHAR.test(this.src[end] ?? '')) return false;
    this.pos = end;
    return true;
  }

  private expr(): void {
    this.term();
    while ('+-*/'.includes(this.peek()) && this.peek() !== '') {
      this.pos++;
      this.term();
    }
  }

  private term(): void {
    const c = this.peek();
    if (c === '(') {
      this.pos++;
      this.expr();
      this.expect(')');
      return;
    }
    if (c === '-') {
      this.pos++;
      this.term();
      return;
    }
    if (/[0-9]/.test(c)) {
      this.run(/[0-9.eE]/);
      return;
    }
    const start = this.pos;
    const name = this.run(METRIC_CHAR);
    if (!name) this.fail('expected a metric query, a number or a function');
    if (this.peek() === '(' && !name.includes('.')) return this.functionCall();
    this.pos = start;
    this.query();
  }

  private functionCall(): void {
    this.expect('(');
    if (this.eat(')')) return;
    do this.argument();
    while (this.eat(','));
    this.expect(')');
  }

  /** A function argument: a query expression, a number, a quoted string or a bare word (`mean`, `desc`). */
  private argument(): void {
    const c = this.peek();
    if (c === "'" || c === '"') {
      const close = this.src.indexOf(c, this.pos + 1);
      if (close < 0) this.fail('unterminated string');
      this.pos = close + 1;
      return;
    }
    const start = this.pos;
    const word = this.run(METRIC_CHAR);
    const next = this.peek();
    if (word && next !== ':' && next !== '{' && next !== '(' && !'+-*/'.includes(next || '?')) return; // a bare word or number
    this.pos = start;
    this.expr();
  }

  private query(): void {
    const start = this.pos;
    let metric = this.run(METRIC_CHAR);
    if (this.peek() === ':') {
      this.pos++;
      this.space();
      metric = this.run(METRIC_CHAR); // the part before ':' was the space aggregator
    }
    if (!metric) {
      this.pos = start;
      this.fail('expected a metric name');
    }
    const labels: LabelUse[] = [];
    this.expect('{');
    this.scope(labels);
    this.expect('}');
    for (;;) {
      if (this.keyword('BY')) this.by(labels);
      else if (this.peek() === '.') {
        this.pos++;
        if (!this.run(WORD_CHAR)) this.fail('expected a function name after "."');
        this.functionCall();
      } else break;
    }
    this.uses.push({ metric, labels });
  }

  private by(labels: LabelUse[]): void {
    this.expect('{');
    do {
      this.space();
      const tag = this.tag();
      if (!tag) this.fail('expected a tag to group by');
      labels.push({ label: tag, op: 'by', value: '' });
    } while (this.eat(','));
    this.expect('}');
  }

  private tag(): string {
    const start = this.pos;
    while (this.pos < this.src.length && !TAG_END.has(this.src[this.pos]!)) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private scope(labels: LabelUse[]): void {
    for (;;) {
      this.filter(labels);
      if (this.eat(',') || this.keyword('AND') || this.keyword('OR')) continue;
      return;
    }
  }

  private filter(labels: LabelUse[]): void {
    if (this.eat('(')) {
      this.scope(labels);
      this.expect(')');
      return;
    }
    let negated = this.eat('!') || this.keyword('NOT');
    this.space();
    const tag = this.tag();
    if (!tag) this.fail('expected a tag filter');
    if (tag === '*') return; // every series
    if (tag.startsWith('$')) {
      // A template variable filters on its prefix's tag, unless it is a whole "key:value" variable without one.
      const prefix = this.variables.get(tag.slice(1));
      if (prefix) labels.push({ label: prefix, op: negated ? '!=' : '=', value: tag });
      return;
    }
    if (this.keyword('NOT')) negated = !negated;
    if (this.keyword('IN')) {
      this.expect('(');
      do {
        this.space();
        this.tag();
      } while (this.eat(','));
      this.expect(')');
      labels.push({ label: tag, op: negated ? '!=' : '=', value: '(list)' });
      return;
    }
    const colon = tag.indexOf(':');
    const label = colon < 0 ? tag : tag.slice(0, colon);
    const value = colon < 0 ? tag : tag.slice(colon + 1);
    labels.push({ label, op: negated ? '!=' : '=', value: value === '' ? '*' : value });
  }
}
