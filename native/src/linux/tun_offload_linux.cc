// Packet I/O on a TUN device: plain read()/write(), or, with IFF_VNET_HDR, a
// virtio_net_hdr in front of every packet. Reads then split TSO/USO
// super-packets and complete partial checksums (offload/splitter); writes
// coalesce a batch's same-flow packets into super-packets (offload/coalescer).
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "../offload/coalescer.h"
#include "../offload/splitter.h"
#include "../offload/virtio_header.h"
#include "../platform.h"

namespace slipstream {
namespace {

using offload::VirtioHeader;

// One read's worth of room: the largest IP packet. A read is only started
// with this much free at the end of the arena plus room for its pieces
// (header copies of a split super-packet; tiny gso_size is refused).
constexpr size_t kReadSize = 65536;
constexpr size_t kRoomPerRead = 8 * kReadSize;

int Errno() { return errno == EWOULDBLOCK ? EAGAIN : errno; }

class LinuxTunIo : public TunIo {
 public:
  explicit LinuxTunIo(const TunOffloads& offloads)
      : offloads_(offloads), coalescing_(offloads.vnet_header) {
    if (offloads_.vnet_header) build_.resize(kReadSize);
  }

  int ReadBatch(NativeHandle handle, const DatagramSlots& slots, size_t* count,
                TunCounters* counters) override {
    size_t n = 0;
    size_t used = 0;
    int result = 0;
    while (n < kBatchCapacity && kArenaSize - used >= kRoomPerRead) {
      uint8_t header_bytes[offload::kVirtioHeaderSize];
      uint8_t* at = slots.arena + used;
      ssize_t got;
      size_t header_size = 0;
      if (offloads_.vnet_header) {
        header_size = sizeof header_bytes;
        iovec iov[2] = {{header_bytes, sizeof header_bytes}, {at, kReadSize}};
        got = readv(handle, iov, 2);
      } else {
        got = read(handle, at, kReadSize);
      }
      ++counters->read_syscalls;
      if (got < 0) {
        if (errno == EINTR) continue;
        result = Errno();
        break;
      }
      // A TUN read never returns 0; should one, stop rather than spin on it.
      if (got == 0) {
        result = EAGAIN;
        break;
      }
      if (static_cast<size_t>(got) < header_size + 1 ||
          static_cast<size_t>(got) - header_size > offload::kMaxIpPacket) {
        ++counters->read_drops;
        continue;
      }
      const size_t length = static_cast<size_t>(got) - header_size;
      const VirtioHeader header =
          header_size > 0 ? offload::DecodeVirtioHeader(header_bytes) : VirtioHeader{};
      if (header.gso_type == offload::kGsoNone) {
        if ((header.flags & offload::kVirtioNeedsCsum) != 0) {
          if (offload::CompleteChecksum(header, at, length) != offload::SplitStatus::kOk) {
            ++counters->read_drops;
            continue;
          }
          ++counters->checksums_completed;
        }
        slots.offsets[n] = static_cast<uint32_t>(used);
        slots.lengths[n] = static_cast<uint32_t>(length);
        used += length;
        ++n;
        ++counters->packets_read;
        continue;
      }
      // The pieces go right behind the super-packet (no copy of it); its
      // bytes are left unused in the arena.
      const size_t pieces_at = used + length;
      size_t pieces = 0;
      const auto status = offload::SplitGsoPacket(
          header, at, length, slots.arena + pieces_at, kArenaSize - pieces_at, slots.lengths + n,
          kTunEntries - n, &pieces);
      if (status != offload::SplitStatus::kOk) {
        ++counters->read_drops;
        continue;
      }
      size_t offset = pieces_at;
      for (size_t i = 0; i < pieces; ++i) {
        slots.offsets[n + i] = static_cast<uint32_t>(offset);
        offset += slots.lengths[n + i];
      }
      used = offset;
      n += pieces;
      counters->packets_read += pieces;
      ++counters->super_packets_read;
    }
    *count = n;
    return result;
  }

  int Write(NativeHandle handle, const uint8_t* packet, size_t length,
            TunCounters* counters) override {
    const int err = WritePlain(handle, packet, length, counters);
    if (err == 0) {
      ++counters->packets_written;
    } else {
      ++counters->write_errors;
    }
    return err;
  }

  size_t WriteBatch(NativeHandle handle, const uint8_t* data, const uint32_t* offsets,
                    const uint32_t* lengths, size_t count, TunCounters* counters) override {
    size_t written = 0;
    if (!coalescing_ || count < 2) {
      for (size_t i = 0; i < count; ++i) {
        written += Write(handle, data + offsets[i], lengths[i], counters) == 0 ? 1 : 0;
      }
      return written;
    }
    views_.resize(count);
    for (size_t i = 0; i < count; ++i) views_[i] = {data + offsets[i], lengths[i]};
    coalescer_.Plan(views_.data(), count, true, offloads_.uso);
    for (size_t g = 0; g < coalescer_.group_count(); ++g) {
      const offload::CoalesceGroup& group = coalescer_.group(g);
      if (group.count > 1 && coalescing_) {
        VirtioHeader header;
        coalescer_.Build(g, views_.data(), build_.data(), &header);
        uint8_t header_bytes[offload::kVirtioHeaderSize];
        offload::EncodeVirtioHeader(header, header_bytes);
        const int err = WriteWithHeader(handle, header_bytes, build_.data(), group.bytes,
                                        counters);
        if (err == 0) {
          written += group.count;
          counters->packets_written += group.count;
          counters->packets_coalesced += group.count;
          ++counters->super_packets_written;
          continue;
        }
        if (err != EINVAL) {
          counters->write_errors += group.count;
          continue;
        }
        // The kernel does not take our super-packets: stop building them
        // for this device and send these packets as they came.
        coalescing_ = false;
        counters->coalescing_disabled = 1;
      }
      for (int32_t m = static_cast<int32_t>(group.head); m >= 0; m = coalescer_.next_member(m)) {
        written += Write(handle, views_[m].data, views_[m].length, counters) == 0 ? 1 : 0;
      }
    }
    return written;
  }

  bool coalescing() const override { return coalescing_; }

 private:
  int WritePlain(NativeHandle handle, const uint8_t* packet, size_t length,
                 TunCounters* counters) {
    if (!offloads_.vnet_header) {
      for (;;) {
        ++counters->write_syscalls;
        if (write(handle, packet, length) >= 0) return 0;
        if (errno != EINTR) return Errno();
      }
    }
    static const uint8_t kPlainHeader[offload::kVirtioHeaderSize] = {};
    return WriteWithHeader(handle, kPlainHeader, packet, length, counters);
  }

  static int WriteWithHeader(NativeHandle handle, const uint8_t* header, const uint8_t* packet,
                             size_t length, TunCounters* counters) {
    iovec iov[2] = {{const_cast<uint8_t*>(header), offload::kVirtioHeaderSize},
                    {const_cast<uint8_t*>(packet), length}};
    for (;;) {
      ++counters->write_syscalls;
      if (writev(handle, iov, 2) >= 0) return 0;
      if (errno != EINTR) return Errno();
    }
  }

  TunOffloads offloads_;
  bool coalescing_;
  offload::Coalescer coalescer_;
  std::vector<offload::PacketView> views_;
  std::vector<uint8_t> build_;
};

}  // namespace

std::unique_ptr<TunIo> TunIo::Create(const TunOffloads& offloads) {
  return std::make_unique<LinuxTunIo>(offloads);
}

}  // namespace slipstream
