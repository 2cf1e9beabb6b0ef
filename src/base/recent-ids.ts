// Which ids of a feed were handled already, when items may come a little out of id order (two
// writes in flight at once, or the same item by two ways): a plain "highest id seen" would drop
// the late one, so the recent ids are remembered one by one, and only ids older than the
// remembered window count as seen.

export class RecentIds {
  private readonly recent = new Set<number>();

  /** `floor`: every id at or below it counts as seen; `window`: how many recent ids are kept. */
  constructor(private floor: number, private readonly window = 1000) {}

  /** Records the id; false when it was seen already. */
  add(id: number): boolean {
    if (id <= this.floor) return false;
    return this.addBelowFloorToo(id);
  }

  /**
   * Records the id even at or below the floor, for a caller that knows this old id may be new
   * (it lies where an item can commit late); false only when it is among the recent ids.
   */
  addBelowFloorToo(id: number): boolean {
    if (this.recent.has(id)) return false;
    this.recent.add(id);
    if (this.recent.size > this.window) {
      const oldest = this.recent.values().next().value!;
      this.recent.delete(oldest);
      this.floor = Math.max(this.floor, oldest);
    }
    return true;
  }
}
