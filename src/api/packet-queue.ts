/** A FIFO of received packets, unbounded as Godot's is, with O(1) push and shift. */
export class PacketQueue {
  private items: Array<{ data: Uint8Array; isString: boolean } | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(data: Uint8Array, isString: boolean): void {
    this.items.push({ data, isString });
  }

  shift(): { data: Uint8Array; isString: boolean } | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
