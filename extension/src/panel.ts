import { TranslationBundle } from '@jupyterlab/translation';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { CopiesModel } from './model';
import {
  directionLabel,
  formatBytes,
  hintMessage,
  formatMs,
  ICellReport,
  ICopy,
  IHint,
  summary,
  untimedNote
} from './types';

export type SortKey = 'order' | 'bytes' | 'time' | 'line';

/**
 * The "Memory copies" side panel: the copies of the active notebook, grouped by cell.
 */
export class CopiesPanel extends Widget {
  constructor(options: {
    onToggle: (on: boolean) => void;
    onOpenLesson: (code: IHint['code']) => void;
    trans: TranslationBundle;
    /** English UI: hints as the kernel words them */
    english: boolean;
  }) {
    super();
    this.id = 'portinglab-copies-panel';
    this.addClass('jp-PortingLabCopies');
    const trans = (this._trans = options.trans);
    this._english = options.english;
    this.title.caption = trans.__('Memory copies');
    this._onToggle = options.onToggle;
    this._onOpenLesson = options.onOpenLesson;

    const bar = document.createElement('div');
    bar.className = 'jp-PortingLabCopies-toolbar';
    const label = document.createElement('label');
    this._switch = document.createElement('input');
    this._switch.type = 'checkbox';
    this._switch.className = 'jp-PortingLabCopies-switch';
    this._switch.onchange = () => this._onToggle(this._switch.checked);
    label.append(this._switch, ' ' + trans.__('Trace copies'));
    this._filter = document.createElement('input');
    this._filter.type = 'search';
    this._filter.placeholder = trans.__('Filter');
    this._filter.title = trans.__('Show only the copies whose API, direction or dtype contains this');
    this._filter.className = 'jp-PortingLabCopies-filter';
    this._filter.oninput = () => this.render();
    this._sort = document.createElement('select');
    this._sort.className = 'jp-PortingLabCopies-sort';
    for (const [value, text] of [
      ['order', trans.__('In order')],
      ['bytes', trans.__('Largest first')],
      ['time', trans.__('Slowest first')],
      ['line', trans.__('By line')]
    ]) {
      const o = document.createElement('option');
      o.value = value;
      o.textContent = text;
      this._sort.append(o);
    }
    this._sort.onchange = () => this.render();
    const clear = document.createElement('button');
    clear.className = 'jp-PortingLabCopies-clear jp-mod-styled';
    clear.textContent = trans.__('Clear');
    clear.onclick = () => this._model?.clear();
    bar.append(label, this._filter, this._sort, clear);

    this._summary = document.createElement('div');
    this._summary.className = 'jp-PortingLabCopies-summary';
    this._body = document.createElement('div');
    this._body.className = 'jp-PortingLabCopies-body';
    this.node.append(bar, this._summary, this._body);
    this.render();
  }

  get model(): CopiesModel | null {
    return this._model;
  }

  set model(model: CopiesModel | null) {
    if (model === this._model) {
      return;
    }
    this._model?.changed.disconnect(this._onModelChanged, this);
    this._model = model;
    model?.changed.connect(this._onModelChanged, this);
    this.render();
  }

  set notebookName(name: string) {
    this._notebookName = name;
    this.render();
  }

  set enabled(on: boolean) {
    this._switch.checked = on;
  }

  /** Scroll to (and flash) the group of the cell with this execution count. */
  showCell(executionCount: number): void {
    if (this._dirty !== false) {
      this._draw();  // what is scheduled, now: the group must exist
    }
    const group = this._body.querySelector(
      `[data-execution-count="${executionCount}"]`
    ) as HTMLElement | null;
    this.node.dataset.shownCell = String(executionCount);
    if (group) {
      group.scrollIntoView({ block: 'start' });
      group.classList.add('jp-mod-focused');
      setTimeout(() => group.classList.remove('jp-mod-focused'), 3000);
    }
  }

  /**
   * Redraw: the summary line at once (cheap), the copies soon: at most once per frame, and only
   * while the panel is visible (a hidden panel draws them when shown). Receiving a report must
   * stay cheap while cells run: the cell's reply waits behind it on this thread.
   */
  render(): void {
    this._dirty = true;
    this._drawSummary();
    if (this.isVisible) {
      this.update();
    }
  }

  protected onUpdateRequest(msg: Message): void {
    if (this._dirty !== false && this.isVisible) {
      this._draw();
    }
  }

  protected onAfterShow(msg: Message): void {
    if (this._dirty !== false) {
      this.update();
    }
  }

