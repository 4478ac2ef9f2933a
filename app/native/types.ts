/**
 * The contract between TypeScript and the native packet-I/O addon (`native/`).
 *
 * The addon owns file descriptors and syscalls only; every protocol decision
 * lives in TypeScript. Packets cross the boundary in batches: one JS call per
 * wake-up, never one per packet, so the design already fits the batched/GSO
 * data path.
 *
 * Errors thrown by the addon are `Error`s whose message is
 * "<operation>: <strerror text>" and which carry `code` (e.g. 'EEXIST') and
 * `errno` (the positive errno number), like Node's own system errors.
 */

/** Address as raw bytes: 4 bytes for IPv4, 16 bytes for IPv6. */
export type IpBytes = Uint8Array;

/**
 * A batch handed to JS. `data` is a buffer owned by the addon and reused after
 * the callback returns: copy anything that must outlive the callback.
 * Packet i occupies data[offsets[i] .. offsets[i] + lengths[i]).
 */
export interface PacketBatch {
  readonly data: Buffer;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  readonly count: number;
}

/**
 * A batch of received UDP datagrams. In addition to the packet layout,
 * `ports[i]` is the sender's UDP port, `families[i]` is 4 or 6, and the
 * sender's address is addrs[i*16 .. i*16+16) (IPv4: first 4 bytes).
 */
export interface DatagramBatch extends PacketBatch {
  readonly ports: Uint16Array;
  readonly families: Uint8Array;
  readonly addrs: Uint8Array;
}

