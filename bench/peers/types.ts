/** One connected pair of a stack under test, seen the way a benchmark drives it. */
export interface ConnectedPair {
  /** From the offer (create_offer(), createOffer(), setLocalDescription('offer')) to both channels open, in ms. */
  readonly setupMs: number;
  /** Sends one binary message from A to B. */
  send(data: Uint8Array): void;
  /** A's channel buffered amount, in bytes. */
  buffered(): number;
  /** Reads every message B has received since the last call; gives their total size in bytes. */
  drain(): number;
  /** What a poll-driven program does once per turn (this library: poll() both connections). */
  poll(): void;
  close(): Promise<void>;
}

export interface PairOptions {
  timeoutMs: number;
}

/** A stack that makes fresh connected pairs over 127.0.0.1, each with a negotiated, reliable, ordered channel (id 1). */
export interface StackUnderTest {
  readonly name: string;
  /** The connected pair, or null when both channels were not open within the timeout. */
  connect(options: PairOptions): Promise<ConnectedPair | null>;
}
