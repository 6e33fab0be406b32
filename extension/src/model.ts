import { ISignal, Signal } from '@lumino/signaling';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { ISessionContext } from '@jupyterlab/apputils';
import {
  COMM_TARGET,
  DEFAULT_ROWS,
  ICellJson,
  ICellReport,
  IParityVerdict,
  ISetEnabled,
  ISetParity,
  ISetRows,
  Message,
  COPIES_SCHEMA_ID,
  COPIES_SCHEMA_VERSION,
  TRACER_BOOTSTRAP
} from './types';

/** What the front end runs, silently, in each new Python kernel (the entry point: the protocol's). */
export function bootstrapCode(enabled: boolean, rows: number): string {
  const { module, function: fn } = TRACER_BOOTSTRAP;
  return (
    `import ${module} as _portinglab_tracer\n` +
    `_portinglab_tracer.${fn}(enabled=${enabled ? 'True' : 'False'}, rows=${Math.trunc(rows)})\n` +
    'del _portinglab_tracer'
  );
}

/** Messages kept in `messages` (a long session must not grow without bound). */
const MAX_MESSAGES = 500;

/**
 * The copies of one notebook's kernel: the per-cell reports it sent, keyed by execution count.
 */
export class CopiesModel {
  constructor(sessionContext: ISessionContext, enabled: boolean, rows: number = DEFAULT_ROWS) {
    this.sessionContext = sessionContext;
    this._enabled = enabled;
    this._rows = rows;
    sessionContext.kernelChanged.connect(this._onKernelChanged, this);
    sessionContext.statusChanged.connect(this._onStatus, this);
    if (sessionContext.session?.kernel) {
      this._attach(sessionContext.session.kernel);
    }
  }

  readonly sessionContext: ISessionContext;

  /**
   * Emitted when reports or state change: with the execution count of the one cell whose
   * report arrived, or null when anything else changed (views then redraw everything).
   */
  get changed(): ISignal<this, number | null> {
    return this._changed;
  }

  /** Emitted with each message received (tests and the schema check read these). */
  get received(): ISignal<this, Message> {
    return this._received;
  }

  get enabled(): boolean {
    return this._enabled;
  }

  /** Whether the kernel side answered (its comm is open). */
  get connected(): boolean {
    return this._comm !== null && !this._comm.isDisposed;
  }

  get reports(): ICellReport[] {
    return [...this._reports.values()].sort(
      (a, b) => (a.execution_count ?? 0) - (b.execution_count ?? 0)
    );
  }

  /** The last messages received from the kernel (at most MAX_MESSAGES), in order. */
  get messages(): Message[] {
    return this._messages;
  }

  report(executionCount: number | null | undefined): ICellReport | undefined {
    if (executionCount === null || executionCount === undefined) {
      return undefined;
    }
    return this._reports.get(executionCount);
  }

  totals(): { count: number; bytes: number; seconds: number; untimed: number; cells: number } {
    let count = 0;
    let bytes = 0;
    let seconds = 0;
    let untimed = 0;
    let cells = 0;
    for (const r of this._reports.values()) {
      if (r.totals.count) {
        cells++;
      }
      count += r.totals.count;
      bytes += r.totals.bytes;
      seconds += r.totals.seconds;
      untimed += r.totals.untimed ?? 0;
    }
    return { count, bytes, seconds, untimed, cells };
  }

  clear(): void {
    this._reports.clear();
    this._changed.emit(null);
  }

  setEnabled(on: boolean): void {
    if (on === this._enabled) {
      return;
    }
    this._enabled = on;
    if (!on) {
      this._reports.clear();
    }
    if (this._comm && !this._comm.isDisposed) {
      const msg: ISetEnabled = { type: 'set_enabled', enabled: on };
      this._comm.send(msg as any);
    }
    this._changed.emit(null);
  }

  /** Copies each cell lists one by one (the kernel's `tracer.set_rows`). */
  get rows(): number {
    return this._rows;
  }

  setRows(rows: number): void {
    if (rows === this._rows) {
      return;
    }
    this._rows = rows;
    if (this._comm && !this._comm.isDisposed) {
      const msg: ISetRows = { type: 'set_rows', rows };
      this._comm.send(msg as any);
      this._kernelRows = rows;
    }
  }

  /** The cell's parity verdict against the notebook's reference (NB.parity.json), if the kernel checks one. */
  parity(executionCount: number | null | undefined): IParityVerdict | undefined {
    return executionCount === null || executionCount === undefined ? undefined : this._parity.get(executionCount);
  }

  /** The reference the kernel checks cells against (a path in its file system), or null for none. */
  get parityReference(): string | null {
    return this._parityReference;
  }

  /** Have the kernel check each cell that runs against this reference (null: stop); sent now or on attach. */
  setParity(path: string | null): void {
    this._parityWanted = path;
    this._sendParity();
  }

  dispose(): void {
    Signal.clearData(this);
  }

  private _sendParity(): void {
    if (this._comm && !this._comm.isDisposed && this._parityWanted !== this._paritySent) {
      const msg: ISetParity = { type: 'set_parity', path: this._parityWanted };
      this._comm.send(msg as any);
      this._paritySent = this._parityWanted;
    }
  }