export interface TunDevice {
  /** Kernel interface name (as chosen by the kernel when none was requested). */
  readonly name: string;
  readonly ifindex: number;
  /** Start delivering batches of IP packets read from the device. */
  start(onPackets: (batch: PacketBatch) => void): void;
  /** Write one IP packet. Returns 0 or a positive errno (packet dropped; never throws for I/O). */
  write(packet: Uint8Array): number;
  /**
   * Write `count` packets, packet i at data[offsets[i] .. offsets[i] + lengths[i]),
   * in one call across the JS/native boundary. Returns how many were written;
   * failures are counted in stats(), never thrown.
   */
  writeBatch(data: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number;
  /** Syscall and packet counters since open. */
  stats(): TunStats;
  /** What the device was opened with (Linux: IFF_VNET_HDR and the TUNSETOFFLOAD bits the kernel took). */
  readonly offloads: TunOffloads;
  /**
   * Whether writeBatch coalesces same-flow TCP/UDP packets into super-packets.
   * Turns false for good when the kernel refuses one (EINVAL): those packets
   * are then re-sent one by one and `stats().coalescingDisabled` is 1.
   */
  readonly coalescing: boolean;
  /** Stop reading, close the fd (the kernel removes the non-persistent device). Idempotent. */
  close(): void;
}

export interface UdpSocket {
  /** Local UDP port (the same for the IPv4 and IPv6 sockets). */
  readonly port: number;
  /** Whether an IPv6 socket could be opened (false when IPv6 is disabled in the kernel). */
  readonly ipv6: boolean;
  start(onDatagrams: (batch: DatagramBatch) => void): void;
  /** Send one datagram. Returns 0 or a positive errno (never throws for I/O). */
  send(data: Uint8Array, addr: IpBytes, port: number): number;
  /**
   * Send the datagrams laid out back to back in `data`, each `segmentSize` bytes
   * except the last (which may be shorter), to one destination: one sendmsg with
   * UDP_SEGMENT (GSO) while `gso` is true, else one sendmmsg. If the kernel
   * refuses GSO, the socket falls back for good (`gso` turns false,
   * `gsoFallbacks` counts it) and the same data is re-sent without it.
   * Returns 0 or a positive errno (never throws for I/O).
   */
  sendSegments(data: Uint8Array, segmentSize: number, addr: IpBytes, port: number): number;
  /**
   * Send `count` datagrams, each to its own destination, with sendmmsg (one
   * syscall per run of up to 64 datagrams leaving through the same socket).
   * Datagram i is data[offsets[i] .. offsets[i] + lengths[i]) to the address
   * in addrs[i*16 .. i*16+16) (IPv4: first 4 bytes) of family families[i]
   * (4 or 6), port ports[i]: the layout of a DatagramBatch. Returns how many
   * the kernel accepted; one it refuses is dropped and counted in
   * stats().sendErrors, and a full socket buffer drops the rest. A batch with
   * a bad range, family or port throws a RangeError before anything is sent.
   */
  sendMany(
    data: Uint8Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    count: number,
    addrs: Uint8Array,
    families: Uint8Array,
    ports: Uint16Array,
  ): number;
  /** Whether sends currently use UDP GSO. */
  readonly gso: boolean;
  /** Times the kernel refused GSO and the socket fell back (0 or 1). */
  readonly gsoFallbacks: number;
  /** Turn GSO off (e.g. `--no-gso`) or back on where the kernel allows it (not after a refusal). */
  setGso(enabled: boolean): void;
  /**
   * Whether the sockets receive with UDP GRO (on by default where the kernel
   * has it): the kernel may then hand over several datagrams of one sender in
   * one buffer, which the addon splits again, so batches still carry one
   * entry per datagram.
   */
  readonly gro: boolean;
  /** Turn GRO off (for comparison) or back on where the kernel has it. */
  setGro(enabled: boolean): void;
  /** Syscall and datagram counters since open. */
  stats(): UdpStats;
  close(): void;
}

export interface TunOffloads {
  /** Every read and write carries a virtio_net_hdr. */
  vnetHeader: boolean;
  /** The kernel hands over TCP super-packets (TSO) and partial checksums; the addon splits and completes them. */
  tso: boolean;
  /** The same for UDP (USO, Linux 6.2 and later); writes then coalesce UDP as well. */
  uso: boolean;
}

export interface TunOptions {
  /** Ask for checksum/segmentation offloads (Linux). Default true. */
  offloads?: boolean;
}

/** Counters of one TunDevice since open; syscalls counted where they are made (strace-comparable). */
export interface TunStats {
  /** read() calls: one per packet or super-packet, plus the one per wake-up that found the queue empty. */
  readSyscalls: number;
  /** Packets handed to JS (a split super-packet counts as its pieces). */
  packetsRead: number;
  writeSyscalls: number;
  /** Packets that reached the kernel (a super-packet counts as the packets it carried). */
  packetsWritten: number;
  writeErrors: number;
  /** TSO/USO super-packets read and split into packets. */
  superPacketsRead: number;
  /** Packets read with a partial checksum (NEEDS_CSUM) that the addon completed. */
  checksumsCompleted: number;
  /** Reads dropped as malformed (bad virtio header or packet). */
  readDrops: number;
  /** Super-packets written, and the packets coalesced into them. */
  superPacketsWritten: number;
  packetsCoalesced: number;
  /** 1 once the kernel refused a super-packet and coalescing was turned off. */
  coalescingDisabled: number;
}

/** One item of offloadCoalesce: what a TUN write hands to the kernel. */
export interface CoalescedPacket {
  /** The 10-byte virtio_net_hdr (all zero for a packet that goes alone). */
  header: Buffer;
  packet: Buffer;
  /** Indexes of the input packets it carries, in order. */
  members: number[];
}

/**
 * Counters of one UdpSocket (both families) since open. Syscalls are counted
 * where they are made, refused ones included, so they match `strace -c`.
 */
export interface UdpStats {
  /** sendto/sendmsg/sendmmsg calls made. */
  sendSyscalls: number;
  /** Datagrams the kernel accepted (each GSO segment counts as one). */
  datagramsSent: number;
  /** Successful sendmsg calls that carried UDP_SEGMENT, and the segments they carried. */
  gsoSends: number;
  segmentsSent: number;
  /** recvmmsg calls made (each takes up to 64 buffers; one per wake-up when fewer are queued). */
  recvSyscalls: number;
  /** Datagrams handed to JS, after splitting GRO buffers. */
  datagramsReceived: number;
  /** Received buffers the kernel had coalesced (GRO) from more than one datagram. */
  groCoalesced: number;
  /** Times the kernel refused GSO and the socket fell back (0 or 1). */
  gsoFallbacks: number;
  /** Failed sends: one per failed send() or sendSegments() call, one per datagram sendMany() dropped. */
  sendErrors: number;
}

export interface UdpOptions {
  /** 0 = any free port. */
  port: number;
  /** SO_MARK for policy routing (full-tunnel configs); 0 = none. */
  fwmark?: number;
}

export interface RouteSpec {
  ifindex: number;
  dst: IpBytes;
  prefixLength: number;
  /** Routing table id; main (254) when absent. */
  table?: number;
  metric?: number;
}

export interface RuleSpec {
  family: 4 | 6;
  /** Rule priority; the kernel picks when absent. */
  priority?: number;
  /** Lookup table id. */
  table: number;
  /** Match on fwmark (mask 0xffffffff). */
  fwmark?: number;
  /** With fwmark: match packets whose mark is NOT fwmark ("not fwmark X"). */
  invert?: boolean;
  /** FRA_SUPPRESS_PREFIXLEN ("suppress_prefixlength N"). */
  suppressPrefixLength?: number;
}

/** Whoever serves a named pipe, as the Windows addon's inspectPipeServer sees it. */
export interface PipeServerInfo {
  /** Process id of the server end (GetNamedPipeServerProcessId). */
  pid: number;
  /** Owner SID of the pipe object ("S-1-5-18"). */
  ownerSid: string;
  /** User SID of the serving process; null when this process may not read its token. */
  processSid: string | null;
  /** The pipe's owner and DACL as SDDL ("O:SYD:P(...)"); empty when unreadable. */
  sddl: string;
}

/** A Windows service as the Service Control Manager reports it. */
export interface ServiceStatus {
  state:
    | 'stopped'
    | 'start-pending'
    | 'stop-pending'
    | 'running'
    | 'continue-pending'
    | 'pause-pending'
    | 'paused'
    | 'unknown';
  /** The service's process id; 0 while it is not running. */
  pid: number;
}

export interface FastPathOptions {
  /** The tunnel MTU, for padding (paddedLength). */
  mtu: number;
  /** Send with UDP GSO (when the socket still may). */
  gso: boolean;
}

/** A keypair as the fast path receives it (keys are copied). */
export interface FastPathKeypair {
  localIndex: number;
  remoteIndex: number;
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  /** The next counter to send, as 32-bit halves. */
  counterHi: number;
  counterLo: number;
  /** How old the keypair is, ms (the two sides' clocks differ). */
  ageMs: number;
  /** The responder's keypair, not yet confirmed. */
  next: boolean;
}

/** One peer's activity since the last report (flags: FAST_PATH_* in app/tunnel/wireguard/constants.ts). */
export interface FastPathRecord {
  id: number;
  flags: number;
  nextIndex: number;
  /** With the endpoint-moved flag. */
  addr?: Uint8Array;
  port?: number;
}

/**
 * The addon's data path threads: TUN -> seal -> GSO send and GRO receive ->
 * open -> TUN, with no JavaScript per packet. Everything else is handed to
 * the callbacks: TUN packets for peers without a usable keypair, handshake
 * messages (as PacketBatch / DatagramBatch, like TunDevice/UdpSocket.start),
 * and per-peer activity.
 */
export interface FastPath {
  start(
    onTunPackets: (batch: PacketBatch) => void,
    onDatagrams: (batch: DatagramBatch) => void,
    onActivity: (records: FastPathRecord[]) => void,
  ): void;
  /** prefixes: 18 bytes each (family 4|6, prefix length, 16 address bytes); addr null = no endpoint. */
  setPeer(id: number, prefixes: Uint8Array, addr: IpBytes | null, port: number): void;
  removePeer(id: number): void;
  setKeypairs(id: number, send: FastPathKeypair | null, receiving: FastPathKeypair[]): void;
  /** 0, an errno, or -1 when the peer has no keypair that may send. */
  transmit(id: number, packet: Uint8Array, padded: number): number;
  /** [rxBytes, rxPackets, txBytes, txPackets], or null for an unknown peer. */
  peerCounters(id: number): [number, number, number, number] | null;
  drops(): Record<string, number>;
  stats(): { tun: TunStats; udp: UdpStats; gso: boolean };
  /** Joins the threads and closes its descriptors. Idempotent. */
  stop(): void;
}

export interface NativeAddon {
  /** Open (create) a TUN device, IFF_TUN | IFF_NO_PI, non-blocking. `name` empty = kernel chooses. */
  openTun(name: string, options?: TunOptions): TunDevice;
  openUdp(options: UdpOptions): UdpSocket;

