import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import type { LabelUse, MetricUse } from './uses.ts';

export class QueryParseError extends Error {}

const OPS: Record<string, LabelUse['op']> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };
// Functions whose result carries labels its input lacks: a grouping above them is not checked.
const LABEL_MAKERS = new Set(['LabelReplace', 'LabelJoin']);

/** A PromQL string literal's value: "…" and '…' with Go escapes, `…` raw. */
function unquote(literal: string): string {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  if (literal.startsWith("'")) return JSON.parse(`"${literal.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"`) as string;
  return JSON.parse(literal) as string;
}

function children(node: SyntaxNode, name?: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (!name || c.name === name) out.push(c);
  return out;
}

/**
 * Every metric a PromQL expression selects, with the label matchers on it and the `by (…)` labels of
 * the aggregations above it, read from the syntax tree of Prometheus's own grammar
 * (`@prometheus-io/lezer-promql`). Throws QueryParseError where the grammar refuses the text.
 */
export function promqlUses(expr: string): MetricUse[] {
  const tree = parser.parse(expr);
  const errors: number[] = [];
  tree.iterate({ enter: (n) => void (n.type.isError && errors.push(n.from)) });
  if (errors.length > 0) throw new QueryParseError(`not valid PromQL at character ${errors[0]! + 1}: ${expr}`);

  const text = (n: SyntaxNode) => expr.slice(n.from, n.to);
  const uses: MetricUse[] = [];
  const selectors: SyntaxNode[] = [];
  tree.iterate({ enter: (n) => void (n.name === 'VectorSelector' && selectors.push(n.node)) });
  for (const selector of selectors) {
    let metric = '';
    const labels: LabelUse[] = [];
    const identifier = children(selector, 'Identifier')[0];
    if (identifier) metric = text(identifier);
    for (const matchers of children(selector, 'LabelMatchers')) {
      for (const m of children(matchers)) {
        if (m.name === 'QuotedLabelName') {
          metric = unquote(text(m)); // {"metric.name"}: a UTF-8 metric name
          continue;
        }
        const nameNode = children(m, 'LabelName')[0] ?? children(m, 'QuotedLabelName')[0];
        const op = children(m, 'MatchOp')[0]?.firstChild;
        const value = children(m, 'StringLiteral').at(-1);
        if (!nameNode || !op || !value) continue;
        const label = nameNode.name === 'LabelName' ? text(nameNode) : unquote(text(nameNode));
        const use: LabelUse = { label, op: OPS[op.name] ?? '=', value: unquote(text(value)) };
        if (label === '__name__' && use.op === '=') metric = use.value;
        else labels.push(use);
      }
    }
    labels.push(...groupingsAbove(selector, text));
    uses.push({ metric, labels });
  }
  return uses;
}

/** The `by (…)` labels of every aggregation enclosing the selector, up to a function that makes labels. */
function groupingsAbove(selector: SyntaxNode, text: (n: SyntaxNode) => string): LabelUse[] {
  const out: LabelUse[] = [];
  for (let n = selector.parent; n; n = n.parent) {
    if (n.name === 'FunctionCall' && LABEL_MAKERS.has(children(n, 'FunctionIdentifier')[0]?.firstChild?.name ?? '')) break;
    if (n.name !== 'AggregateExpr') continue;
    const modifier = children(n, 'AggregateModifier')[0];
    if (!modifier || children(modifier, 'By').length === 0) continue;
    for (const g of children(modifier, 'GroupingLabels')) for (const l of children(g, 'LabelName')) out.push({ label: text(l), op: 'by', value: '' });
  }
  return out;
}
