#include "offload_bindings.h"

#include <string>
#include <vector>

#include "args.h"
#include "js_errors.h"
#include "offload/coalescer.h"
#include "offload/splitter.h"
#include "offload/virtio_header.h"

namespace slipstream {
namespace {

Napi::Buffer<uint8_t> Copy(Napi::Env env, const uint8_t* data, size_t length) {
  return Napi::Buffer<uint8_t>::Copy(env, data, length);
}

// offloadSplit(virtioHeader: 10 bytes, packet): Buffer[], what a TUN read of
// these bytes hands to JS. Throws a RangeError for a packet the reader drops.
Napi::Value OffloadSplit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint8_t* header_bytes = nullptr;
  size_t header_length = 0;
  const uint8_t* packet = nullptr;
  size_t length = 0;
  if (!ReadBytes(env, info[0], "offloadSplit: header", &header_bytes, &header_length) ||
      !ReadBytes(env, info[1], "offloadSplit: packet", &packet, &length)) {
    return env.Undefined();
  }
  if (header_length != offload::kVirtioHeaderSize) {
    ThrowRangeError(env, "offloadSplit: header must be 10 bytes");
    return env.Undefined();
  }
  const offload::VirtioHeader header = offload::DecodeVirtioHeader(header_bytes);
  Napi::Array result = Napi::Array::New(env);
  if (header.gso_type == offload::kGsoNone) {
    std::vector<uint8_t> copy(packet, packet + length);
    if ((header.flags & offload::kVirtioNeedsCsum) != 0 &&
        offload::CompleteChecksum(header, copy.data(), copy.size()) !=
            offload::SplitStatus::kOk) {
      ThrowRangeError(env, "offloadSplit: malformed packet");
      return env.Undefined();
    }
    result.Set(uint32_t{0}, Copy(env, copy.data(), copy.size()));
    return result;
  }
  std::vector<uint8_t> out(kSlotSize * 4);
  std::vector<uint32_t> lengths(kTunEntries);
  size_t count = 0;
  const auto status = offload::SplitGsoPacket(header, packet, length, out.data(), out.size(),
                                              lengths.data(), lengths.size(), &count);
  if (status != offload::SplitStatus::kOk) {
    ThrowRangeError(env, status == offload::SplitStatus::kNoRoom
                             ? "offloadSplit: too many pieces"
                             : "offloadSplit: malformed packet");
    return env.Undefined();
  }
  size_t at = 0;
  for (size_t i = 0; i < count; ++i) {
    result.Set(static_cast<uint32_t>(i), Copy(env, out.data() + at, lengths[i]));
    at += lengths[i];
  }
  return result;
}

// offloadCoalesce(packets: Uint8Array[], udp: boolean): { header, packet,
// members }[], what a TUN write of this batch hands to the kernel (header
// zeroed for packets that go alone).
Napi::Value OffloadCoalesce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) {
    ThrowTypeError(env, "offloadCoalesce: packets must be an array");
    return env.Undefined();
  }
  bool udp = false;
  if (!ReadBoolean(env, info[1], "offloadCoalesce: udp", &udp)) return env.Undefined();
  Napi::Array input = info[0].As<Napi::Array>();
  std::vector<offload::PacketView> views(input.Length());
  std::vector<Napi::Value> keep(input.Length());
  for (uint32_t i = 0; i < input.Length(); ++i) {
    keep[i] = input.Get(i);
    if (!ReadBytes(env, keep[i], "offloadCoalesce: packets[" + std::to_string(i) + "]",
                   &views[i].data, &views[i].length)) {
      return env.Undefined();
    }
  }
  offload::Coalescer coalescer;
  coalescer.Plan(views.data(), views.size(), true, udp);
  Napi::Array result = Napi::Array::New(env);
  std::vector<uint8_t> build(offload::kMaxIpPacket);
  for (size_t g = 0; g < coalescer.group_count(); ++g) {
    const offload::CoalesceGroup& group = coalescer.group(g);
    uint8_t header_bytes[offload::kVirtioHeaderSize] = {};
    Napi::Object item = Napi::Object::New(env);
    Napi::Array members = Napi::Array::New(env);
    uint32_t n = 0;
    for (int32_t m = static_cast<int32_t>(group.head); m >= 0; m = coalescer.next_member(m)) {
      members.Set(n++, Napi::Number::New(env, m));
    }
    if (group.count > 1) {
      offload::VirtioHeader header;
      coalescer.Build(g, views.data(), build.data(), &header);
      offload::EncodeVirtioHeader(header, header_bytes);
      item.Set("packet", Copy(env, build.data(), group.bytes));
    } else {
      item.Set("packet", Copy(env, views[group.head].data, views[group.head].length));
    }
    item.Set("header", Copy(env, header_bytes, sizeof header_bytes));
    item.Set("members", members);
    result.Set(static_cast<uint32_t>(g), item);
  }
  return result;
}

}  // namespace

void ExportOffloadForTests(Napi::Env env, Napi::Object exports) {
  exports.Set("offloadSplit", Napi::Function::New<OffloadSplit>(env, "offloadSplit"));
  exports.Set("offloadCoalesce", Napi::Function::New<OffloadCoalesce>(env, "offloadCoalesce"));
}

}  // namespace slipstream