  /** A report arrived (its cell's execution count) or anything changed (null). */
  private _onModelChanged(_: CopiesModel, executionCount: number | null): void {
    if (executionCount === null || this._dirty === true) {
      this.render();
      return;
    }
    // only that cell's group, drawn with the next frame (unless everything is redrawn then)
    this._dirty = this._dirty || new Set<number>();
    this._dirty.add(executionCount);
    this._drawSummary();
    if (this.isVisible) {
      this.update();
    }
  }

  /** Draw what is pending: everything, or the groups of the cells whose reports arrived. */
  private _draw(): void {
    const pending = this._dirty;
    this._dirty = false;
    const model = this._model;
    if (pending instanceof Set && model?.enabled) {
      const last = this._body.lastElementChild as HTMLElement | null;
      const after = last ? Number(last.dataset.executionCount) : -Infinity;
      const counts = [...pending].sort((a, b) => a - b);
      if (counts[0] > after) {
        // new cells, after every group drawn: append theirs
        const filter = this._filter.value.trim().toLowerCase();
        for (const count of counts) {
          const report = model.report(count);
          const group = report ? this._groupIfShown(report, filter) : null;
          if (group) {
            this._body.append(group);
          }
        }
        return;
      }
    }
    this._body.textContent = '';
    if (!model?.enabled) {
      return;
    }
    const filter = this._filter.value.trim().toLowerCase();
    for (const report of model.reports) {
      const group = this._groupIfShown(report, filter);
      if (group) {
        this._body.append(group);
      }
    }
  }

  /** The switch and the summary line (totals of the notebook); with no model or tracing off, why. */
  private _drawSummary(): void {
    const trans = this._trans;
    const model = this._model;
    if (!model) {
      this._summary.textContent = trans.__('Open a notebook to see the memory it copies.');
      delete this._summary.dataset.connected;
      return;
    }
    this._switch.checked = model.enabled;
    // whether the kernel's tracer answered (tests wait for it, in any language)
    this._summary.dataset.connected = String(model.connected);
    if (!model.enabled) {
      this._summary.textContent = trans.__('%1: tracing is off.', this._notebookName);
      return;
    }
    const t = model.totals();
    this._summary.textContent =
      trans._n('%2: %3 in %1 cell', '%2: %3 in %1 cells', t.cells, this._notebookName, summary(t, trans)) +
      (model.connected ? '' : ' ' + trans.__('(waiting for the kernel)'));
    this._summary.dataset.bytes = String(t.bytes);
    this._summary.dataset.count = String(t.count);
  }

  /** The group of a cell's report, or null when it has nothing to show (under this filter). */
  private _groupIfShown(report: ICellReport, filter: string): HTMLElement | null {
    if (!report.totals.count && !report.proxies.alive && !report.loads?.length) {
      return null;
    }
    const rows = this._rows(report, filter);
    if (filter && !rows.length) {
      return null;
    }
    return this._group(report, rows);
  }

  private _rows(report: ICellReport, filter: string): ICopy[] {
    let rows = report.copies;
    if (filter) {
      rows = rows.filter(c =>
        [c.api, c.direction, directionLabel(c.direction, this._trans), c.dtype ?? '', c.source]
          .join(' ')
          .toLowerCase()
          .includes(filter)
      );
    }
    const key = this._sort.value as SortKey;
    if (key === 'bytes') {
      rows = [...rows].sort((a, b) => b.bytes - a.bytes);
    } else if (key === 'time') {
      rows = [...rows].sort((a, b) => b.seconds - a.seconds);
    } else if (key === 'line') {
      rows = [...rows].sort((a, b) => (a.line ?? 1e9) - (b.line ?? 1e9));
    }
    return rows;
  }