  /** Netlink / ioctl configuration. All throw on failure. */
  linkSetMtu(ifindex: number, mtu: number): void;
  linkSetUp(ifindex: number, up: boolean): void;
  /** Delete a link by name (used to remove stale devices). */
  linkDelete(name: string): void;
  /** ifindex of a name, or 0 when no such interface. */
  linkIndex(name: string): number;
  addressAdd(ifindex: number, addr: IpBytes, prefixLength: number): void;
  routeAdd(route: RouteSpec): void;
  routeDelete(route: RouteSpec): void;
  ruleAdd(rule: RuleSpec): void;
  ruleDelete(rule: RuleSpec): void;

  /**
   * For i < count: copies ranges[3i+2] bytes from src[ranges[3i+1]] to dst[ranges[3i]]
   * (the data path's batched copies into and out of shared crypto lanes; see
   * native/src/copy_ranges.cc). Throws, copying nothing, if any range is out of bounds.
   */
  copyRanges(dst: Uint8Array, src: Uint8Array, ranges: Uint32Array, count: number): void;

  /**
   * The native data path (native/src/fastpath): Linux builds linked with
   * libsodium only; absent elsewhere (Windows, or a build without
   * libsodium-dev), where the TypeScript data path carries everything. Takes
   * its own duplicates of the device's and socket's descriptors, which must
   * not have been started. See app/tunnel/fast-path.ts.
   */
  openFastPath?(tun: TunDevice, udp: UdpSocket, options: FastPathOptions): FastPath;
  /**
   * Test-only: the fast path's transport seal (a whole message), open (the padded
   * plaintext, or null) and replay window (per counter: bit 0 accepted, bit 1 the
   * pre-check before it said it would be).
   */
  fastPathSeal?(
    key: Uint8Array,
    receiver: number,
    counterHi: number,
    counterLo: number,
    packet: Uint8Array,
    padded: number,
  ): Buffer;
  fastPathOpen?(key: Uint8Array, message: Uint8Array): Buffer | null;
  fastPathReplay?(hi: Uint32Array, lo: Uint32Array): Uint8Array;

