/** How a query selects on a label, in the terms both PromQL and DataDog scopes share. */
export interface LabelUse {
  label: string;
  /** `=`/`!=`/`=~`/`!~` for a matcher or scope filter; `by` for a grouping. */
  op: '=' | '!=' | '=~' | '!~' | 'by';
  value: string;
}

/** One metric a query reads, and the labels it filters or groups it on. */
export interface MetricUse {
  metric: string;
  labels: LabelUse[];
}

/** One query of a dashboard and where it sits, for the report. */
export interface DashboardQuery {
  /** The panel or widget title (or template variable) it belongs to. */
  where: string;
  query: string;
}

/**
 * Whether a label use needs the label on the series: a filter that an absent label (read as "") would
 * pass, such as `x=""`, `x!="a"` or `x=~".*"`, does not.
 */
export function needsLabel(use: LabelUse): boolean {
  switch (use.op) {
    case 'by':
      return true;
    case '=':
      return use.value !== '';
    case '=~':
      try {
        return !new RegExp(`^(?:${use.value})$`).test('');
      } catch {
        return true;
      }
    default:
      return false;
  }
}
