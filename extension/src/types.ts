import { TranslationBundle } from '@jupyterlab/translation';

/**
 * The messages of the comm target `portinglab.copies`, version 2.
 * Same field names as the kernel side (portinglab_kernel/tracer) and its JSON Schema
 * (kernel/src/portinglab_kernel/tracer/report.schema.json).
 */

export const COMM_TARGET = 'portinglab.copies';

/** The extension's translation domain (`translator.load(DOMAIN)`; locale files in portinglab_copies/locale). */
export const DOMAIN = 'portinglab_copies';
export const SCHEMA_ID = 'portinglab.copies';
export const SCHEMA_VERSION = 2;

/** Copies a cell lists one by one: the default and the most (setting `rowsPerCell`; the kernel's
 * `tracer.MAX_ROWS` and `ROWS_LIMIT`). */
export const DEFAULT_ROWS = 50;
export const ROWS_LIMIT = 100000;

export type Direction =
  | 'py->js'
  | 'js->py'
  | 'py->opencv'
  | 'opencv->py'
  | 'py->ort'
  | 'ort->py'
  | 'js->opencv'
  | 'opencv->js'
  | 'js->ort'
  | 'ort->js';

export interface ICopy {
  direction: Direction;
  bytes: number;
  api: string;
  dtype: string | null;
  shape: number[] | null;
  seconds: number;
  at: number;
  line: number | null;
  exact: boolean;
  source: 'ffi' | 'bridge';
}

export interface IHint {
  code: 'to_js-large-buffer' | 'conversion-in-loop' | 'proxies-alive';
  message: string;
  line: number | null;
  doc: string;
}

export interface ICellReport {
  schema: 'portinglab.copies';
  version: 2;
  type: 'cell';
  execution_count: number | null;
  msg_id: string | null;
  started: number;
  enabled: true;
  copies: ICopy[];
  omitted: number;
  /** untimed (optional): copies past the rows counted but not timed (under 256 KiB) */
  totals: { count: number; bytes: number; seconds: number; untimed?: number };
  proxies: { created: number; alive: number };
  hints: IHint[];
  /** Packages of the site loaded during the cell on their first import from a module (optional). */
  loads?: { module: string; package: string; seconds: number }[];
}

export interface IStateMessage {
  schema: 'portinglab.copies';
  version: 2;
  type: 'state';
  enabled: boolean;
}

/** A cell report as the comm carries it: its JSON text. */
export interface ICellJson {
  schema: 'portinglab.copies';
  version: 2;
  type: 'cell';
  json: string;
}

export type Message = ICellReport | IStateMessage;

/** Front end -> kernel. */
export interface ISetEnabled {
  type: 'set_enabled';
  enabled: boolean;
}

/** lab -> kernel: how many copies each cell lists one by one (setting `rowsPerCell`). */
export interface ISetRows {
  type: 'set_rows';
  rows: number;
}

/** The teaching notebook that explains the hints (content/en/ and content/zh/). */
export const LESSON_NOTEBOOK = '02-python-and-javascript.ipynb';

/**
 * For each hint, the heading of the notebook's section that explains the cheaper way, per
 * notebook language: JupyterLab's heading anchor (the heading's text, spaces → `-`).
 * tests/site/test_copies_inspector.py checks that both notebooks have each heading.
 */
export const HINT_LESSONS: Record<IHint['code'], { en: string; zh: string }> = {
  'to_js-large-buffer': { en: 'A-view-instead-of-a-copy', zh: '视图代替拷贝' },
  'conversion-in-loop': { en: 'Conversions-inside-a-loop', zh: '循环中的转换' },
  'proxies-alive': { en: 'Proxies-left-alive', zh: '未释放的代理' }
};

/** Words for a direction, as shown in the panel (in the lab's language). */
export function directionLabel(direction: string, trans: TranslationBundle): string {
  const labels: Record<string, string> = {
    'py->js': trans.__('Python → JS'),
    'js->py': trans.__('JS → Python'),
    'py->opencv': trans.__('Python → opencv.js heap'),
    'opencv->py': trans.__('opencv.js heap → Python'),
    'py->ort': trans.__('Python → onnxruntime heap'),
    'ort->py': trans.__('onnxruntime heap → Python'),
    'js->opencv': trans.__('JS → opencv.js heap'),
    'opencv->js': trans.__('opencv.js heap → JS'),
    'js->ort': trans.__('JS → onnxruntime heap'),
    'ort->js': trans.__('onnxruntime heap → JS')
  };
  return labels[direction] ?? direction;
}

/**
 * A hint's text in the lab's language. The kernel sends it in English; in another language the
 * same text is rebuilt from a translated template (its numbers read from the English one), and
 * the kernel's English is kept when the two no longer match.
 */
export function hintMessage(hint: IHint, trans: TranslationBundle, english: boolean): string {
  if (english) {
    return hint.message;
  }
  if (hint.code === 'to_js-large-buffer') {
    return trans.__(
      'to_js copies the whole buffer into a new typed array. For a read-only view with no copy, pass create_proxy(array) to JS and call getBuffer() there (release() it after), or keep the data on one side.'
    );
  }
  let m: RegExpMatchArray | null;
  if (hint.code === 'conversion-in-loop' && (m = hint.message.match(/^(\S+) ran (\d+) times on line (\d+):/))) {
    return trans.__(
      '%1 ran %2 times on line %3: convert once outside the loop, or assign_to() into one preallocated buffer.',
      m[1],
      m[2],
      m[3]
    );
  }
  if (hint.code === 'proxies-alive' && (m = hint.message.match(/^(\d+) PyProxy/))) {
    return trans.__(
      '%1 PyProxy object(s) created in this cell are still alive: call .destroy() when JS no longer needs them (or use create_once_callable).',
      m[1]
    );
  }
  return hint.message;
}

export function formatBytes(n: number): string {
  if (n < 1000) {
    return `${n} B`;
  }
  const units = ['kB', 'MB', 'GB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function formatMs(seconds: number): string {
  const ms = seconds * 1000;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export function summary(
  totals: { count: number; bytes: number; seconds: number; untimed?: number },
  trans: TranslationBundle
): string {
  const copies = trans._n('%1 copy', '%1 copies', totals.count);
  // some small copies were counted, not timed: the time is a lower bound
  const time = (totals.untimed ? '≥ ' : '') + formatMs(totals.seconds);
  return `${copies} · ${formatBytes(totals.bytes)} · ${time}`;
}

/** What a cell's totals leave out, for a tooltip ('' when nothing). */
export function untimedNote(totals: { untimed?: number }, trans: TranslationBundle): string {
  return totals.untimed
    ? trans._n(
        '%1 small copy past the listed ones was counted but not timed (under 256 KiB: shorter than the clock step)',
        '%1 small copies past the listed ones were counted but not timed (under 256 KiB: shorter than the clock step)',
        totals.untimed
      )
    : '';
}
