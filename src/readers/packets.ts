/**
 * Records into packets: the one place a captured record becomes the model's Packet. The fast path
 * (decoders/fast.ts) takes the common shapes; every other record goes through decodeFrame, the
 * reference decoder. Both give the same packet (test/fast.test.ts).
 */
import { FastDecoder } from '../decoders/fast.js';
import { type DecodeOptions, decodeFrame } from '../decoders/index.js';
import type { Packet } from '../model.js';

export class PacketMaker {
  private readonly fast: FastDecoder | null;

  /** fastPath false: every record through decodeFrame (for proving the two paths agree). */
  constructor(
    private readonly opts: DecodeOptions,
    fastPath = true,
  ) {
    this.fast = fastPath ? new FastDecoder(opts) : null;
  }

  /**
   * The packet of one record (numbered `no` in input `input`). A fast-path packet is reused by the
   * next call: hand it on (to FlowTable.add) before making another, and keep none of its objects.
   */
  packet(
    data: Uint8Array,
    linkType: number,
    ts: number | null,
    wireLen: number,
    ifindex: number | null,
    ifname: string | null,
    no: number,
    input: number,
  ): Packet {
    const f = this.fast?.decode(linkType, data, 0, data.length);
    if (f) {
      f.no = no;
      f.ts = ts;
      f.input = input;
      f.wireLen = wireLen;
      f.ifname = ifname;
      f.ifindex ??= ifindex;
      return f;
    }
    const d = decodeFrame(linkType, data, this.opts);
    return { no, ts, input, wireLen, ifname, ifindex: d.ifindex ?? ifindex, direction: d.direction, line: null, frame: d.frame };
  }
}