  /**
   * Send the silent tracer bootstrap to the current kernel unless it already got it.
   *
   * Synchronous on purpose: called when a kernel is attached and, through
   * `NotebookActions.executionScheduled`, right before each cell's execute request is sent.
   * The kernel connection sends (or queues, while the kernel starts or restarts) its
   * messages in order, so the bootstrap always reaches the kernel before any cell.
   */
  ensureBootstrap(): void {
    const kernel = this.sessionContext.session?.kernel;
    if (!kernel || kernel.isDisposed || kernel.status === 'dead' || this._bootstrapped === kernel) {
      return;
    }
    if (!this._isPython(kernel)) {
      return;
    }
    this._bootstrapped = kernel;
    // silent: no output, no prompt number (the kernel side gives back the count it used)
    const future = kernel.requestExecute({
      code: bootstrapCode(this._enabled, (this._kernelRows = this._rows)),
      silent: true,
      store_history: false,
      allow_stdin: false,
      stop_on_error: false
    });
    // lost (the connection dropped its queue) or failed: send it again on the kernel's next
    // idle or before its next cell, a few times at most (a kernel without the tracer fails always)
    const retry = (why: unknown) => {
      if (this._bootstrapped === kernel && this._retries < 3) {
        this._retries++;
        this._bootstrapped = null;
        console.warn('portinglab-copies: the tracer bootstrap did not run, will retry', why);
      }
    };
    future.done.then(
      reply => {
        if (reply?.content.status !== 'ok') {
          retry(reply?.content);
        }
      },
      retry
    );
  }

  /** The kernel's language from the (already loaded) kernel specs; its name otherwise. */
  private _isPython(kernel: Kernel.IKernelConnection): boolean {
    const spec = this.sessionContext.specsManager.specs?.kernelspecs[kernel.name];
    return spec ? spec.language === 'python' : kernel.name.startsWith('python');
  }

  private _onKernelChanged(): void {
    this._reports.clear();
    this._parity.clear();
    this._comm = null;
    const kernel = this.sessionContext.session?.kernel;
    if (kernel) {
      this._attach(kernel);
    }
    this._changed.emit(null);
  }

  private _onStatus(_: ISessionContext, status: Kernel.Status): void {
    if (status === 'restarting' || status === 'autorestarting') {
      // the connection drops its queued messages right after this signal: send the
      // bootstrap again once the new kernel is idle, or before its first cell, whichever
      // comes first (ensureBootstrap)
      this._reports.clear();
      this._parity.clear();
      this._comm = null;
      this._bootstrapped = null;
      this._changed.emit(null);
    } else if (status === 'idle') {
      this.ensureBootstrap();
    }
  }

  private _attach(kernel: Kernel.IKernelConnection): void {
    if (this._attached.has(kernel)) {
      return;
    }
    this._attached.add(kernel);
    kernel.registerCommTarget(COMM_TARGET, (comm, msg) => {
      this._comm = comm;
      // the setting may have changed since the bootstrap was sent (only then: a message makes
      // the kernel busy for a moment)
      if (this._rows !== this._kernelRows) {
        const rows: ISetRows = { type: 'set_rows', rows: this._rows };
        comm.send(rows as any);
        this._kernelRows = this._rows;
      }
      this._paritySent = null;  // a new kernel: it checks nothing yet
      this._sendParity();
      comm.onMsg = m => this._onMessage(m.content.data as any);
      comm.onClose = () => {
        if (this._comm === comm) {
          this._comm = null;
        }
      };
      this._onMessage(msg.content.data as any);
    });
    this.ensureBootstrap();
  }

  private _onMessage(received: Message | ICellJson | undefined): void {
    if (!received || received.schema !== COPIES_SCHEMA_ID || received.version !== COPIES_SCHEMA_VERSION) {
      return;
    }
    let data: Message;
    try {
      data = 'json' in received ? (JSON.parse(received.json) as Message) : received;
    } catch (e) {
      console.warn('portinglab-copies: a cell report that is not JSON', e);
      return;
    }
    this._messages.push(data);
    if (this._messages.length > MAX_MESSAGES) {
      this._messages.splice(0, this._messages.length - MAX_MESSAGES);
    }
    this._received.emit(data);
    if (data.type === 'state') {
      if (data.enabled !== this._enabled) {
        this._enabled = data.enabled;
      }
    } else if (data.type === 'parity') {
      if (data.execution_count !== null) {
        this._parity.set(data.execution_count, data);
        this._changed.emit(data.execution_count);
      }
      return;
    } else if (data.type === 'parity_state') {
      this._parityReference = data.path;
      if (data.error) {
        console.warn('portinglab-copies: the parity reference was not loaded:', data.error);
      }
    } else if (data.type === 'cell' && this._enabled) {
      if (data.execution_count !== null) {
        this._reports.set(data.execution_count, data);
        this._changed.emit(data.execution_count);
      }
      return;
    }
    this._changed.emit(null);
  }

  private _enabled: boolean;
  private _rows: number;
  /** The rows the kernel was told (in the bootstrap, or by `set_rows` since). */
  private _kernelRows: number | null = null;
  /** The kernel connection (since its last restart) that got the bootstrap. */
  private _bootstrapped: Kernel.IKernelConnection | null = null;
  private _retries = 0;
  private _comm: Kernel.IComm | null = null;
  private _attached = new WeakSet<Kernel.IKernelConnection>();
  private _reports = new Map<number, ICellReport>();
  private _parity = new Map<number, IParityVerdict>();
  private _parityWanted: string | null = null;
  private _paritySent: string | null = null;
  private _parityReference: string | null = null;
  private _messages: Message[] = [];
  private _changed = new Signal<this, number | null>(this);
  private _received = new Signal<this, Message>(this);
}

export type { KernelMessage };
