// Interface, address and route configuration with the IP Helper API, for the
// platform seam (platform.h) and the `winNet` bindings (winnet.h).
#include "winnet.h"

#include <iphlpapi.h>
#include <netioapi.h>

#include <cerrno>
#include <cstring>

#include "../platform.h"

namespace slipstream {
namespace {

ADDRESS_FAMILY Af(int family) { return family == 6 ? AF_INET6 : AF_INET; }

void ToSockaddr(const WinIp& ip, SOCKADDR_INET* out) {
  std::memset(out, 0, sizeof *out);
  if (ip.family == 6) {
    out->Ipv6.sin6_family = AF_INET6;
    std::memcpy(&out->Ipv6.sin6_addr, ip.bytes, 16);
  } else {
    out->Ipv4.sin_family = AF_INET;
    std::memcpy(&out->Ipv4.sin_addr, ip.bytes, 4);
  }
}

WinIp FromIpAddress(const IpAddress& a) {
  WinIp ip;
  ip.family = a.family;
  std::memcpy(ip.bytes, a.bytes, a.family == 6 ? 16 : 4);
  return ip;
}

int Errno(DWORD err) {
  switch (err) {
    case NO_ERROR:
      return 0;
    case ERROR_OBJECT_ALREADY_EXISTS:
      return EEXIST;
    case ERROR_NOT_FOUND:
    case ERROR_FILE_NOT_FOUND:
      return ENOENT;
    case ERROR_ACCESS_DENIED:
      return EACCES;
    case ERROR_INVALID_PARAMETER:
      return EINVAL;
    default:
      return EIO;
  }
}

bool Covers(const SOCKADDR_INET& prefix, uint8_t length, const WinIp& ip) {
  const uint8_t* p = ip.family == 6 ? reinterpret_cast<const uint8_t*>(&prefix.Ipv6.sin6_addr)
                                    : reinterpret_cast<const uint8_t*>(&prefix.Ipv4.sin_addr);
  for (uint8_t bit = 0; bit < length; ++bit) {
    const uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
    if ((p[bit / 8] & mask) != (ip.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

}  // namespace

bool ParseWinIp(const std::string& text, int family, WinIp* out) {
  out->family = family;
  std::memset(out->bytes, 0, sizeof out->bytes);
  return InetPtonA(Af(family), text.c_str(), out->bytes) == 1;
}

std::string FormatWinIp(const WinIp& ip) {
  char text[INET6_ADDRSTRLEN] = {};
  InetNtopA(Af(ip.family), ip.bytes, text, sizeof text);
  return text;
}

DWORD WinSetMtu(uint32_t ifindex, int family, uint32_t mtu) {
  MIB_IPINTERFACE_ROW row;
  InitializeIpInterfaceEntry(&row);
  row.Family = Af(family);
  row.InterfaceIndex = ifindex;
  DWORD err = GetIpInterfaceEntry(&row);
  if (err != NO_ERROR) return err;
  row.NlMtu = mtu;
  // Set must not carry the prefix length of the site (IPv4 rows reject it).
  row.SitePrefixLength = 0;
  return SetIpInterfaceEntry(&row);
}

DWORD WinAddress(bool add, uint32_t ifindex, const WinIp& address, uint8_t prefix_length) {
  MIB_UNICASTIPADDRESS_ROW row;
  InitializeUnicastIpAddressEntry(&row);
  row.InterfaceIndex = ifindex;
  ToSockaddr(address, &row.Address);
  row.OnLinkPrefixLength = prefix_length;
  // No duplicate address detection: the tunnel is point to point.
  row.DadState = IpDadStatePreferred;
  return add ? CreateUnicastIpAddressEntry(&row) : DeleteUnicastIpAddressEntry(&row);
}

DWORD WinRoute(bool add, const WinRouteSpec& route) {
  MIB_IPFORWARD_ROW2 row;
  InitializeIpForwardEntry(&row);
  row.InterfaceIndex = route.ifindex;
  ToSockaddr(route.dst, &row.DestinationPrefix.Prefix);
  row.DestinationPrefix.PrefixLength = route.prefix_length;
  if (route.has_next_hop) {
    ToSockaddr(route.next_hop, &row.NextHop);
  } else {
    row.NextHop.si_family = Af(route.dst.family);
  }
  row.Metric = route.metric;
  row.Protocol = static_cast<NL_ROUTE_PROTOCOL>(MIB_IPPROTO_NETMGMT);
  return add ? CreateIpForwardEntry2(&row) : DeleteIpForwardEntry2(&row);
}

namespace {

bool SameAddress(const SOCKADDR_INET& a, const WinIp& ip) {
  const void* bytes = ip.family == 6 ? static_cast<const void*>(&a.Ipv6.sin6_addr)
                                     : static_cast<const void*>(&a.Ipv4.sin_addr);
  return std::memcmp(bytes, ip.bytes, ip.family == 6 ? 16 : 4) == 0;
}

// The tunnel's own endpoint route: the question is where the rest of the table
// would send the endpoint, which is how a moved default route is noticed
// (app/platform/windows/endpoint-routes.ts). Anybody else's host route counts.
bool IsIgnored(const MIB_IPFORWARD_ROW2& r, const WinIp& dst, const WinIgnoredHostRoute* ignore) {
  return ignore != nullptr && r.InterfaceIndex == ignore->ifindex &&
         r.DestinationPrefix.PrefixLength == (dst.family == 6 ? 128 : 32) &&
         SameAddress(r.DestinationPrefix.Prefix, dst) && SameAddress(r.NextHop, ignore->next_hop);
}

}  // namespace

DWORD WinBestRoute(const WinIp& dst, uint32_t exclude_ifindex, const WinIgnoredHostRoute* ignore,
                   uint32_t* ifindex, WinIp* next_hop) {
  PMIB_IPFORWARD_TABLE2 table = nullptr;
  const DWORD err = GetIpForwardTable2(Af(dst.family), &table);
  if (err != NO_ERROR) return err;
  const MIB_IPFORWARD_ROW2* best = nullptr;
  for (ULONG i = 0; i < table->NumEntries; ++i) {
    const MIB_IPFORWARD_ROW2& r = table->Table[i];
    if (r.InterfaceIndex == exclude_ifindex) continue;
    if (IsIgnored(r, dst, ignore)) continue;
    if (!Covers(r.DestinationPrefix.Prefix, r.DestinationPrefix.PrefixLength, dst)) continue;
    if (best == nullptr || r.DestinationPrefix.PrefixLength > best->DestinationPrefix.PrefixLength ||
        (r.DestinationPrefix.PrefixLength == best->DestinationPrefix.PrefixLength &&
         r.Metric < best->Metric)) {
      best = &r;
    }
  }
  DWORD result = ERROR_NOT_FOUND;
  if (best != nullptr) {
    *ifindex = best->InterfaceIndex;
    next_hop->family = dst.family;
    std::memcpy(next_hop->bytes,
                dst.family == 6 ? reinterpret_cast<const void*>(&best->NextHop.Ipv6.sin6_addr)
                                : reinterpret_cast<const void*>(&best->NextHop.Ipv4.sin_addr),
                dst.family == 6 ? 16 : 4);
    result = NO_ERROR;
  }
  FreeMibTable(table);
  return result;
}

// ---- the platform seam -------------------------------------------------------

int LinkSetMtu(uint32_t ifindex, uint32_t mtu) {
  const DWORD err = WinSetMtu(ifindex, 4, mtu);
  if (err != NO_ERROR) return Errno(err);
  // IPv6 needs at least 1280; an interface without IPv6 has no row to set.
  if (mtu >= 1280) {
    const DWORD err6 = WinSetMtu(ifindex, 6, mtu);
    if (err6 != NO_ERROR && err6 != ERROR_NOT_FOUND) return Errno(err6);
  }
  return 0;
}

// Wintun adapters are up while their session runs.
int LinkSetUp(uint32_t /*ifindex*/, bool /*up*/) { return 0; }
// The Wintun adapter goes away when its handle is closed (TunClose).
int LinkDelete(const std::string& /*name*/) { return ENOTSUP; }

uint32_t LinkIndex(const std::string& name) {
  NET_LUID luid;
  std::wstring wide(name.begin(), name.end());
  if (ConvertInterfaceAliasToLuid(wide.c_str(), &luid) != NO_ERROR) return 0;
  NET_IFINDEX index = 0;
  return ConvertInterfaceLuidToIndex(&luid, &index) == NO_ERROR ? index : 0;
}

int AddressAdd(uint32_t ifindex, const IpAddress& address, uint8_t prefix_length) {
  return Errno(WinAddress(true, ifindex, FromIpAddress(address), prefix_length));
}

int RouteAdd(const RouteConfig& route) {
  WinRouteSpec r;
  r.ifindex = route.ifindex;
  r.dst = FromIpAddress(route.dst);
  r.prefix_length = route.prefix_length;
  r.metric = route.has_metric ? route.metric : 0;
  return Errno(WinRoute(true, r));
}

int RouteDelete(const RouteConfig& route) {
  WinRouteSpec r;
  r.ifindex = route.ifindex;
  r.dst = FromIpAddress(route.dst);
  r.prefix_length = route.prefix_length;
  r.metric = route.has_metric ? route.metric : 0;
  return Errno(WinRoute(false, r));
}

// Windows has no policy routing rules: a full tunnel is two /1 routes plus
// host routes to the endpoints (app/platform/windows/plan.ts).
int RuleAdd(const RuleConfig& /*rule*/) { return ENOTSUP; }
int RuleDelete(const RuleConfig& /*rule*/) { return ENOTSUP; }

}  // namespace slipstream