  /** Lowercases A-Z in place in bytes[from, to) (the log viewer's search). */
  foldAscii(bytes: Uint8Array, from: number, to: number): void;
  /**
   * The lines among [first, end) whose bytes contain `pattern`, ascending, into
   * `out`; returns how many. `bytes` is the file from offset `base` on,
   * `starts[i]` the offset where line i starts (see native/src/text_search.cc).
   */
  findLines(
    bytes: Uint8Array,
    base: number,
    pattern: Uint8Array,
    starts: Float64Array,
    first: number,
    end: number,
    out: Int32Array,
  ): number;

  /**
   * Test-only: the Wintun ring logic (native/src/ring) driven against scripted
   * fakes, on every platform (always present in the addon; optional so test
   * doubles of NativeAddon need not provide it). The app never calls it.
   */
  ringTesting?: RingTesting;

  /**
   * Test hooks into the TUN offload code, on crafted packets. offloadSplit:
   * what a read of `packet` behind the virtio header `header` (10 bytes)
   * hands to JS; throws a RangeError for what the reader would drop.
   * offloadCoalesce: what writeBatch of `packets` hands to the kernel.
   */
  offloadSplit(header: Uint8Array, packet: Uint8Array): Buffer[];
  offloadCoalesce(packets: Uint8Array[], udp: boolean): CoalescedPacket[];

