// Windows network configuration primitives behind the JS `winNet` object
// (app/platform/windows/native.ts). Every function returns 0 or a Win32 error.
#ifndef SLIPSTREAM_WINDOWS_WINNET_H_
#define SLIPSTREAM_WINDOWS_WINNET_H_

// winsock2 before windows.h (uv.h, pulled in by platform.h, does the same).
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <cstdint>
#include <string>
#include <vector>

namespace slipstream {

struct WinIp {
  int family = 4;  // 4 or 6
  uint8_t bytes[16] = {};
};

// Parses canonical address text of the given family; false when it is not one.
bool ParseWinIp(const std::string& text, int family, WinIp* out);
std::string FormatWinIp(const WinIp& ip);

DWORD WinSetMtu(uint32_t ifindex, int family, uint32_t mtu);
DWORD WinAddress(bool add, uint32_t ifindex, const WinIp& address, uint8_t prefix_length);

struct WinRouteSpec {
  uint32_t ifindex = 0;
  WinIp dst;
  uint8_t prefix_length = 0;
  bool has_next_hop = false;
  WinIp next_hop;
  uint32_t metric = 0;
};
DWORD WinRoute(bool add, const WinRouteSpec& route);
// A host route for WinBestRoute to pass over: the endpoint route a running
// tunnel added itself (on `ifindex` via `next_hop`).
struct WinIgnoredHostRoute {
  uint32_t ifindex = 0;
  WinIp next_hop;
};
// The most specific, then lowest-metric, route covering `dst` on an interface
// other than `exclude_ifindex`, passing over `ignore` when given.
// ERROR_NOT_FOUND when there is none.
DWORD WinBestRoute(const WinIp& dst, uint32_t exclude_ifindex, const WinIgnoredHostRoute* ignore,
                   uint32_t* ifindex, WinIp* next_hop);

// SetInterfaceDnsSettings; *available = false when this Windows lacks it.
DWORD WinSetDnsSettings(uint32_t ifindex, const std::vector<std::string>& servers,
                        const std::vector<std::string>& search, bool* available);
DWORD WinSetDnsRegistry(uint32_t ifindex, int family, const std::wstring& name_server,
                        const std::wstring& search_list, std::wstring* old_name_server,
                        std::wstring* old_search_list);
DWORD WinAddNrptRule(const std::wstring& name, const std::wstring& space,
                     const std::wstring& servers);
DWORD WinDeleteNrptRule(const std::wstring& name);

struct WinKillSwitchSpec {
  uint32_t tunnel_ifindex = 0;
  uint16_t udp_port = 0;
  struct Endpoint {
    WinIp address;
    uint16_t port = 0;
  };
  std::vector<Endpoint> endpoints;
  bool allow_lan = false;
};
DWORD WinInstallKillSwitch(const WinKillSwitchSpec& spec);
DWORD WinRemoveKillSwitch();

}  // namespace slipstream

#endif  // SLIPSTREAM_WINDOWS_WINNET_H_
