/**
 * Capture points of a pcapng file that merges the captures of several nodes. mergecap keeps each
 * input's interface description blocks (IDBs) in one section, writing its own shb_userappl; `cat`
 * of pcapng files keeps each file as a section. So a new capture point starts with:
 *
 *   - every section (each is a file of its own);
 *   - an IDB that describes the same interface as an earlier one of its section (same link type,
 *     snap length, if_name, if_os): one system does not list one interface twice (mergecap -I none);
 *   - in a section written by mergecap, an IDB of another system (another if_os) than the earlier ones.
 *
 * What cannot be told apart: mergecap's default (-I all) folds identical IDBs into one, and a
 * classic pcap merge keeps no interface at all. `unsplitMerges` counts the mergecap sections
 * left whole, so the reader can say per-node files give better answers.
 */

export interface CapturePoint {
  /** 1-based section number. */
  section: number;
  /** Interface ids (within the section) that belong to it, and their names. */
  interfaces: { id: number; name: string | null }[];
  /** The if_os of its interfaces, when they give one. */
  os: string | null;
}

interface Described {
  desc: string;
  os: string;
  point: number;
}

export class PointSplitter {
  readonly points: CapturePoint[] = [];
  /** Sections written by mergecap that hold one capture point: merged, but not separable. */
  unsplitMerges = 0;
  private section = 0;
  private merged = false;
  private seen: Described[] = [];
  private ids = 0;

  /** A section header: shb_userappl says whether mergecap wrote it. */
  startSection(userappl: string | null): void {
    this.endSection();
    this.section++;
    this.merged = userappl !== null && /^mergecap\b/i.test(userappl);
    this.seen = [];
    this.ids = 0;
  }

  endSection(): void {
    if (this.merged && this.ids > 0 && new Set(this.seen.map((s) => s.point)).size === 1) this.unsplitMerges++;
    this.merged = false;
    this.ids = 0;
  }

  /** The next IDB of the section: the index of the capture point it belongs to. */
  iface(linkType: number, snaplen: number, name: string | null, os: string | null): number {
    const id = this.ids++;
    const desc = `${linkType}/${snaplen}/${name ?? ''}/${os ?? ''}`;
    const system = this.merged ? (os ?? '') : '';
    // The points of this section that could hold it: same system, not holding this interface yet.
    const taken = new Set(this.seen.filter((s) => s.desc === desc).map((s) => s.point));
    const open = this.seen.find((s) => s.os === system && !taken.has(s.point));
    let point: number;
    if (open) point = open.point;
    else {
      point = this.points.length;
      this.points.push({ section: this.section, interfaces: [], os });
    }
    this.points[point]!.interfaces.push({ id, name });
    this.seen.push({ desc, os: system, point });
    return point;
  }
}

/** "section 2: any, eth0 (Linux 6.1)" */
export function describePoint(p: CapturePoint, sections: number): string {
  const names = p.interfaces.map((i) => i.name ?? `interface ${i.id}`).join(', ');
  return `${sections > 1 ? `section ${p.section}: ` : ''}${names}${p.os ? ` (${p.os})` : ''}`;
}