  /**
   * Windows only (absent elsewhere). These throw Errors whose message is
   * "<operation>: <system text>", with `code` the ERROR_* name where known
   * (else "WIN32_<n>") and `errno` the Win32 error number.
   */
  /**
   * Serves a named pipe whose every instance is created with `sddl` (which
   * must have a DACL), the first with FILE_FLAG_FIRST_PIPE_INSTANCE: throws
   * ERROR_ALREADY_EXISTS (or ERROR_ACCESS_DENIED, the flag) when the name exists. Each client arrives as
   * onEvent(null, fd, sid), a C runtime descriptor for new net.Socket({ fd })
   * and, with `identify`, the client's user SID as impersonation showed it
   * ("" when unknown: refuse); onEvent(error) once if serving stops on an
   * error. close() stops accepting (connections handed out stay open).
   * pipe_server.cc.
   */
  createPipeServer?(
    pipePath: string,
    sddl: string,
    onEvent: PipeServerEvent,
    options?: { identify?: boolean },
  ): { close(): void };
  /** Absolute path openTun loads wintun.dll from (set by loadAddon; see wintunDllPath). */
  setWintunPath?(dllPath: string): void;
  /**
   * Connects to a named pipe for reading only, at identification level (the
   * server cannot impersonate the caller), and reports who serves it.
   * ERROR_FILE_NOT_FOUND: nobody does.
   */
  inspectPipeServer?(pipePath: string): PipeServerInfo;
  /** This process's user SID. */
  currentUserSid?(): string;
  /**
   * The user SIDs of the machine's signed-in sessions (WTSEnumerateSessionsW and
   * WTSQueryUserToken: LocalSystem only). Throws rather than return part of the list.
   */
  signedInUserSids?(): string[];
  /** The service's state and process id, or null when no such service is installed. */
  queryService?(name: string): ServiceStatus | null;
  /**
   * Starts a service, passing `args` to its ServiceMain (after the service
   * name). False when it was already running.
   */
  startService?(name: string, args: string[]): boolean;

  /**
   * The service side (native/src/windows/service.cc). Starts the Service
   * Control Manager's dispatcher on a thread of its own; the service then
   * sits in START_PENDING and `onEvent('start', 0, args)` brings the start
   * arguments (those after the service name). Later events: 'stop' with the
   * SERVICE_CONTROL_* code, 'error' with a Win32 error (1063: this process
   * was not started by the SCM). Throws when called twice.
   */
  runService?(
    name: string,
    onEvent: (event: ServiceEvent, code: number, args: string[]) => void,
  ): void;
  /** START_PENDING to RUNNING: the helper's pipe listens. Throws when not starting. */
  reportServiceRunning?(): void;
  /** SERVICE_STOPPED; a non-zero code is reported as a service-specific error. Idempotent. */
  reportServiceStopped?(exitCode: number): void;
  /**
   * Creates the directory with the DACL of `sddl` (which should be protected),
   * or, when it exists, checks it is a plain directory owned by SYSTEM or
   * Administrators and gives it that DACL. Throws otherwise.
   */
  ensureSecureDirectory?(path: string, sddl: string): void;
}

/** What the Windows service dispatcher reports to JS (runService). */
/** createPipeServer's callback: a connected client's descriptor, or why serving stopped. */
export type PipeServerEvent = (error: Error | null, fd?: number, sid?: string) => void;

export type ServiceEvent = 'start' | 'stop' | 'session' | 'error';

/** See native/src/ring/test_ring.cc: each call runs one scripted scenario. */
export interface RingTesting {
  drain(options: {
    /** Lengths of the packets waiting in the ring (packet i is filled with byte i+1). */
    packets: number[];
    max?: number;
    slotSize?: number;
    /** What the ring reports once its packets are gone. */
    end?: 'empty' | 'closed' | 'error';
  }): {
    batches: { lengths: number[]; marks: number[]; intact: boolean; stop: string }[];
    received: number;
    oversize: number;
    unreleased: number;
    left: number;
  };
  send(options: {
    /** One send per entry: the ring refuses that many allocations first. */
    fullFor: number[];
    failure?: 'full' | 'closed' | 'error';
    spins?: number;
    yields?: number;
    length?: number;
  }): {
    statuses: string[];
    allocates: number;
    yields: number;
    sent: number;
    drops: number;
    waits: number;
    delivered: number;
    intact: boolean;
  };
  adapter(options: {
    create: ('ok' | 'exists' | 'notfound' | 'error')[];
    open: ('ok' | 'exists' | 'notfound' | 'error')[];
    maxRecreates?: number;
  }): {
    status: string;
    via: 'none' | 'created' | 'recreated' | 'reused';
    attempts: number;
    handle: number;
    calls: string[];
    live: number[];
  };
}
