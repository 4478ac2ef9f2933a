// The operating-system seam. The JS bindings (addon.cc, tun_device.cc,
// udp_socket.cc) call only what is declared here; each platform supplies its
// own implementation files, picked by binding.gyp (src/linux/*, src/windows/*).
//
// Conventions, so the bindings stay platform-neutral:
//  - every fallible call returns 0 or a positive POSIX-style errno value
//    (EAGAIN means "nothing more right now", not a failure);
//  - nothing here throws, logs or touches JS.
#ifndef SLIPSTREAM_PLATFORM_H_
#define SLIPSTREAM_PLATFORM_H_

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace slipstream {

#ifdef _WIN32
// Wintun session / SOCKET values fit in a pointer-sized integer.
using NativeHandle = intptr_t;
#else
using NativeHandle = int;
#endif
constexpr NativeHandle kInvalidHandle = -1;

// One batch: at most this many packets, each in its own fixed-size slot of the
// arena (slot i starts at i * kSlotSize). 65535 covers any IP packet on a TUN
// and any UDP payload.
constexpr size_t kBatchCapacity = 128;
constexpr size_t kSlotSize = 65535;
constexpr size_t kArenaSize = kBatchCapacity * kSlotSize;
// Datagrams per GSO sendmsg: the UDP_MAX_SEGMENTS of every kernel with
// UDP_SEGMENT (newer ones accept 128; 64 works everywhere).
constexpr size_t kMaxGsoSegments = 64;
// A datagram batch has an entry per datagram, several per received buffer
// when GRO coalesced them. GRO on a device stops at 64 per buffer, so 64 per
// buffer is the size of the descriptor arrays; a buffer with more (a 128-
// segment GSO packet handed over whole by loopback or a veth) is described
// over several batches.
constexpr size_t kDatagramEntries = kBatchCapacity * 64;

// Packets described per TUN batch: a read with offloads may bring a TSO
// super-packet that becomes dozens of packets, so entries outnumber reads.
constexpr size_t kTunEntries = kDatagramEntries;

// Interface names are at most 15 bytes (IFNAMSIZ - 1 on Linux).
constexpr size_t kMaxInterfaceName = 15;

struct IpAddress {
  uint8_t family = 0;  // 4 or 6
  uint8_t bytes[16] = {};
};

// ---- readiness -------------------------------------------------------------

// Initialise a libuv poll handle for a handle returned by TunOpen/UdpOpen.
int PollInit(uv_loop_t* loop, uv_poll_t* poll, NativeHandle handle);

// ---- TUN -------------------------------------------------------------------

// What a TUN device was opened with (Linux: IFF_VNET_HDR + TUNSETOFFLOAD).
struct TunOffloads {
  bool vnet_header = false;  // every read and write carries a virtio_net_hdr
  bool tso = false;          // TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 accepted
  bool uso = false;          // TUN_F_USO4 | TUN_F_USO6 accepted as well (Linux >= 6.2)
};

struct TunInfo {
  NativeHandle handle = kInvalidHandle;
  std::string name;
  uint32_t ifindex = 0;
  TunOffloads offloads;
};

// Create a non-persistent layer-3 TUN device without packet-info header,
// non-blocking. An empty name lets the kernel choose. With want_offloads the
// device gets a virtio_net_hdr on every packet and whichever checksum and
// segmentation offloads the kernel accepts (out->offloads says which).
int TunOpen(const std::string& requested_name, bool want_offloads, TunInfo* out);
void TunClose(NativeHandle handle);

// Readiness of a TUN handle libuv cannot poll (Windows: a Wintun session,
// watched by a reader thread that wakes the loop). `ready(arg)` then runs on
// the loop thread whenever packets may be waiting; TunClose stops it. Returns
// ENOTSUP where the handle is polled with PollInit instead (Linux).
int TunNotifyStart(uv_loop_t* loop, NativeHandle handle, void (*ready)(void*), void* arg);
// The reader stopped with packets possibly left (its batch budget ran out):
// wake it again. A no-op where readiness is level-triggered (Linux epoll).
void TunNotifyAgain(NativeHandle handle);
struct TunCounters;
struct DatagramSlots;

// Packet I/O on one TUN device: plain reads/writes, or with offloads the
// splitting of super-packets on reads and coalescing on writes.
class TunIo {
 public:
  // nullptr where the platform has no TUN I/O.
  static std::unique_ptr<TunIo> Create(const TunOffloads& offloads);
  virtual ~TunIo() = default;
  // Read packets until at least kBatchCapacity are described or the queue is
  // drained (then EAGAIN): packet i at arena + offsets[i], lengths[i] bytes,
  // at most kTunEntries. *count is set even when an error stops the batch.
  virtual int ReadBatch(NativeHandle handle, const DatagramSlots& slots, size_t* count,
                        TunCounters* counters) = 0;
  // Write one plain IP packet. 0 or an errno.
  virtual int Write(NativeHandle handle, const uint8_t* packet, size_t length,
                    TunCounters* counters) = 0;
  // Write `count` packets (packet i: data + offsets[i], lengths[i] bytes,
  // ranges already checked), coalescing where allowed. Returns how many of
  // the packets reached the kernel.
  virtual size_t WriteBatch(NativeHandle handle, const uint8_t* data, const uint32_t* offsets,
                            const uint32_t* lengths, size_t count, TunCounters* counters) = 0;
  // Whether writes still coalesce (false once the kernel refused a super-packet).
  virtual bool coalescing() const = 0;
};

// Cumulative counters of one TUN device or UDP socket set, for benchmarks and
// logs: syscalls are counted where they are made, so they can be checked
// against strace.
struct TunCounters {
  uint64_t read_syscalls = 0;
  uint64_t packets_read = 0;
  uint64_t write_syscalls = 0;
  uint64_t packets_written = 0;
  uint64_t write_errors = 0;
  // Offloads: TSO/USO super-packets read and split, packets with a partial
  // checksum completed, reads dropped as malformed; super-packets written
  // and the packets they carried; 1 once the kernel refused a super-packet.
  uint64_t super_packets_read = 0;
  uint64_t checksums_completed = 0;
  uint64_t read_drops = 0;
  uint64_t super_packets_written = 0;
  uint64_t packets_coalesced = 0;
  uint64_t coalescing_disabled = 0;
};

struct UdpCounters {
  uint64_t send_syscalls = 0;
  uint64_t datagrams_sent = 0;
  uint64_t gso_sends = 0;
  uint64_t segments_sent = 0;
  uint64_t recv_syscalls = 0;
  uint64_t datagrams_received = 0;
  uint64_t gro_coalesced = 0;
  uint64_t gso_fallbacks = 0;
  uint64_t send_errors = 0;
};

// ---- UDP -------------------------------------------------------------------

struct UdpInfo {
  NativeHandle v4 = kInvalidHandle;
  NativeHandle v6 = kInvalidHandle;  // kInvalidHandle when IPv6 is unavailable
  uint16_t port = 0;
};

// An IPv4 and (when the kernel has IPv6) an IPv6-only socket on the same port,
// non-blocking. fwmark 0 = no mark.
int UdpOpen(uint16_t port, uint32_t fwmark, UdpInfo* out);
// Send one datagram: 4-byte addresses (and IPv4-mapped IPv6 ones) go out on
// the IPv4 socket, other 16-byte addresses on the IPv6 socket.
int UdpSend(const UdpInfo& sockets, const uint8_t* data, size_t length, const IpAddress& to,
            uint16_t port);
void UdpClose(NativeHandle handle);

// Whether the kernel offers UDP GSO (UDP_SEGMENT) and GRO (UDP_GRO) on these
// sockets; GRO is switched on here when available.
struct UdpOffloads {
  bool gso = false;
  bool gro = false;
};
UdpOffloads UdpEnableOffloads(const UdpInfo& sockets);

// Switch UDP GRO on or off on both sockets (the IPv6 one when present).
int UdpSetGro(const UdpInfo& sockets, bool enabled);

// Windows: send through interface `ifindex` whatever the routes say
// (IP_UNICAST_IF / IPV6_UNICAST_IF), so encrypted packets stay off the tunnel
// without a fwmark; 0 lets the routes decide again. Implemented in
// udp_socket_windows.cc only (Linux uses SO_MARK and policy routing).
int UdpSetUnicastInterface(const UdpInfo& sockets, uint32_t ifindex);

// Send the datagrams laid out back to back in data[0, length), each
// segment_size bytes but the last, to one destination. While *gso is true,
// with one sendmsg + UDP_SEGMENT per at most kMaxGsoSegments datagrams and one
// IP datagram's worth of payload (65507 bytes over IPv4, 65527 over IPv6); if
// the kernel refuses GSO, *gso becomes false (counted in gso_fallbacks) and
// the rest goes out with sendmmsg, as it does whenever *gso is false. A
// segment_size no datagram of that family can carry is EMSGSIZE, not a
// refusal.
int UdpSendSegments(const UdpInfo& sockets, const uint8_t* data, size_t length,
                    size_t segment_size, const IpAddress& to, uint16_t port, bool* gso,
                    UdpCounters* counters);

// One datagram of a UdpSendMany batch, each with its own destination.
struct OutgoingDatagram {
  const uint8_t* data = nullptr;
  size_t length = 0;
  IpAddress to;
  uint16_t port = 0;
};

// Send `count` datagrams with sendmmsg: one call per run of consecutive
// datagrams that leave through the same socket (IPv4 or IPv6), at most
// kBatchCapacity per call. A datagram the kernel refuses is dropped (one
// send_errors each) and the rest still go; a full socket buffer (EAGAIN)
// drops the rest of the batch and makes the result EAGAIN. *sent is how many
// the kernel accepted; the result is otherwise 0 or the first error seen.
int UdpSendMany(const UdpInfo& sockets, const OutgoingDatagram* datagrams, size_t count,
                size_t* sent, UdpCounters* counters);

// Where a batched receive puts its results. Buffers: kBatchCapacity slots of
// kSlotSize in the arena. Entries (offsets, lengths, ports, families, addrs
// with 16 bytes each, IPv4 in the first 4): up to kDatagramEntries, one per
// datagram even when GRO coalesced several into one buffer.
struct DatagramSlots {
  uint8_t* arena = nullptr;
  uint32_t* offsets = nullptr;
  uint32_t* lengths = nullptr;
  uint16_t* ports = nullptr;
  uint8_t* families = nullptr;
  uint8_t* addrs = nullptr;
};

// Per-socket-set scratch state for batched receive (e.g. recvmmsg headers),
// allocated once so the receive path does not allocate.
class DatagramReceiver {
 public:
  static std::unique_ptr<DatagramReceiver> Create(const DatagramSlots& slots);
  virtual ~DatagramReceiver() = default;
  // Receive up to `max` buffers from one socket (one recvmmsg) into the arena
  // slots; *buffers is always set. Returns EAGAIN once the queue is drained.
  virtual int Receive(NativeHandle handle, size_t max, size_t* buffers, UdpCounters* counters) = 0;
  // Write entries for the datagrams of the last Receive, from where the
  // previous call stopped, at most kDatagramEntries: one per datagram, a
  // buffer GRO coalesced split at its segment size. Returns how many were
  // written, 0 once every datagram has been described.
  virtual size_t NextEntries(UdpCounters* counters) = 0;
};

// ---- network configuration ---------------------------------------------------

struct RouteConfig {
  uint32_t ifindex = 0;
  IpAddress dst;
  uint8_t prefix_length = 0;
  uint32_t table = 254;  // main
  bool has_metric = false;
  uint32_t metric = 0;
};

struct RuleConfig {
  uint8_t family = 4;
  bool has_priority = false;
  uint32_t priority = 0;
  uint32_t table = 0;
  bool has_fwmark = false;
  uint32_t fwmark = 0;
  bool invert = false;
  bool has_suppress_prefix_length = false;
  uint32_t suppress_prefix_length = 0;
};

int LinkSetMtu(uint32_t ifindex, uint32_t mtu);
int LinkSetUp(uint32_t ifindex, bool up);
int LinkDelete(const std::string& name);
// 0 when there is no such interface.
uint32_t LinkIndex(const std::string& name);
int AddressAdd(uint32_t ifindex, const IpAddress& address, uint8_t prefix_length);
int RouteAdd(const RouteConfig& route);
int RouteDelete(const RouteConfig& route);
int RuleAdd(const RuleConfig& rule);
int RuleDelete(const RuleConfig& rule);

// ---- errors ----------------------------------------------------------------

// The symbolic name ("EEXIST") and human text ("File exists") of an error
// value returned by the functions above.
std::string ErrorCode(int err);
std::string ErrorMessage(int err);

}  // namespace slipstream

#endif  // SLIPSTREAM_PLATFORM_H_
