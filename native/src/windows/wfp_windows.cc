// The kill switch (issue 8) on Windows: persistent WFP filters in Slipstream's
// own provider and sublayer. Permitted: the tunnel interface, the tunnel's
// UDP to its endpoints, loopback, DHCP (v4 and v6), optionally the LAN;
// everything else at the ALE connect/accept layers is blocked. Filters are
// persistent so a crashed helper still fails closed; the journal's
// 'killswitch' entry makes the next start (or teardown) remove them. Filter
// keys are derived from one base GUID and an index, so removal needs no
// enumeration and works after a crash.
#include "winnet.h"

#include <fwpmu.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include <vector>

namespace slipstream {
namespace {

// mingw-w64's fwpmu.h lacks the well-known layer/condition GUIDs and the
// persistence flags; their documented values, in one place.
constexpr GUID kLayerConnectV4 = {0xc38d57d1, 0x05a7, 0x4c33, {0x90, 0x4f, 0x7f, 0xbc, 0xee, 0xe6, 0x0e, 0x82}};
constexpr GUID kLayerConnectV6 = {0x4a72393b, 0x319f, 0x44bc, {0x84, 0xc3, 0xba, 0x54, 0xdc, 0xb3, 0xb6, 0xb4}};
constexpr GUID kLayerAcceptV4 = {0xe1cd9fe7, 0xf4b5, 0x4273, {0x96, 0xc0, 0x59, 0x2e, 0x48, 0x7b, 0x86, 0x50}};
constexpr GUID kLayerAcceptV6 = {0xa3b42c97, 0x9f04, 0x4672, {0xb8, 0x7e, 0xce, 0xe9, 0xc4, 0x83, 0x25, 0x7f}};
constexpr GUID kCondLocalInterface = {0x4cd62a49, 0x59c3, 0x4969, {0xb7, 0xf3, 0xbd, 0xa5, 0xd3, 0x28, 0x90, 0xa4}};
constexpr GUID kCondRemoteAddress = {0xb235ae9a, 0x1d64, 0x49b8, {0xa4, 0x4c, 0x5f, 0xf3, 0xd9, 0x09, 0x50, 0x45}};
constexpr GUID kCondProtocol = {0x3971ef2b, 0x623e, 0x4f9a, {0x8c, 0xb1, 0x6e, 0x79, 0xb8, 0x06, 0xb9, 0xa7}};
constexpr GUID kCondLocalPort = {0x0c1ba1af, 0x5765, 0x453f, {0xaf, 0x22, 0xa8, 0xf7, 0x91, 0xac, 0x77, 0x5b}};
constexpr GUID kCondRemotePort = {0xc35a604d, 0xd22b, 0x4e1a, {0x91, 0xb4, 0x68, 0xf6, 0x74, 0xee, 0x67, 0x4b}};
constexpr GUID kCondFlags = {0x632ce23b, 0x5167, 0x435c, {0x86, 0xd7, 0xe9, 0x03, 0x68, 0x4a, 0xa8, 0x0c}};
constexpr UINT32 kProviderPersistent = 0x1;
constexpr UINT32 kSublayerPersistent = 0x1;
constexpr UINT32 kFilterPersistent = 0x1;

// Slipstream's own: {8f5e8a53-7c1d-4e2b-9a61-3d4c5b6a7e01} provider,
// ...02 sublayer, ...1000+i filter i.
constexpr GUID kProvider = {0x8f5e8a53, 0x7c1d, 0x4e2b, {0x9a, 0x61, 0x3d, 0x4c, 0x5b, 0x6a, 0x7e, 0x01}};
constexpr GUID kSublayer = {0x8f5e8a53, 0x7c1d, 0x4e2b, {0x9a, 0x61, 0x3d, 0x4c, 0x5b, 0x6a, 0x7e, 0x02}};
constexpr UINT16 kMaxFilters = 256;

GUID FilterKey(UINT16 index) {
  GUID g = kSublayer;
  g.Data4[6] = static_cast<BYTE>(0x10 | (index >> 8));
  g.Data4[7] = static_cast<BYTE>(index & 0xff);
  return g;
}

class Engine {
 public:
  Engine() {
    FWPM_SESSION0 session{};
    // Not dynamic: the filters must outlive this handle (and a crash).
    err_ = FwpmEngineOpen0(nullptr, RPC_C_AUTHN_WINNT, nullptr, &session, &handle_);
  }
  ~Engine() {
    if (handle_ != nullptr) FwpmEngineClose0(handle_);
  }
  DWORD error() const { return err_; }
  HANDLE get() const { return handle_; }