  private _group(report: ICellReport, rows: ICopy[]): HTMLElement {
    const trans = this._trans;
    const group = document.createElement('section');
    group.className = 'jp-PortingLabCopies-cell';
    group.dataset.executionCount = String(report.execution_count);
    const head = document.createElement('div');
    head.className = 'jp-PortingLabCopies-cellHeader';
    head.textContent = `[${report.execution_count}] ${summary(report.totals, trans)}`;
    head.dataset.bytes = String(report.totals.bytes);
    const notes = [untimedNote(report.totals, trans)];
    if (report.omitted) {
      head.textContent += ' ' + trans.__('(%1 more not listed)', report.omitted);
      notes.push(trans.__('To list more: Porting Lab: Copies listed per cell… in the command palette'));
    }
    head.title = notes.filter(Boolean).join('\n');
    if (report.proxies.created) {
      const p = document.createElement('span');
      p.className = 'jp-PortingLabCopies-proxies';
      p.textContent =
        ' · ' + trans.__('proxies: %1 created, %2 alive', report.proxies.created, report.proxies.alive);
      head.append(p);
    }
    if (report.loads?.length) {
      const l = document.createElement('span');
      l.className = 'jp-PortingLabCopies-loads';
      const what = report.loads.map(x => `${x.module} ${formatMs(x.seconds)}`).join(', ');
      l.textContent = ' · ' + trans.__('loaded on first import: %1', what);
      head.append(l);
    }
    group.append(head);
    for (const hint of report.hints) {
      const h = document.createElement('div');
      h.className = 'jp-PortingLabCopies-hint';
      h.dataset.code = hint.code;
      h.textContent =
        (hint.line ? trans.__('line %1: ', hint.line) : '') + hintMessage(hint, trans, this._english) + ' ';
      // the teaching notebook's section that explains it, opened in the lab
      const more = document.createElement('a');
      more.className = 'jp-PortingLabCopies-lesson';
      more.href = '#';
      more.textContent = trans.__('How: notebook 2, Python ↔ JavaScript');
      more.title = trans.__('Open the teaching notebook at the section that explains this');
      more.onclick = ev => {
        ev.preventDefault();
        this._onOpenLesson(hint.code);
      };
      h.append(more);
      group.append(h);
    }
    // a compact two-line layout that fits the default side bar (~250 px) and grows with it:
    //   line | API · direction        | bytes (exact)
    //        | dtype · shape           | time
    const table = document.createElement('div');
    table.className = 'jp-PortingLabCopies-table';
    table.setAttribute('role', 'table');
    const head2 = document.createElement('div');
    head2.className = 'jp-PortingLabCopies-head';
    head2.setAttribute('role', 'row');
    for (const [name, cls] of [
      [trans.__('Line'), 'line'],
      [trans.__('API · direction'), 'what'],
      [trans.__('Bytes'), 'bytes'],
      ['', 'line'],
      [trans.__('dtype · shape'), 'meta'],
      [trans.__('Time'), 'time']
    ]) {
      const th = document.createElement('span');
      th.setAttribute('role', 'columnheader');
      th.className = `jp-PortingLabCopies-${cls}`;
      th.textContent = name;
      head2.append(th);
    }
    table.append(head2);
    for (const c of rows) {
      const tr = document.createElement('div');
      tr.className = 'jp-PortingLabCopies-row';
      tr.setAttribute('role', 'row');
      tr.dataset.direction = c.direction;
      tr.dataset.bytes = String(c.bytes);
      tr.dataset.api = c.api;
      tr.dataset.line = c.line === null ? '' : String(c.line);
      const cell = (cls: string, text: string, title?: string) => {
        const td = document.createElement('span');
        td.setAttribute('role', 'cell');
        td.className = `jp-PortingLabCopies-${cls}`;
        td.textContent = text;
        if (title) {
          td.title = title;
        }
        tr.append(td);
        return td;
      };
      const label = directionLabel(c.direction, trans);
      cell(
        'line',
        c.line === null ? '' : String(c.line),
        c.line === null ? trans.__('not called from this cell') : trans.__('line %1 of the cell', c.line)
      );
      const origin = c.source === 'bridge' ? trans.__('reported by the bridge') : trans.__('Pyodide conversion');
      const what = cell('what', '', `${c.api}: ${label} (${origin})`);
      const api = document.createElement('span');
      api.className = 'jp-PortingLabCopies-api';
      api.textContent = c.api;
      const dir = document.createElement('span');
      dir.className = 'jp-PortingLabCopies-direction';
      dir.textContent = label;
      what.append(api, ' ', dir);
      cell(
        'bytes',
        (c.exact ? '' : '≈ ') + c.bytes.toLocaleString('en-US'),
        formatBytes(c.bytes) + (c.exact ? '' : ' ' + trans.__('(estimated)'))
      );
      cell('line', '');
      cell('meta', [c.dtype ?? '', c.shape ? c.shape.join('×') : ''].filter(x => x).join(' · '));
      cell('time', formatMs(c.seconds));
      table.append(tr);
    }
    group.append(table);
    return group;
  }

  private _model: CopiesModel | null = null;
  /** What to draw with the next update: nothing, everything, or these cells' groups. */
  private _dirty: false | true | Set<number> = true;
  private _trans: TranslationBundle;
  private _english: boolean;
  private _notebookName = '';
  private _onToggle: (on: boolean) => void;
  private _onOpenLesson: (code: IHint['code']) => void;
  private _switch: HTMLInputElement;
  private _filter: HTMLInputElement;
  private _sort: HTMLSelectElement;
  private _summary: HTMLDivElement;
  private _body: HTMLDivElement;
}
