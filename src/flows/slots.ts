/**
 * Columns by slot: typed arrays (or plain arrays, for strings) that grow by doubling, and slots
 * handed out and taken back through a free list.
 */

/** Grows every column of a store to n slots (copied; new slots zero or null). */
export function growColumns(cols: object, n: number): void {
  const c = cols as Record<string, unknown>;
  for (const k of Object.keys(c)) {
    const v = c[k];
    if (v instanceof Float64Array || v instanceof Int32Array || v instanceof Uint8Array) {
      const b = new (v.constructor as Float64ArrayConstructor)(n);
      b.set(v as Float64Array);
      c[k] = b;
    } else if (Array.isArray(v)) {
      // One allocation filled natively, not a push per slot.
      const b = new Array<unknown>(n).fill(null);
      for (let i = 0; i < v.length; i++) b[i] = v[i];
      c[k] = b;
    }
  }
}

/** Slots handed out and taken back (a free list), growing the columns by doubling. */
export abstract class Slots {
  cap = 0;
  // Private (#) fields are not the store's columns: growColumns does not see them.
  #used = 0;
  #free: number[] = [];

  alloc(): number {
    const s = this.#free.pop();
    if (s !== undefined) return s;
    if (this.#used === this.cap) {
      this.cap = Math.max(1024, this.cap * 2);
      growColumns(this, this.cap);
    }
    return this.#used++;
  }

  release(s: number): void {
    this.#free.push(s);
  }
}
