/**
 * The flow table's clock: how long things wait, in seconds of capture time.
 * One place, so each unit's waits can be read against the others'.
 */
/** Housekeeping (settling, attributing errors, closing idle flows) runs once per this many seconds of capture time. */
export const TICK = 1;

/** A locally generated unreachable is tied to a flow whose packets failed to leave encapsulated within this many seconds (ARP gives up after 3 s). */
export const LOCAL_ERROR_WINDOW = 5;

/** A TCP connection closed by FIN both ways or a reset is closed this long after its last packet (late retransmissions, errors). */
export const TCP_END_LINGER = LOCAL_ERROR_WINDOW + TICK;

/** The shortest idle timeout: an error is attributed LOCAL_ERROR_WINDOW after it, while its flows are still open. */
export const MIN_IDLE_TIMEOUT = 2 * LOCAL_ERROR_WINDOW;

/** Sightings of one packet closer than this are the same packet seen at several hops (the kernel moves it in microseconds). */
export const SAME_PACKET_WINDOW = 0.05;
