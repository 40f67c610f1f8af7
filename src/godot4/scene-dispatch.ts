/**
 * SceneMultiplayer's tasks and timers under event dispatch, where nothing polls: a read after
 * `packets_available`, a status look after the peer's signals, a status watch while CONNECTING
 * (a client peer whose link fails then turns DISCONNECTED with no signal), and the first auth
 * deadline. Each at most once at a time; the timers are unref'd, so they never keep a process
 * alive. Under poll dispatch none of it runs: poll() does all of it.
 */
export class SceneDispatch {
  private receiveScheduled = false;
  private statusScheduled = false;
  private statusWatch: NodeJS.Timeout | null = null;
  private deadline: NodeJS.Timeout | null = null;

  constructor(
    readonly mode: 'poll' | 'events',
    private readonly tasks: { receive: () => void; status: () => void; expire: () => void },
  ) {}

  scheduleReceive(): void {
    if (this.mode !== 'events' || this.receiveScheduled) return;
    this.receiveScheduled = true;
    setImmediate(() => {
      this.receiveScheduled = false;
      this.tasks.receive();
    });
  }

  scheduleStatus(): void {
    if (this.mode !== 'events' || this.statusScheduled) return;
    this.statusScheduled = true;
    setImmediate(() => {
      this.statusScheduled = false;
      this.tasks.status();
    });
  }

  /** Looks at the status every 20 ms while `connecting`; stops once not. */
  watchConnecting(connecting: boolean): void {
    const watch = this.mode === 'events' && connecting;
    if (watch && this.statusWatch === null) {
      this.statusWatch = setInterval(this.tasks.status, 20);
      this.statusWatch.unref();
    } else if (!watch && this.statusWatch !== null) {
      clearInterval(this.statusWatch);
      this.statusWatch = null;
    }
  }

  /** Runs `expire` after `waitMs` (null: no pending peer, no timer). */
  armDeadline(waitMs: number | null): void {
    if (this.deadline !== null) clearTimeout(this.deadline);
    this.deadline = null;
    if (this.mode !== 'events' || waitMs === null) return;
    this.deadline = setTimeout(() => {
      this.deadline = null;
      this.tasks.expire();
    }, waitMs + 1);
    this.deadline.unref();
  }

  stop(): void {
    this.watchConnecting(false);
    this.armDeadline(null);
  }
}