 private:
  HANDLE handle_ = nullptr;
  DWORD err_ = 0;
};

struct FilterBuilder {
  HANDLE engine;
  UINT16 next = 0;

  DWORD Add(const GUID& layer, FWP_ACTION_TYPE action, UINT8 weight,
            std::vector<FWPM_FILTER_CONDITION0> conditions) {
    if (next >= kMaxFilters) return ERROR_BUFFER_OVERFLOW;
    FWPM_FILTER0 f{};
    f.filterKey = FilterKey(next++);
    f.displayData.name = const_cast<wchar_t*>(L"Slipstream kill switch");
    f.flags = kFilterPersistent;
    f.providerKey = const_cast<GUID*>(&kProvider);
    f.layerKey = layer;
    f.subLayerKey = kSublayer;
    f.weight.type = FWP_UINT8;
    f.weight.uint8 = weight;
    f.action.type = action;
    f.numFilterConditions = static_cast<UINT32>(conditions.size());
    f.filterCondition = conditions.empty() ? nullptr : conditions.data();
    return FwpmFilterAdd0(engine, &f, nullptr, nullptr);
  }
};

FWPM_FILTER_CONDITION0 Uint8Cond(const GUID& field, UINT8 v) {
  FWPM_FILTER_CONDITION0 c{};
  c.fieldKey = field;
  c.matchType = FWP_MATCH_EQUAL;
  c.conditionValue.type = FWP_UINT8;
  c.conditionValue.uint8 = v;
  return c;
}

FWPM_FILTER_CONDITION0 Uint16Cond(const GUID& field, UINT16 v) {
  FWPM_FILTER_CONDITION0 c{};
  c.fieldKey = field;
  c.matchType = FWP_MATCH_EQUAL;
  c.conditionValue.type = FWP_UINT16;
  c.conditionValue.uint16 = v;
  return c;
}

DWORD AddAll(FilterBuilder& b, const WinKillSwitchSpec& spec, UINT64* luid,
             std::vector<FWP_V4_ADDR_AND_MASK>& v4, std::vector<FWP_V6_ADDR_AND_MASK>& v6,
             std::vector<FWP_BYTE_ARRAY16>& v6_hosts) {
  DWORD err = NO_ERROR;
  const GUID* layers[2][2] = {{&kLayerConnectV4, &kLayerAcceptV4}, {&kLayerConnectV6, &kLayerAcceptV6}};
  for (int fam = 0; fam < 2 && err == NO_ERROR; ++fam) {
    for (const GUID* layer : layers[fam]) {
      // Everything through the tunnel.
      FWPM_FILTER_CONDITION0 tun{};
      tun.fieldKey = kCondLocalInterface;
      tun.matchType = FWP_MATCH_EQUAL;
      tun.conditionValue.type = FWP_UINT64;
      tun.conditionValue.uint64 = luid;
      if ((err = b.Add(*layer, FWP_ACTION_PERMIT, 12, {tun})) != NO_ERROR) return err;
      // Loopback.
      FWPM_FILTER_CONDITION0 loop{};
      loop.fieldKey = kCondFlags;
      loop.matchType = FWP_MATCH_FLAGS_ALL_SET;
      loop.conditionValue.type = FWP_UINT32;
      loop.conditionValue.uint32 = FWP_CONDITION_FLAG_IS_LOOPBACK;
      if ((err = b.Add(*layer, FWP_ACTION_PERMIT, 12, {loop})) != NO_ERROR) return err;
      // DHCP: v4 client 68 -> server 67, v6 client 546 -> server 547.
      const UINT16 local = fam == 0 ? 68 : 546;
      const UINT16 remote = fam == 0 ? 67 : 547;
      if ((err = b.Add(*layer, FWP_ACTION_PERMIT, 12,
                       {Uint8Cond(kCondProtocol, IPPROTO_UDP), Uint16Cond(kCondLocalPort, local),
                        Uint16Cond(kCondRemotePort, remote)})) != NO_ERROR) {
        return err;
      }
      // The tunnel's own UDP, to its endpoints only.
      for (size_t i = 0; i < spec.endpoints.size(); ++i) {
        const auto& e = spec.endpoints[i];
        if ((e.address.family == 6) != (fam == 1)) continue;
        std::vector<FWPM_FILTER_CONDITION0> conds = {Uint8Cond(kCondProtocol, IPPROTO_UDP),
                                                     Uint16Cond(kCondRemotePort, e.port)};
        if (spec.udp_port != 0) conds.push_back(Uint16Cond(kCondLocalPort, spec.udp_port));
        FWPM_FILTER_CONDITION0 addr{};
        addr.fieldKey = kCondRemoteAddress;
        addr.matchType = FWP_MATCH_EQUAL;
        if (fam == 0) {
          addr.conditionValue.type = FWP_UINT32;
          addr.conditionValue.uint32 = (static_cast<UINT32>(e.address.bytes[0]) << 24) |
                                       (e.address.bytes[1] << 16) | (e.address.bytes[2] << 8) |
                                       e.address.bytes[3];
        } else {
          addr.conditionValue.type = FWP_BYTE_ARRAY16_TYPE;
          addr.conditionValue.byteArray16 = &v6_hosts[i];
        }
        conds.push_back(addr);
        if ((err = b.Add(*layer, FWP_ACTION_PERMIT, 12, conds)) != NO_ERROR) return err;
      }
      // The LAN, when allowed.
      if (spec.allow_lan) {
        if (fam == 0) {
          for (auto& net : v4) {
            FWPM_FILTER_CONDITION0 c{};
            c.fieldKey = kCondRemoteAddress;
            c.matchType = FWP_MATCH_EQUAL;
            c.conditionValue.type = FWP_V4_ADDR_MASK;
            c.conditionValue.v4AddrMask = &net;
            if ((err = b.Add(*layer, FWP_ACTION_PERMIT, 10, {c})) != NO_ERROR) return err;
          }
        } else {
          for (auto& net : v6) {
            FWPM_FILTER_CONDITION0 c{};
            c.fieldKey = kCondRemoteAddress;
            c.matchType = FWP_MATCH_EQUAL;
            c.conditionValue.type = FWP_V6_ADDR_MASK;
            c.conditionValue.v6AddrMask = &net;
            if ((err = b.Add(*layer, FWP_ACTION_PERMIT, 10, {c})) != NO_ERROR) return err;
          }
        }
      }
      // Everything else: blocked (lowest weight in our sublayer).
      if ((err = b.Add(*layer, FWP_ACTION_BLOCK, 0, {})) != NO_ERROR) return err;
    }
  }
  return err;
}

DWORD RemoveAll(HANDLE engine) {
  for (UINT16 i = 0; i < kMaxFilters; ++i) {
    const GUID key = FilterKey(i);
    const DWORD err = FwpmFilterDeleteByKey0(engine, &key);
    if (err != NO_ERROR && err != static_cast<DWORD>(FWP_E_FILTER_NOT_FOUND)) return err;
  }
  DWORD err = FwpmSubLayerDeleteByKey0(engine, &kSublayer);
  if (err != NO_ERROR && err != static_cast<DWORD>(FWP_E_SUBLAYER_NOT_FOUND)) return err;
  err = FwpmProviderDeleteByKey0(engine, &kProvider);
  if (err != NO_ERROR && err != static_cast<DWORD>(FWP_E_PROVIDER_NOT_FOUND)) return err;
  return NO_ERROR;
}

}  // namespace

DWORD WinInstallKillSwitch(const WinKillSwitchSpec& spec) {
  NET_LUID luid_struct;
  DWORD err = ConvertInterfaceIndexToLuid(spec.tunnel_ifindex, &luid_struct);
  if (err != NO_ERROR) return err;
  UINT64 luid = luid_struct.Value;
  Engine engine;
  if (engine.error() != NO_ERROR) return engine.error();
  // All or nothing: one transaction, aborted on the first failure.
  err = FwpmTransactionBegin0(engine.get(), 0);
  if (err != NO_ERROR) return err;
  err = RemoveAll(engine.get());  // a crashed run's filters, if any
  FWPM_PROVIDER0 provider{};
  provider.providerKey = kProvider;
  provider.displayData.name = const_cast<wchar_t*>(L"Slipstream");
  provider.flags = kProviderPersistent;
  if (err == NO_ERROR) err = FwpmProviderAdd0(engine.get(), &provider, nullptr);
  FWPM_SUBLAYER0 sublayer{};
  sublayer.subLayerKey = kSublayer;
  sublayer.displayData.name = const_cast<wchar_t*>(L"Slipstream kill switch");
  sublayer.flags = kSublayerPersistent;
  sublayer.providerKey = const_cast<GUID*>(&kProvider);
  sublayer.weight = 0xffff;  // ahead of other sublayers: a block here is final
  if (err == NO_ERROR) err = FwpmSubLayerAdd0(engine.get(), &sublayer, nullptr);
  // Private, link-local and multicast ranges for "allow LAN".
  std::vector<FWP_V4_ADDR_AND_MASK> v4 = {
      {0x0A000000, 0xFF000000}, {0xAC100000, 0xFFF00000}, {0xC0A80000, 0xFFFF0000},
      {0xA9FE0000, 0xFFFF0000}, {0xE0000000, 0xF0000000}, {0xFFFFFFFF, 0xFFFFFFFF}};
  std::vector<FWP_V6_ADDR_AND_MASK> v6(3);
  v6[0].addr[0] = 0xfe; v6[0].addr[1] = 0x80; v6[0].prefixLength = 10;
  v6[1].addr[0] = 0xfc; v6[1].prefixLength = 7;
  v6[2].addr[0] = 0xff; v6[2].prefixLength = 8;
  std::vector<FWP_BYTE_ARRAY16> v6_hosts(spec.endpoints.size());
  for (size_t i = 0; i < spec.endpoints.size(); ++i) {
    for (int k = 0; k < 16; ++k) v6_hosts[i].byteArray16[k] = spec.endpoints[i].address.bytes[k];
  }
  FilterBuilder builder{engine.get()};
  if (err == NO_ERROR) err = AddAll(builder, spec, &luid, v4, v6, v6_hosts);
  if (err != NO_ERROR) {
    FwpmTransactionAbort0(engine.get());
    return err;
  }
  return FwpmTransactionCommit0(engine.get());
}

DWORD WinRemoveKillSwitch() {
  Engine engine;
  if (engine.error() != NO_ERROR) return engine.error();
  DWORD err = FwpmTransactionBegin0(engine.get(), 0);
  if (err != NO_ERROR) return err;
  err = RemoveAll(engine.get());
  if (err != NO_ERROR) {
    FwpmTransactionAbort0(engine.get());
    return err;
  }
  return FwpmTransactionCommit0(engine.get());
}

}  // namespace slipstream
