import { Cell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { CopiesModel } from './model';
import { PARITY_SIGNS, formatBytes, summary, untimedNote } from './types';

const BADGE = 'jp-PortingLabCopies-badge';

/**
 * Puts a badge (`3 copies · 24.9 MB · 7 ms`) on each executed cell of a notebook that copied
 * memory; clicking it calls `open` with the cell's execution count.
 */
export class BadgeManager {
  constructor(
    panel: NotebookPanel,
    model: CopiesModel,
    open: (executionCount: number) => void,
    trans: TranslationBundle
  ) {
    this._trans = trans;
    this._panel = panel;
    this._model = model;
    this._open = open;
    model.changed.connect(this.refresh, this);
    panel.content.model?.cells.changed.connect(this._onCellsChanged, this);
  }

  /** Re-draw the badges from the model: the cells with this execution count, or all (null). */
  refresh(_sender?: unknown, executionCount: number | null = null): void {
    for (const cell of this._panel.content.widgets) {
      if (
        executionCount === null ||
        (cell.model.type === 'code' && (cell.model as any).executionCount === executionCount)
      ) {
        this.refreshCell(cell);
      }
    }
  }

  refreshCell(cell: Cell): void {
    if (cell.model.type !== 'code') {
      return;
    }
    const count = (cell.model as any).executionCount as number | null;
    const report = this._model.enabled ? this._model.report(count) : undefined;
    const parity = this._model.parity(count);
    const host = (cell.node.querySelector('.jp-Cell-inputWrapper') as HTMLElement | null) ?? cell.node;
    let badge = host.querySelector(`:scope > .${BADGE}`) as HTMLElement | null;
    const copied = report && (report.totals.count || report.proxies.alive);
    if (!copied && !parity) {
      badge?.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement('button');
      badge.className = BADGE;
      badge.onclick = ev => {
        ev.stopPropagation();
        const n = Number(badge!.dataset.executionCount);
        this._open(n);
      };
      host.append(badge);
    }
    badge.dataset.executionCount = String(count);
    const trans = this._trans;
    const parts: string[] = [];
    const titles: string[] = [];
    if (report && copied) {
      badge.dataset.bytes = String(report.totals.bytes);
      badge.dataset.count = String(report.totals.count);
      parts.push(
        summary(report.totals, trans) +
          (report.proxies.alive
            ? ' · ' + trans._n('%1 proxy alive', '%1 proxies alive', report.proxies.alive)
            : '')
      );
      titles.push(
        trans.__(
          '%1 bytes copied (%2); open the Memory copies panel',
          report.totals.bytes.toLocaleString('en-US'),
          formatBytes(report.totals.bytes)
        ),
        untimedNote(report.totals, trans)
      );
    } else {
      delete badge.dataset.bytes;
      delete badge.dataset.count;
    }
    if (parity) {
      // the verdict against the notebook's parity reference (CPython's run: docs/parity.md)
      badge.dataset.parity = parity.status;
      parts.push(trans.__('CPython %1', PARITY_SIGNS[parity.status]));
      titles.push(trans.__('Parity with CPython: %1', parity.status) + (parity.detail ? `\n${parity.detail}` : ''));
    } else {
      delete badge.dataset.parity;
    }
    badge.textContent = parts.join(' · ');
    badge.title = titles.filter(Boolean).join('\n');
  }

  dispose(): void {
    this._model.changed.disconnect(this.refresh, this);
    this._panel.content.model?.cells.changed.disconnect(this._onCellsChanged, this);
  }

  private _onCellsChanged(): void {
    this.refresh();
  }

  private _panel: NotebookPanel;
  private _trans: TranslationBundle;
  private _model: CopiesModel;
  private _open: (executionCount: number) => void;
}
