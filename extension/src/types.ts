import { TranslationBundle } from '@jupyterlab/translation';

import { ICellReport, IHint, IParityState, IParityVerdict, IStateMessage, DIRECTION_LABELS, HINTS } from './protocol';

/**
 * The messages of the copies inspector's comm and their constants come from the one definition of
 * the protocol (kernel/src/portinglab_kernel/tracer/report.schema.json), generated into ./protocol.ts
 * by `./portlab contracts`; here: what the lab does with them.
 */
export * from './protocol';

/** The extension's translation domain (`translator.load(DOMAIN)`; locale files in portinglab_copies/locale). */
export const DOMAIN = 'portinglab_copies';

export type Direction = keyof typeof DIRECTION_LABELS;
export type HintCode = IHint['code'];
export type Message = ICellReport | IStateMessage | IParityVerdict | IParityState;

/** Words for a direction, as shown in the panel (in the lab's language). */
export function directionLabel(direction: string, trans: TranslationBundle): string {
  const label = (DIRECTION_LABELS as Record<string, string>)[direction];
  return label === undefined ? direction : trans.__(label);
}

/**
 * A hint's text in the lab's language: its code's template (the English msgid of the protocol)
 * translated, with the hint's parameters. The kernel's English text is kept for a code or
 * parameters this version does not know.
 */
export function hintMessage(hint: IHint, trans: TranslationBundle, english: boolean): string {
  const spec = HINTS[hint.code];
  if (english || !spec || !spec.params.every(name => hint.params?.[name] !== undefined)) {
    return hint.message;
  }
  return trans.__(spec.template, ...spec.params.map(name => hint.params[name]));
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
