// Interface, address, route and rule configuration on Windows will use the IP
// Helper API. Until then every call reports ENOTSUP.
#include <cerrno>

#include "../platform.h"

namespace slipstream {

int LinkSetMtu(uint32_t /*ifindex*/, uint32_t /*mtu*/) { return ENOTSUP; }
int LinkSetUp(uint32_t /*ifindex*/, bool /*up*/) { return ENOTSUP; }
int LinkDelete(const std::string& /*name*/) { return ENOTSUP; }
uint32_t LinkIndex(const std::string& /*name*/) { return 0; }
int AddressAdd(uint32_t /*ifindex*/, const IpAddress& /*address*/, uint8_t /*prefix_length*/) {
  return ENOTSUP;
}
int RouteAdd(const RouteConfig& /*route*/) { return ENOTSUP; }
int RouteDelete(const RouteConfig& /*route*/) { return ENOTSUP; }
// Windows has no policy routing rules; the full-tunnel design there differs.
int RuleAdd(const RuleConfig& /*rule*/) { return ENOTSUP; }
int RuleDelete(const RuleConfig& /*rule*/) { return ENOTSUP; }

}  // namespace slipstream
