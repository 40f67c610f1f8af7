/**
 * What Godot 3.2's `var2bytes` gives for a value whose bytes we hold, read straight off the bytes
 * (an independent walk of the Variant layout, not our decoder), so that the engine's bytes can be
 * compared byte for byte. The Godot 3.2 quirks allowed for (the first two found by H1; all three
 * confirmed by the oracle test):
 * - a NodePath name's padding is not written (`buf += pad`: the bytes are whatever the buffer held),
 *   so those positions are returned as `masked`, never compared;
 * - a null Object (instance id 0, or the full form's empty class name) comes back as NIL
 *   (`00000000`), at any depth;
 * - `echoed` only (bytes through Godot's decode_variant first): an absolute NodePath with no names
 *   and no subnames (Godot's `NodePath("/")`, which its encoder writes with flags 1) decodes as the
 *   empty path (`NodePath(Vector, Vector, bool)` returns early when both are empty), so it comes
 *   back with flags 0.
 */
const NIL = Uint8Array.of(0, 0, 0, 0);
const FLAG_64 = 1 << 16;
/** Bytes per element of the fixed-size types and pool arrays, by type id. */
const FIXED: Record<number, number> = { 1: 4, 5: 8, 6: 16, 7: 12, 8: 24, 9: 16, 10: 16, 11: 24, 12: 36, 13: 48, 14: 16 };
const POOL_ELEMENT: Record<number, number> = { 21: 4, 22: 4, 24: 8, 25: 12, 26: 16 };

export interface GodotView {
  /** The bytes Godot's var2bytes writes for this value (null Objects as NIL). */
  bytes: Uint8Array;
  /** Offsets in `bytes` Godot leaves unwritten (NodePath name padding). */
  masked: Set<number>;
}

class Walk {
  private at = 0;
  private readonly out: number[] = [];
  readonly masked = new Set<number>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly echoed: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  done(): GodotView {
    if (this.at !== this.bytes.length) throw new Error(`the walk ended at ${this.at} of ${this.bytes.length} bytes`);
    return { bytes: Uint8Array.from(this.out), masked: this.masked };
  }

  private u32(): number {
    if (this.at + 4 > this.bytes.length) throw new Error(`truncated at ${this.at}`);
    return this.view.getUint32(this.at, true);
  }

  private copy(count: number): void {
    if (count < 0 || this.at + count > this.bytes.length) throw new Error(`${count} bytes at ${this.at} run past the end (${this.bytes.length})`);
    for (let i = 0; i < count; i++) this.out.push(this.bytes[this.at + i]!);
    this.at += count;
  }

  /** A length-prefixed UTF-8 string padded to 4; `mask` marks the padding unwritten. */
  private string(mask = false): void {
    const length = this.u32();
    this.copy(4 + length);
    const pad = (4 - (length % 4)) % 4;
    if (mask) for (let i = 0; i < pad; i++) this.masked.add(this.out.length + i);
    this.copy(pad);
  }

  variant(depth = 0): void {
    if (depth > 64) throw new Error('nested too deep');
    const header = this.u32();
    const type = header & 0xff;
    if (type === 17 && this.isNullObject(header)) return;
    this.copy(4);
    if (type === 2 || type === 3) return this.copy(header & FLAG_64 ? 8 : 4);
    if (FIXED[type] !== undefined) return this.copy(FIXED[type]);
    if (POOL_ELEMENT[type] !== undefined) {
      const count = this.u32();
      return this.copy(4 + count * POOL_ELEMENT[type]);
    }
    switch (type) {
      case 0:
      case 16:
        return;
      case 4:
        return this.string();
      case 15: {
        const names = this.u32() & 0x7fffffff;
        this.copy(4);
        let subnames = this.u32();
        this.copy(4);
        const flags = this.u32();
        if (flags & 2) subnames++;
        this.copy(4);
        if (this.echoed && names + subnames === 0 && flags & 1) this.out[this.out.length - 4]! &= ~1;
        for (let i = 0; i < names + subnames; i++) this.string(true);
        return;
      }
      case 17: {
        if (header & FLAG_64) return this.copy(8);
        this.string();
        const count = this.u32();
        this.copy(4);
        for (let i = 0; i < count; i++) {
          this.string();
          this.variant(depth + 1);
        }
        return;
      }
      case 18:
      case 19: {
        const count = this.u32() & 0x7fffffff;
        this.copy(4);
        for (let i = 0; i < count * (type === 18 ? 2 : 1); i++) this.variant(depth + 1);
        return;
      }
      case 20: {
        const count = this.u32();
        this.copy(4 + count);
        return this.copy((4 - (count % 4)) % 4);
      }
      case 23: {
        const count = this.u32();
        this.copy(4);
        for (let i = 0; i < count; i++) this.string();
        return;
      }
      default:
        throw new Error(`type ${type} at ${this.at}`);
    }
  }

  /** Consumes a null Object (id 0, or an empty class name) and writes NIL in its place. */
  private isNullObject(header: number): boolean {
    const bodyAt = this.at + 4;
    const size = header & FLAG_64 ? 8 : 4;
    if (bodyAt + size > this.bytes.length) return false;
    for (let i = 0; i < size; i++) if (this.bytes[bodyAt + i] !== 0) return false;
    this.at = bodyAt + size;
    this.out.push(...NIL);
    return true;
  }
}

/**
 * Godot's bytes for the value `bytes` (ours) hold: as its `bytes2var` → `var2bytes` gives them back
 * (`echoed`), or as its `var2bytes` writes the value itself. Throws if they are not one whole Variant.
 */
export function godotView(bytes: Uint8Array, { echoed }: { echoed: boolean }): GodotView {
  const walk = new Walk(bytes, echoed);
  walk.variant();
  return walk.done();
}

/** Where `godot` differs from `expected`, ignoring masked offsets: '' when equal. */
export function differences(expected: GodotView, godot: Uint8Array): string {
  if (godot.length !== expected.bytes.length) return `length ${godot.length}, expected ${expected.bytes.length}`;
  const at: number[] = [];
  for (let i = 0; i < godot.length; i++) if (!expected.masked.has(i) && godot[i] !== expected.bytes[i]) at.push(i);
  return at.length === 0 ? '' : `bytes differ at offsets ${at.slice(0, 12).join(', ')}${at.length > 12 ? ', …' : ''}`;
}
