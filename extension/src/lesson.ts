import { JupyterFrontEnd } from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { HINTS, HintCode, LESSON_NOTEBOOK } from './types';

/**
 * A hint's link: the teaching notebook that explains the cheaper way, scrolled to its section.
 *
 * In the lab the notebook opens in the main area. In the Notebook app (one document per browser
 * tab) it opens in a new tab whose URL names the section (`LESSON_PARAM`); the extension in that
 * tab scrolls there (`showLessonFromUrl`).
 */

/** The query parameter that carries a section's anchor to a new Notebook app tab. */
export const LESSON_PARAM = 'portinglab-lesson';

// read when the extension loads: before the app may rewrite its URL
const requested = new URLSearchParams(window.location.search).get(LESSON_PARAM);

export async function openLesson(
  app: JupyterFrontEnd,
  code: HintCode,
  zh: boolean,
  oneDocumentPerTab: boolean
): Promise<void> {
  const path = `${zh ? 'zh' : 'en'}/${LESSON_NOTEBOOK}`;
  const anchor = HINTS[code].lesson[zh ? 'zh' : 'en'];
  if (oneDocumentPerTab) {
    const url = new URL(window.location.href);
    url.search = '';
    url.hash = '';
    url.searchParams.set('path', path);
    url.searchParams.set(LESSON_PARAM, anchor);
    window.open(url.href, '_blank');
    return;
  }
  const widget = (await app.commands.execute('docmanager:open', {
    path,
    factory: 'Notebook'
  })) as NotebookPanel | undefined;
  if (widget?.content) {
    await showSection(widget, anchor);
  }
}

/** In a tab opened by `openLesson`: scroll its notebook to the section the URL names. */
export function showLessonFromUrl(tracker: INotebookTracker): void {
  const anchor = requested;
  if (!anchor) {
    return;
  }
  const show = (nb: NotebookPanel | null) => {
    if (nb && !nb.node.dataset.portinglabLesson) {
      nb.node.dataset.portinglabLesson = '';  // once
      void showSection(nb, anchor);
    }
  };
  if (tracker.currentWidget) {
    show(tracker.currentWidget);
  } else {
    const once = (_: INotebookTracker, nb: NotebookPanel) => {
      tracker.widgetAdded.disconnect(once);
      show(nb);
    };
    tracker.widgetAdded.connect(once);
  }
}

/** Scroll a notebook to the heading with this anchor; sets `data-portinglab-lesson` when done. */
export async function showSection(widget: NotebookPanel, anchor: string): Promise<void> {
  await widget.context.ready;
  widget.setFragment('#' + anchor);
  // the windowed notebook measures cells once drawn, which can move the heading out of
  // view after that scroll: bring it back while that settles, unless the participant
  // scrolls or clicks first
  const scroller = widget.content.node;
  let moved = false;
  const stop = () => (moved = true);
  for (const type of ['wheel', 'keydown', 'pointerdown', 'touchstart']) {
    scroller.addEventListener(type, stop, { once: true, passive: true });
  }
  for (let i = 0; i < 12 && !moved && !widget.isDisposed; i++) {
    await new Promise(r => setTimeout(r, 150));
    const heading = widget.node.querySelector(`[id="${CSS.escape(anchor)}"]`);
    const view = scroller.getBoundingClientRect();
    const box = heading?.getBoundingClientRect();
    if (heading && box && (box.top < view.top || box.bottom > view.bottom)) {
      heading.scrollIntoView({ block: 'start' });
    }
  }
  widget.node.dataset.portinglabLesson = anchor;
}
